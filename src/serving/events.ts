/**
 * What the serving core reports while it works. Prometheus metrics, Triton-style statistics and the live
 * dashboard are listeners; none of them can change what the core does. Times are on the service clock (ms).
 * @module
 */

/** Why a request got an error answer instead of results. */
export type RefusalReason =
  | 'queue_full'      // 503: the bounded queue is full
  | 'overloaded'      // 503: admission: the queue ahead cannot be served before this request's deadline
  | 'deadline'        // 504: the deadline passed (or can no longer be met) while queued
  | 'not_ready'       // 503: before the model is loaded, profiled and warm
  | 'no_worker'       // 503: after start-up, every inference worker is dead (counts against the SLO)
  | 'shutting_down'   // 503: after SIGTERM
  | 'bad_request'     // 4xx: the request itself is invalid
  | 'cancelled'       // 499: the client went away
  | 'worker_failed';  // 500: the batch failed and could not be re-queued in time

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'queue_full', 'overloaded', 'deadline', 'not_ready', 'no_worker', 'shutting_down', 'bad_request', 'cancelled', 'worker_failed',
];

/** How one image of a request was served (the images of one request may run in different batches). */
export interface ImageOutcome {
  subnetId: number;
  accuracy: number;
  batchSize: number;
  queueMs: number;
  computeMs: number;
  /** Service clock time its batch finished. */
  finishedAt: number;
}

export interface AnsweredRequest {
  images: ImageOutcome[];
  latencyMs: number;
  deadlineMet: boolean;
  /** The ticket's priority level (1 = most important). */
  priority?: number;
  /** Arrival until its decoded images reached the queue (reading, parsing, validating, decoding). */
  prepMs?: number;
  /** Building and encoding the reply. */
  encodeMs?: number;
}

export interface WorkerStatus {
  name: string;
  kind: 'thread' | 'nats';
  state: 'idle' | 'busy' | 'dead';
  backend?: string;
  /** The batch it is running, when busy. */
  batch?: { subnetId: number; size: number };
}

export interface ServingEvents {
  /** A request reached the service, before admission. */
  arrived?(at: number, images: number): void;
  /** A request was answered with results; `latencyMs` from its arrival to the answer, judged as the answer is written. */
  answered?(at: number, r: AnsweredRequest): void;
  /**
   * A request was answered with an error; `priority` is its ticket's level when it had one, `latencyMs` the
   * time from its arrival to the error when its arrival is known.
   */
  refused?(at: number, reason: RefusalReason, images: number, priority?: number, latencyMs?: number): void;
  batchStarted?(at: number, b: { worker: string; subnetId: number; size: number; expectedMs: number }): void;
  batchFinished?(at: number, b: { worker: string; subnetId: number; size: number; computeMs: number; wallMs: number; ok: boolean }): void;
  workersChanged?(at: number, workers: WorkerStatus[]): void;
}

/** Gauges a reader samples when it wants them (never pushed). */
export interface ServingSnapshot {
  queued: number;
  inFlight: number;
  latencyFactor: number;
  workers: WorkerStatus[];
}

/** One listener that forwards every event to each of `listeners` (in order). */
export function fanOut(...listeners: ServingEvents[]): ServingEvents {
  return {
    arrived: (at, n) => { for (const l of listeners) l.arrived?.(at, n); },
    answered: (at, r) => { for (const l of listeners) l.answered?.(at, r); },
    refused: (at, reason, n, priority, ms) => { for (const l of listeners) l.refused?.(at, reason, n, priority, ms); },
    batchStarted: (at, b) => { for (const l of listeners) l.batchStarted?.(at, b); },
    batchFinished: (at, b) => { for (const l of listeners) l.batchFinished?.(at, b); },
    workersChanged: (at, w) => { for (const l of listeners) l.workersChanged?.(at, w); },
  };
}
