/**
 * Triton's statistics extension: per-model cumulative counts and durations, inference and execution counts
 * and per-batch-size execution statistics, in the shape of Triton's `ModelStatistics` (HTTP JSON and gRPC
 * alike), fed by the service's events (`answered`, `refused`, `batchFinished`). What each field measures
 * (docs/api.md):
 * - success: per request answered with results, arrival until its result is ready to encode;
 * - fail: per request answered with an error (invalid, refused, timed out, cancelled, failed), arrival to
 *   the error;
 * - compute_input: per answered request, arrival until its decoded images reached the service (body read,
 *   parsed, validated, images decoded and preprocessed); here this happens before the queue, not after it;
 * - queue, compute_infer: per answered request, the longest queue wait and batch time of its images;
 * - compute_output: per answered request, building and encoding the reply (V2 JSON / binary, or the gRPC
 *   message before grpc-js serialises it);
 * - batch_stats: compute_infer per executed batch. A batch's compute_input / compute_output stay 0: the
 *   worker's batch time (compute_infer) includes stacking the images into the input tensor and reading the
 *   logits back, which cannot be told apart without a device sync between the steps.
 * @module
 */
import type { AnsweredRequest, RefusalReason, ServingEvents } from '../serving/events.ts';

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
  private readonly stats = { success: zero(), fail: zero(), queue: zero(), compute_input: zero(), compute_infer: zero(), compute_output: zero() };
  private readonly batches = new Map<number, StatDuration>();
  private inferences = 0;
  private executions = 0;
  private last = 0;

  /** @param wallClockMs epoch milliseconds for `last_inference`. */
  constructor(private readonly wallClockMs: () => number = Date.now) {}

  answered(_at: number, r: AnsweredRequest): void {
    add(this.stats.success, r.latencyMs);
    if (r.prepMs !== undefined) add(this.stats.compute_input, r.prepMs);
    if (r.encodeMs !== undefined) add(this.stats.compute_output, r.encodeMs);
    add(this.stats.queue, Math.max(0, ...r.images.map((i) => i.queueMs)));
    add(this.stats.compute_infer, Math.max(0, ...r.images.map((i) => i.computeMs)));
    this.inferences += r.images.length;
    this.last = this.wallClockMs();
  }

  /** `latencyMs`: arrival to the error answer (Triton's fail duration); 0 when the arrival is not known. */
  refused(_at: number, _reason: RefusalReason, _images: number, _priority?: number, latencyMs = 0): void {
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
        compute_input: copy(this.stats.compute_input), compute_infer: copy(this.stats.compute_infer), compute_output: copy(this.stats.compute_output),
      },
      batch_stats: [...this.batches.entries()].sort((a, b) => a[0] - b[0])
        .map(([size, d]) => ({ batch_size: size, compute_input: zero(), compute_infer: copy(d), compute_output: zero() })),
    };
  }
}
