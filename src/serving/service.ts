/**
 * The serving core behind the HTTP layer: admission (bounded queue, deadline from the SLO), one EDF
 * queue entry per image, the dispatcher, and exactly one answer per accepted request.
 * @module
 */
import type { Clock, Scheduler } from '../scheduler/index.ts';
import type { Dispatcher, FailureReason, ItemPayload, ItemResult } from './dispatcher.ts';
import { ServiceError } from './types.ts';
import type { ImageBatch, InferenceService, InferOptions, InferOutcome, ModelMetadata } from './types.ts';

export interface ServiceObserver {
  onAnswered?(outcome: InferOutcome): void;
  onFailed?(reason: string): void;
}

export interface CoreParts {
  scheduler: Scheduler<ItemPayload>;
  dispatcher: Dispatcher;
  accuracyOf(subnetId: number): number;
  hasSubnet(subnetId: number): boolean;
}

export class LocalInferenceService implements InferenceService {
  private core: CoreParts | undefined;
  private accepting = true;
  private nextId = 1;
  private open = 0;
  private drained: (() => void) | undefined;

  constructor(
    readonly modelName: string,
    private readonly clock: Clock,
    private readonly describe: () => ModelMetadata,
    private readonly observer: ServiceObserver = {},
  ) {}

  /** Attach the scheduler and dispatcher once weights, profile and warm-up are done: the service becomes ready. */
  attach(core: CoreParts): void { this.core = core; }

  isReady(): boolean {
    return this.accepting && this.core !== undefined && this.core.dispatcher.workerCount > 0;
  }

  metadata(): ModelMetadata { return this.describe(); }

  /** False once draining has begun. */
  isAccepting(): boolean { return this.accepting; }

  get openRequests(): number { return this.open; }

  infer(batch: ImageBatch, opts: InferOptions): Promise<InferOutcome> {
    const core = this.core;
    if (!this.accepting) return Promise.reject(new ServiceError('shutting_down', 'server is shutting down'));
    if (core === undefined) return Promise.reject(new ServiceError('not_ready', 'model is not ready yet (loading, profiling or warming up)', 5));
    if (core.dispatcher.workerCount === 0) return Promise.reject(new ServiceError('not_ready', 'no inference worker is alive', 5));
    if (opts.subnetId !== undefined && !core.hasSubnet(opts.subnetId)) {
      return Promise.reject(new ServiceError('bad_request', `unknown sub-network id ${opts.subnetId}`));
    }
    if (opts.signal?.aborted) return Promise.reject(new ServiceError('cancelled', 'client disconnected'));
    const arrival = opts.arrivalMs ?? this.clock.now();
    const deadline = arrival + opts.sloMs;
    const pixels = batch.height * batch.width * 3;

    return new Promise<InferOutcome>((resolve, reject) => {
      const results: Array<ItemResult | undefined> = new Array(batch.n);
      const ids: number[] = [];
      let remaining = batch.n;
      let settled = false;
      this.open++;
      const finish = (err: ServiceError | undefined): void => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        this.open--;
        if (err !== undefined) {
          for (const id of ids) core.scheduler.remove(id);
          this.observer.onFailed?.(err.kind);
          reject(err);
        } else {
          const outcome = this.combine(results as ItemResult[], deadline, core);
          this.observer.onAnswered?.(outcome);
          resolve(outcome);
        }
        if (this.open === 0) this.drained?.();
      };
      const onAbort = (): void => finish(new ServiceError('cancelled', 'client disconnected'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      for (let i = 0; i < batch.n; i++) {
        const index = i;
        const id = this.nextId++;
        const payload: ItemPayload = {
          item: { data: batch.data.subarray(i * pixels, (i + 1) * pixels), height: batch.height, width: batch.width },
          settle: (r: ItemResult | Error, reason?: FailureReason) => {
            if (r instanceof Error) return finish(new ServiceError(reason === 'deadline' ? 'deadline' : 'worker_failed', r.message));
            results[index] = r;
            if (--remaining === 0) finish(undefined);
          },
        };
        const ok = core.scheduler.enqueue({ id, arrival, deadline, payload, ...(opts.subnetId !== undefined ? { pinnedSubnet: opts.subnetId } : {}) });
        if (!ok) {
          finish(new ServiceError('queue_full', `queue is full (${core.scheduler.size} waiting)`, 1));
          return;
        }
        ids.push(id);
      }
      core.dispatcher.pump();
    });
  }

  async drain(): Promise<void> {
    this.accepting = false;
    if (this.open === 0) return;
    await new Promise<void>((resolve) => { this.drained = resolve; });
  }

  private combine(results: ItemResult[], deadline: number, core: CoreParts): InferOutcome {
    const c = results[0]!.numClasses;
    const logits = new Float32Array(results.length * c);
    results.forEach((r, i) => logits.set(r.logits, i * c));
    const last = results.reduce((a, b) => (b.finishedAt > a.finishedAt ? b : a));
    return {
      logits, numClasses: c, subnetId: results[0]!.subnetId, accuracy: core.accuracyOf(results[0]!.subnetId),
      batchSize: Math.max(...results.map((r) => r.batchSize)),
      queueMs: Math.max(...results.map((r) => r.queueMs)),
      computeMs: Math.max(...results.map((r) => r.computeMs)),
      deadlineMet: last.finishedAt <= deadline,
    };
  }
}
