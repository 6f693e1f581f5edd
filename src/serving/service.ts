/**
 * The serving core behind the protocol layers: admission (readiness, bounded queue, capacity; see
 * src/scheduler/pull-loop.ts), one EDF queue entry per image, the dispatcher, and exactly one answer
 * per accepted request. Everything it does is reported as `ServingEvents`.
 * @module
 */
import type { Clock } from '../scheduler/index.ts';
import { WindowQuantile } from '../scheduler/latency-quantile.ts';
import type { Dispatcher, FailureReason, ItemPayload, ItemResult } from './dispatcher.ts';
import type { ImageOutcome, RefusalReason, ServingEvents, ServingSnapshot } from './events.ts';
import { ServiceError } from './types.ts';
import type { RequestTrace } from '../tracing/request-trace.ts';
import type { DeadlineTicket } from './ticket.ts';
import type { ImageBatch, InferenceService, InferOutcome, ModelMetadata } from './types.ts';

export interface CoreParts {
  dispatcher: Dispatcher;
  accuracyOf(subnetId: number): number;
  hasSubnet(subnetId: number): boolean;
}

/** Answers the answer reserve is learnt over, and how many it needs before it counts. */
export const ANSWER_TAIL_WINDOW = 256;
const ANSWER_TAIL_MIN = 16;

export class LocalInferenceService implements InferenceService {
  #core: CoreParts | undefined;
  #accepting = true;
  #nextId = 1;
  #open = 0;
  #drained: (() => void) | undefined;
  /**
   * From the end of a request's last batch to its answer being encoded (event loop, result assembly), p99 of the
   * last ANSWER_TAIL_WINDOW answers: the queue plans every request to end this much before its deadline, so
   * a batch that ends in time is also answered in time.
   */
  readonly #answerTail = new WindowQuantile(ANSWER_TAIL_WINDOW);
  #draining: Promise<void> | undefined;

  constructor(
    readonly modelName: string,
    private readonly clock: Clock,
    private readonly describe: () => ModelMetadata,
    private readonly events: ServingEvents = {},
  ) {}

  /** Attach the dispatcher once weights, profile and warm-up are done: the service becomes ready. */
  attach(core: CoreParts): void { this.#core = core; }

  isReady(): boolean {
    return this.#accepting && this.#core !== undefined && this.#core.dispatcher.workerCount > 0;
  }

  metadata(): ModelMetadata { return this.describe(); }

  /** False once draining has begun. */
  isAccepting(): boolean { return this.#accepting; }

  get openRequests(): number { return this.#open; }

  snapshot(): ServingSnapshot {
    const d = this.#core?.dispatcher;
    return {
      queued: d?.queued ?? 0, inFlight: d?.inFlightCount ?? 0,
      latencyFactor: d?.loop.scheduler.latencyFactor ?? 1, workers: d?.workerStatus() ?? [],
    };
  }

  now(): number { return this.clock.now(); }

  admit(images: number, ticket: DeadlineTicket): void {
    const refusal = this.#unavailable(ticket) ?? this.#capacityRefusal(images, ticket);
    if (refusal !== undefined) {
      this.events.arrived?.(ticket.arrivalMs, images);
      this.#refused(refusal, images, ticket);
      throw refusal;
    }
  }

  workDeadline(ticket: DeadlineTicket): number {
    const scheduler = this.#core?.dispatcher.loop.scheduler;
    if (scheduler?.lateMode === 'serve') return Number.POSITIVE_INFINITY;
    // Preparation that ends later leaves less than the cheapest sub-network's latency: the request would be refused anyway.
    return ticket.deadlineMs - (scheduler?.capacity().minLatencyMs ?? 0);
  }

  /** What the queue reserves for the answer after a request's last batch (ms; 0 until answers were seen). */
  get answerReserveMs(): number {
    return this.#answerTail.count < ANSWER_TAIL_MIN ? 0 : Math.max(0, this.#answerTail.quantile(0.99));
  }

  reportAnswered(ticket: DeadlineTicket, outcome: InferOutcome, encodeMs?: number): void {
    const now = this.clock.now();
    let last = Number.NEGATIVE_INFINITY;
    for (const i of outcome.images) if (i.finishedAt > last) last = i.finishedAt;
    if (Number.isFinite(last)) this.#answerTail.add(now - last);
    this.events.answered?.(now, {
      images: outcome.images, latencyMs: outcome.latencyMs, deadlineMet: outcome.deadlineMet, priority: ticket.priority,
      prepMs: outcome.prepMs, ...(encodeMs === undefined ? {} : { encodeMs }),
    });
  }

  reportRefused(reason: RefusalReason, images: number, priority?: number, arrivalMs?: number): void {
    const now = this.clock.now();
    this.events.arrived?.(arrivalMs ?? now, images);
    this.events.refused?.(now, reason, images, priority, arrivalMs === undefined ? undefined : now - arrivalMs);
  }

  infer(batch: ImageBatch, ticket: DeadlineTicket, signal?: AbortSignal, trace?: RequestTrace): Promise<InferOutcome> {
    const enqueuedAt = this.clock.now();
    this.events.arrived?.(ticket.arrivalMs, batch.n);
    // Capacity is judged once more, by the queue itself (dispatcher.offer), not here.
    const refusal = signal?.aborted ? new ServiceError('cancelled', 'client disconnected') : this.#unavailable(ticket);
    if (refusal !== undefined) {
      this.#refused(refusal, batch.n, ticket);
      return Promise.reject(refusal);
    }
    const dispatcher = this.#core!.dispatcher;
    const pixels = batch.height * batch.width * 3;

    return new Promise<InferOutcome>((resolve, reject) => {
      const results: Array<ItemResult | undefined> = new Array(batch.n);
      const ids: number[] = [];
      let remaining = batch.n;
      let settled = false;
      this.#open++;
      const finish = (err: ServiceError | undefined): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.#open--;
        if (err !== undefined) {
          dispatcher.cancel(ids);
          this.#refused(err, batch.n, ticket);
          reject(err);
        } else {
          resolve(this.#combine(results as ItemResult[], ticket, enqueuedAt));
        }
        if (this.#open === 0) this.#drained?.();
      };
      const onAbort = (): void => finish(new ServiceError('cancelled', 'client disconnected'));
      signal?.addEventListener('abort', onAbort, { once: true });

      const reserve = this.answerReserveMs;
      const requests = Array.from({ length: batch.n }, (_, index) => {
        const id = this.#nextId++;
        ids.push(id);
        const payload: ItemPayload = {
          item: { data: batch.data.subarray(index * pixels, (index + 1) * pixels), height: batch.height, width: batch.width },
          trace,
          settle: (r: ItemResult | Error, reason?: FailureReason) => {
            if (r instanceof Error) return finish(new ServiceError(reason === 'deadline' || reason === 'overloaded' ? reason : 'worker_failed', r.message));
            results[index] = r;
            if (--remaining === 0) finish(undefined);
          },
        };
        // The queue's arrival is the enqueue time, so queue_ms leaves out reading, parsing and decoding (prep_ms).
        return {
          id, arrival: enqueuedAt, deadline: ticket.deadlineMs - reserve, priority: ticket.priority, payload,
          ...(ticket.subnetId !== undefined ? { pinnedSubnet: ticket.subnetId } : {}),
        };
      });
      trace?.queued(batch.n); // before the offer: it may start a batch at once
      const admission = dispatcher.offer(requests);
      if (!admission.ok) finish(new ServiceError(admission.reason, admission.message, (admission.retryAfterMs ?? 1000) / 1000));
    });
  }

  /** Stop accepting; resolves once every accepted request is answered (the same promise for every caller). */
  drain(): Promise<void> {
    this.#accepting = false;
    return (this.#draining ??= this.#open === 0 ? Promise.resolve() : new Promise<void>((resolve) => { this.#drained = resolve; }));
  }

  /** Why no request can be taken now (draining, not ready, no worker, unknown pinned sub-network), or undefined. */
  #unavailable(ticket: DeadlineTicket): ServiceError | undefined {
    const core = this.#core;
    if (!this.#accepting) return new ServiceError('shutting_down', 'server is shutting down', 5);
    if (core === undefined) return new ServiceError('not_ready', 'model is not ready yet (loading, profiling or warming up)', 5);
    if (core.dispatcher.workerCount === 0) return new ServiceError('no_worker', 'no inference worker is alive', 5);
    if (ticket.subnetId !== undefined && !core.hasSubnet(ticket.subnetId)) return new ServiceError('bad_request', `unknown sub-network id ${ticket.subnetId}`);
    return undefined;
  }

  #capacityRefusal(images: number, ticket: DeadlineTicket): ServiceError | undefined {
    const a = this.#core!.dispatcher.admission(images, ticket.deadlineMs - this.answerReserveMs, ticket.priority);
    return a.ok ? undefined : new ServiceError(a.reason, a.message, a.retryAfterMs === undefined ? undefined : a.retryAfterMs / 1000);
  }

  #refused(err: ServiceError, images: number, ticket: DeadlineTicket): void {
    const now = this.clock.now();
    this.events.refused?.(now, err.kind as RefusalReason, images, ticket.priority, now - ticket.arrivalMs);
  }

  #combine(results: ItemResult[], ticket: DeadlineTicket, enqueuedAt: number): InferOutcome {
    const c = results[0]!.numClasses;
    const logits = new Float32Array(results.length * c);
    results.forEach((r, i) => logits.set(r.logits, i * c));
    const images: ImageOutcome[] = results.map((r) => ({
      subnetId: r.subnetId, accuracy: this.#core!.accuracyOf(r.subnetId), batchSize: r.batchSize,
      queueMs: r.queueMs, computeMs: r.computeMs, finishedAt: r.finishedAt,
    }));
    const last = Math.max(...results.map((r) => r.finishedAt));
    const ids = new Set(images.map((i) => i.subnetId));
    return {
      logits, numClasses: c, images,
      subnetId: ids.size === 1 ? images[0]!.subnetId : undefined,
      accuracy: images.reduce((a, i) => a + i.accuracy, 0) / images.length,
      batchSize: Math.max(...images.map((i) => i.batchSize)),
      queueMs: Math.max(...images.map((i) => i.queueMs)),
      computeMs: Math.max(...images.map((i) => i.computeMs)),
      prepMs: enqueuedAt - ticket.arrivalMs,
      latencyMs: last - ticket.arrivalMs,
      deadlineMet: last <= ticket.deadlineMs,
    };
  }
}
