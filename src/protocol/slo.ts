/**
 * The one rule for a request's timing, the same for HTTP and gRPC, for full validation and for the cheap
 * admission peeks: the SLO from `slo_ms` (ms) or Triton's `timeout` (µs), else the server default, tightened
 * to a transport's own deadline (gRPC); the priority level from Triton's `priority` (0 = the default level,
 * 1 = highest, out of range = the default level, as Triton does).
 * @module
 */
import { DEFAULT_PRIORITY_LEVELS } from '../serving/ticket.ts';
import { RequestValidationError } from './errors.ts';

export interface TimingLimits {
  /** SLO used when the request names none. */
  defaultSloMs: number;
  /** Largest accepted SLO. */
  maxSloMs: number;
  /** @default DEFAULT_PRIORITY_LEVELS */
  priorityLevels?: number;
}

export interface RequestTiming {
  sloMs: number;
  /** True when the client named the SLO; false when it is the server default. */
  sloGiven: boolean;
  /** Level 1..priorityLevels, 1 the most important. */
  priority: number;
}

/** Request parameters this rule reads. */
export const TIMING_PARAMETERS = ['slo_ms', 'timeout', 'priority'] as const;

/** Throws RequestValidationError naming the first bad parameter. */
export function decodeTiming(params: Record<string, unknown>, limits: TimingLimits): RequestTiming {
  return { ...decodeSlo(params, limits), priority: decodePriority(params.priority, limits.priorityLevels ?? DEFAULT_PRIORITY_LEVELS) };
}

/** `decodeTiming` for a peek before validation: undefined instead of an error (full validation reports it). */
export function peekTiming(params: Record<string, unknown>, limits: TimingLimits): RequestTiming | undefined {
  try {
    return decodeTiming(params, limits);
  } catch {
    return undefined;
  }
}

/**
 * Tightened to a transport deadline `leftMs` away (gRPC): the tighter of the two when the client named an
 * SLO, else the deadline alone (capped at the largest accepted SLO).
 */
export function withTransportDeadline(t: RequestTiming, leftMs: number, maxSloMs: number): RequestTiming {
  if (!Number.isFinite(leftMs)) return t;
  const left = Math.max(1, leftMs);
  return { ...t, sloMs: t.sloGiven ? Math.min(t.sloMs, left) : Math.min(left, maxSloMs) };
}

function decodeSlo(params: Record<string, unknown>, limits: TimingLimits): { sloMs: number; sloGiven: boolean } {
  const { slo_ms: sloMs, timeout } = params;
  if (sloMs !== undefined && timeout !== undefined) {
    throw new RequestValidationError('give either parameters.slo_ms or parameters.timeout (µs), not both');
  }
  if (sloMs === undefined && timeout === undefined) return { sloMs: limits.defaultSloMs, sloGiven: false };
  let value: number;
  if (sloMs !== undefined) {
    if (typeof sloMs !== 'number' || !Number.isFinite(sloMs) || sloMs <= 0) {
      throw new RequestValidationError(`parameters.slo_ms must be a number > 0, got ${JSON.stringify(sloMs)}`);
    }
    value = sloMs;
  } else {
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0) {
      throw new RequestValidationError(`parameters.timeout must be an integer number of microseconds > 0, got ${JSON.stringify(timeout)}`);
    }
    value = timeout / 1000;
  }
  if (value > limits.maxSloMs) throw new RequestValidationError(`latency SLO ${value} ms exceeds the maximum of ${limits.maxSloMs} ms`);
  return { sloMs: value, sloGiven: true };
}

function decodePriority(priority: unknown, levels: number): number {
  if (priority === undefined) return levels;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0) {
    throw new RequestValidationError(`parameters.priority must be an integer >= 0 (0 = the default level, 1 = highest), got ${JSON.stringify(priority)}`);
  }
  return priority === 0 || priority > levels ? levels : priority;
}
