/**
 * Options shared by every policy, with their defaults and validation.
 *
 * Two of them change what a policy may do and are therefore printed with every result
 * (summary rows, reports, plot legends), so that policies are compared at stated settings:
 * - `batchSizes`: the batch sizes a policy may pick: 'profiled' (the profile's own sizes, as
 *   in the paper), 'all' (every integer up to the max batch, latencies interpolated) or an
 *   explicit list.
 * - `late`: what happens to a head the policy's rule cannot serve by its deadline (see `LateMode`).
 * @module
 */
import { PolicyError } from './errors.ts';
import type { ProfileTable } from './profile-table.ts';
import type { LateMode } from './types.ts';

/** 'profiled' | 'all' | an explicit ascending list of sizes. */
export type BatchSizes = 'profiled' | 'all' | readonly number[];

export interface PolicyOptions {
  /** Largest batch a policy may pick. @default 16 (the paper's), capped at the profile's largest batch */
  readonly maxBatch?: number;
  /** SlackFit: number of evenly spaced latency buckets (the paper does not give it). @default 10 */
  readonly buckets?: number;
  /** Batch sizes considered. @default each policy's own (see `createPolicy`) */
  readonly batchSizes?: BatchSizes;
  /** A head the policy's rule cannot serve in time: 'drop' it or 'serve' it anyway. @default 'drop' */
  readonly late?: LateMode;
  /** Policies that plan across workers: workers pulling from the queue. @default 1 */
  readonly workers?: number;
  /**
   * Share of admitted requests that should meet their deadline; slackfit-m plans with the latency quantile it
   * needs (0 < t < 1). @default 0.99
   */
  readonly sloTarget?: number;
}

export const DEFAULT_SLO_TARGET = 0.99;

/** Validates an SLO target (a fraction strictly between 0 and 1). */
export function checkSloTarget(t: unknown): number {
  if (typeof t !== 'number' || !(t > 0 && t < 1)) throw new PolicyError(`sloTarget must be a number between 0 and 1 (exclusive), got ${JSON.stringify(t)}`);
  return t;
}

export const DEFAULT_MAX_BATCH = 16;
export const DEFAULT_BUCKETS = 10;
export const LATE_MODES: readonly LateMode[] = ['drop', 'serve'];

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 1) throw new PolicyError(`${name} must be a positive integer, got ${v}`);
  return x;
}

export interface ResolvedOptions {
  maxBatch: number;
  buckets: number;
  late: LateMode;
  workers: number;
  /** The batch sizes to consider, ascending, all <= maxBatch. */
  grid: number[];
  sloTarget: number;
}

/** Validates a late mode ('drop' | 'serve'). */
export function checkLateMode(late: unknown): LateMode {
  if (late !== 'drop' && late !== 'serve') throw new PolicyError(`late must be 'drop' or 'serve', got ${JSON.stringify(late)}`);
  return late;
}

/** Validates a batch-size setting; an explicit list must be ascending positive integers. */
export function checkBatchSizes(b: unknown): BatchSizes {
  if (b === 'all' || b === 'profiled') return b;
  if (!Array.isArray(b) || b.length === 0) throw new PolicyError(`batchSizes must be 'all', 'profiled' or a non-empty list of sizes, got ${JSON.stringify(b)}`);
  b.forEach((x, i) => {
    if (!Number.isInteger(x) || x < 1) throw new PolicyError(`batchSizes: ${JSON.stringify(x)} is not a positive integer`);
    if (i > 0 && x <= b[i - 1]) throw new PolicyError(`batchSizes must be ascending without repeats, got ${b.join(',')}`);
  });
  return b as number[];
}

export function resolveOptions(table: ProfileTable, opts: PolicyOptions, batchDefault: 'profiled' | 'all'): ResolvedOptions {
  const sizes = checkBatchSizes(opts.batchSizes ?? batchDefault);
  const listMax = Array.isArray(sizes) ? sizes[sizes.length - 1]! : Number.POSITIVE_INFINITY;
  if (listMax !== Number.POSITIVE_INFINITY && listMax > table.maxBatch) {
    throw new PolicyError(`batchSizes: ${listMax} is above the profile's largest batch ${table.maxBatch}`);
  }
  const maxBatch = Math.min(positiveInt('maxBatch', opts.maxBatch, DEFAULT_MAX_BATCH), table.maxBatch, listMax);
  const buckets = positiveInt('buckets', opts.buckets, DEFAULT_BUCKETS);
  const workers = positiveInt('workers', opts.workers, 1);
  const late = checkLateMode(opts.late ?? 'drop');
  const sloTarget = checkSloTarget(opts.sloTarget ?? DEFAULT_SLO_TARGET);
  return { maxBatch, buckets, late, workers, grid: table.batchGrid(sizes, maxBatch), sloTarget };
}

/** "all", "profiled" or "1,2,4" (for labels and summary rows). */
export function batchSizesLabel(b: BatchSizes): string {
  return typeof b === 'string' ? b : b.join(',');
}

/** Parses a `--batch-sizes` value: all | profiled | 1,2,4,8,16. */
export function parseBatchSizes(raw: string): BatchSizes {
  if (raw === 'all' || raw === 'profiled') return raw;
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.some((s) => !/^\d+$/.test(s))) throw new PolicyError(`batch sizes must be all, profiled or a list like 1,2,4,8,16; got "${raw}"`);
  return checkBatchSizes(parts.map(Number));
}
