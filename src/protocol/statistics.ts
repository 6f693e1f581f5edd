/**
 * Triton's statistics extension: per-model cumulative counts and durations (success, fail, queue,
 * compute), inference and execution counts and per-batch-size execution statistics, in the shape of
 * Triton's `ModelStatistics` (HTTP JSON and gRPC alike). It is a `ServingEvents` listener, so the serving
 * core can feed it; until the core emits events, the transports feed `answered` / `refused` (see
 * outcomes.ts) and the dispatcher feeds `batchFinished`.
 * Not measured here, so reported as zero: compute_input, compute_output (tensors move with the batch).
 * @module
 */
import type { ImageOutcome, RefusalReason, ServingEvents } from '../serving/events.ts';

export interface StatDuration { count: number; ns: number }

export interface TritonInferStatistics {
  success: StatDuration; fail: StatDuration; queue: StatDuration;
  compute_input: StatDuration; compute_infer: StatDuration; compute_output: StatDuration;
}

export interface TritonBatchStatistics { batch_size: number; compute_input: StatDuration; compute_infer: StatDuration; compute_output: StatDuration }

export interface TritonModelStatistics {
  name: string;
  version: string;
  /** Milliseconds since the epoch of the last successful inference (0: none yet). */
  last_inference: number;
  /** Images answered with results. */
  inference_count: number;
  /** Batches executed. */
  execution_count: number;
  inference_stats: TritonInferStatistics;
  batch_stats: TritonBatchStatistics[];
}

const zero = (): StatDuration => ({ count: 0, ns: 0 });
const add = (d: StatDuration, ms: number): void => { d.count++; d.ns += Math.max(0, Math.round(ms * 1e6)); };

export class InferenceStatistics implements ServingEvents {
  private readonly stats = { success: zero(), fail: zero(), queue: zero(), compute_infer: zero() };
  private readonly batches = new Map<number, StatDuration>();
  private inferences = 0;
  private executions = 0;
  private last = 0;

  /** @param wallClockMs epoch milliseconds for `last_inference`. */
  constructor(private readonly wallClockMs: () => number = Date.now) {}

  answered(_at: number, r: { images: ImageOutcome[]; latencyMs: number; deadlineMet?: boolean }): void {
    add(this.stats.success, r.latencyMs);
    add(this.stats.queue, Math.max(0, ...r.images.map((i) => i.queueMs)));
    add(this.stats.compute_infer, Math.max(0, ...r.images.map((i) => i.computeMs)));
    this.inferences += r.images.length;
    this.last = this.wallClockMs();
  }

  /** `latencyMs`, when the caller knows it, is the time until the error answer (Triton's fail duration). */
  refused(_at: number, _reason: RefusalReason, _images: number, latencyMs = 0): void {
    add(this.stats.fail, latencyMs);
  }

  batchFinished(_at: number, b: { size: number; computeMs: number; ok: boolean }): void {
    if (!b.ok) return;
    this.executions++;
    let d = this.batches.get(b.size);
    if (d === undefined) { d = zero(); this.batches.set(b.size, d); }
    add(d, b.computeMs);
  }

  /** Triton's `ModelStatistics` for the model as it stands now (a copy). */
  snapshot(name: string, version: string): TritonModelStatistics {
    const copy = (d: StatDuration): StatDuration => ({ ...d });
    return {
      name, version, last_inference: this.last, inference_count: this.inferences, execution_count: this.executions,
      inference_stats: {
        success: copy(this.stats.success), fail: copy(this.stats.fail), queue: copy(this.stats.queue),
        compute_input: zero(), compute_infer: copy(this.stats.compute_infer), compute_output: zero(),
      },
      batch_stats: [...this.batches.entries()].sort((a, b) => a[0] - b[0])
        .map(([size, d]) => ({ batch_size: size, compute_input: zero(), compute_infer: copy(d), compute_output: zero() })),
    };
  }
}
