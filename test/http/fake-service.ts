/**
 * A small InferenceService for HTTP tests that computes something checkable: for each image, logits are
 * [mean R, mean G, mean B, -mean R, -mean G, -mean B] of its NHWC input. It records every call, can be
 * made unready or failing, and can hold requests until released or aborted (for disconnect and drain tests).
 * @module
 */
import type { ImageBatch, InferenceService, InferOutcome, ModelMetadata, SubnetInfo } from '../../src/serving/types.ts';
import type { DeadlineTicket } from '../../src/serving/ticket.ts';
import { ServiceError } from '../../src/serving/types.ts';
import { fanOut, type RefusalReason, type ServingEvents } from '../../src/serving/events.ts';
import type { Metrics } from '../../src/metrics.ts';

export const FAKE_SUBNETS: SubnetInfo[] = [
  { id: 0, accuracy: 0.75, config: { d: [2] }, imageSize: 32 },
  { id: 1, accuracy: 0.79, config: { d: [4] }, imageSize: 48 },
];
export const FAKE_CLASSES = 6;
/** Each request takes this long on the fake's clock: one with a shorter SLO is answered with deadline_met false. */
export const FAKE_LATENCY_MS = 4;

interface Held { resolve: () => void }

export class FakeService implements InferenceService {
  readonly modelName = 'ofa-fake';
  ready = true;
  /** Thrown by the next infer calls while set. */
  failWith: ServiceError | Error | null = null;
  /** When true, infer waits for `release()` or the abort signal. */
  hold = false;
  readonly calls: Array<{ batch: ImageBatch; ticket: DeadlineTicket; signal: AbortSignal | undefined }> = [];
  readonly aborted: unknown[] = [];
  private readonly held: Held[] = [];
  private inFlight = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private arrivalWaiters: Array<() => void> = [];

  readonly #events: ServingEvents;

  /** Reports to `metrics`' events and to `listener` (e.g. Triton statistics), as the real service does. */
  /**
   * The service clock (ms): starts at the real clock (the preparation pool judges work deadlines on it), and
   * each infer moves it on by FAKE_LATENCY_MS.
   */
  time = performance.now();

  constructor(metrics?: Metrics, listener: ServingEvents = {}) {
    this.#events = fanOut(metrics?.events ?? {}, listener);
  }

  now(): number { return this.time; }

  isReady(): boolean { return this.ready; }

  admit(images: number, ticket: DeadlineTicket): void {
    const refusal = this.draining ? new ServiceError('shutting_down', 'server is shutting down', 2)
      : !this.ready ? new ServiceError('not_ready', 'model is not ready', 1) : undefined;
    if (refusal) { this.reportRefused(refusal.kind, images, ticket.priority, ticket.arrivalMs); throw refusal; }
  }

  workDeadline(ticket: DeadlineTicket): number { return ticket.deadlineMs; }

  reportAnswered(ticket: DeadlineTicket, outcome: InferOutcome, encodeMs?: number): void {
    this.#events.answered?.(this.time, {
      images: outcome.images, latencyMs: outcome.latencyMs, deadlineMet: outcome.deadlineMet, priority: ticket.priority,
      prepMs: outcome.prepMs, ...(encodeMs === undefined ? {} : { encodeMs }),
    });
  }

  /** Times the failure from `arrivalMs` on this service's clock, as the real service does. */
  reportRefused(reason: RefusalReason, images: number, priority?: number, arrivalMs?: number): void {
    this.#events.arrived?.(0, images);
    this.#events.refused?.(0, reason, images, priority, arrivalMs === undefined ? undefined : this.time - arrivalMs);
  }

  metadata(): ModelMetadata {
    return {
      name: this.modelName, versions: ['1'], platform: 'superserve_tfjs', arch: 'ofa-mbv3-w1.2', backend: 'fake',
      untrained: true, checkpoint: 'none', policy: 'slackfit', defaultSloMs: 100, subnets: FAKE_SUBNETS,
      imageSize: 48, workers: { total: 2, alive: 1 }, maxQueue: 500,
    };
  }

  /** Resolves once `count` requests have reached infer (held or not). */
  arrivals(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivalWaiters.push(() => { if (this.calls.length >= count) resolve(); }));
  }

  /** Let every held request finish. */
  release(): void { for (const h of this.held.splice(0)) h.resolve(); }

  async infer(batch: ImageBatch, ticket: DeadlineTicket, signal?: AbortSignal): Promise<InferOutcome> {
    try {
      return await this.#infer(batch, ticket, signal);
    } catch (e) {
      this.#events.refused?.(0, e instanceof ServiceError ? e.kind : 'worker_failed', batch.n, ticket.priority, this.time - ticket.arrivalMs);
      throw e;
    }
  }

  async #infer(batch: ImageBatch, ticket: DeadlineTicket, signal: AbortSignal | undefined): Promise<InferOutcome> {
    if (this.draining) throw new ServiceError('shutting_down', 'server is shutting down', 2);
    const enqueuedAt = this.time;
    this.calls.push({ batch, ticket, signal });
    for (const w of this.arrivalWaiters) w();
    if (this.failWith) throw this.failWith;
    this.inFlight++;
    try {
      if (this.hold) await this.waitForRelease(signal);
      const subnetId = ticket.subnetId ?? 1;
      const accuracy = FAKE_SUBNETS.find((s) => s.id === subnetId)!.accuracy;
      const images = Array.from({ length: batch.n }, () => ({ subnetId, accuracy, batchSize: batch.n, queueMs: 1.5, computeMs: 2.5, finishedAt: 0 }));
      const outcome: InferOutcome = {
        logits: channelMeans(batch), numClasses: FAKE_CLASSES, images, subnetId, accuracy,
        batchSize: batch.n, queueMs: 1.5, computeMs: 2.5, prepMs: enqueuedAt - ticket.arrivalMs, latencyMs: FAKE_LATENCY_MS, deadlineMet: FAKE_LATENCY_MS <= ticket.sloMs,
      };
      this.time += FAKE_LATENCY_MS;
      this.#events.batchFinished?.(0, { worker: 'fake', subnetId, size: batch.n, computeMs: outcome.computeMs, wallMs: outcome.computeMs, ok: true });
      return outcome;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private waitForRelease(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.aborted.push(signal?.reason);
        reject(new ServiceError('cancelled', 'client went away'));
      };
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.held.push({ resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); } });
    });
  }

  get isDraining(): boolean { return this.draining; }

  drain(): Promise<void> {
    this.draining = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** Per image: [mean R, mean G, mean B, -mean R, -mean G, -mean B] of NHWC data. */
export function channelMeans(batch: ImageBatch): Float32Array {
  const out = new Float32Array(batch.n * FAKE_CLASSES);
  const pixels = batch.height * batch.width;
  for (let b = 0; b < batch.n; b++) {
    const sums = [0, 0, 0];
    for (let p = 0; p < pixels; p++) for (let c = 0; c < 3; c++) sums[c]! += batch.data[(b * pixels + p) * 3 + c]!;
    for (let c = 0; c < 3; c++) {
      out[b * FAKE_CLASSES + c] = sums[c]! / pixels;
      out[b * FAKE_CLASSES + 3 + c] = -sums[c]! / pixels;
    }
  }
  return out;
}
