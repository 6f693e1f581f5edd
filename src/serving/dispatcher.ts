/**
 * The server's driver of the pull loop (src/scheduler/pull-loop.ts): it runs the batches the loop starts
 * on real workers (threads or NATS), reports their end back to the loop, answers the requests the loop
 * expires or fails, and keeps one timer armed for the loop's next expiry. All decisions are the loop's;
 * the simulator drives the same loop on virtual time.
 * @module
 */
import { PullLoop, type Admission, type Clock, type PullSink, type QueuedRequest, type RunningBatch, type Scheduler } from '../scheduler/index.ts';
import { tracingOn } from '../tracing/tracer.ts';
import type { RequestTrace } from '../tracing/request-trace.ts';
import type { BatchJob, BatchReply, ImageItem } from '../worker/protocol.ts';
import type { WorkerTransport } from '../worker/transport.ts';
import type { ServingEvents, WorkerStatus } from './events.ts';

export interface ItemResult {
  logits: Float32Array;
  numClasses: number;
  subnetId: number;
  batchSize: number;
  queueMs: number;
  computeMs: number;
  finishedAt: number;
}

export type FailureReason = 'deadline' | 'worker_failed' | 'overloaded';

/** What a queued request carries: its image and how to answer it. */
export interface ItemPayload {
  item: ImageItem;
  /** Its request's trace, when tracing is on. */
  trace?: RequestTrace | undefined;
  settle(result: ItemResult | Error, reason?: FailureReason): void;
}

/** Arms a one-shot timer; the default is an unref'd setTimeout (tests on a virtual clock fire it by hand). */
export type SetTimer = (fire: () => void, delayMs: number) => { cancel(): void };

const realTimer: SetTimer = (fire, delayMs) => {
  const t = setTimeout(fire, delayMs);
  t.unref();
  return { cancel: () => clearTimeout(t) };
};

/** Dead workers remembered for status reports. */
const DEAD_KEPT = 16;

export class Dispatcher {
  readonly #loop: PullLoop<ItemPayload>;
  readonly #clock: Clock;
  readonly #events: ServingEvents;
  readonly #setTimer: SetTimer;
  readonly #workers = new Map<string, WorkerTransport>();
  readonly #dead: Array<{ name: string; kind: 'thread' | 'nats' }> = [];
  #timer: { cancel(): void } | undefined;
  #timerAt: number | undefined;

  constructor(scheduler: Scheduler<ItemPayload>, clock: Clock, events: ServingEvents = {}, setTimer: SetTimer = realTimer) {
    this.#clock = clock;
    this.#events = events;
    this.#setTimer = setTimer;
    const sink: PullSink<ItemPayload> = {
      start: (batch) => void this.#run(batch),
      expired: (requests) => this.#expire(requests),
      failed: (requests, reason) => { for (const r of requests) r.payload.settle(new Error(reason), 'worker_failed'); },
      // displaced by a more important request under overload (see PullLoop admission): a retry may succeed
      shed: (requests) => { for (const r of requests) r.payload.settle(new Error('overloaded: a more important request took its place in the queue'), 'overloaded'); },
    };
    this.#loop = new PullLoop(scheduler, sink);
  }

  get loop(): PullLoop<ItemPayload> { return this.#loop; }
  get workerCount(): number { return this.#loop.workerCount; }
  get inFlightCount(): number { return this.#loop.inFlight; }
  get queued(): number { return this.#loop.queued; }

  addWorker(w: WorkerTransport): void {
    this.#workers.set(w.name, w);
    w.onDeath((reason) => this.removeWorker(w, reason));
    this.#act(() => this.#loop.addWorker(w.name));
    this.#reportWorkers();
  }

  removeWorker(w: WorkerTransport, reason = 'worker died'): void {
    if (this.#workers.get(w.name) !== w) return;
    this.#workers.delete(w.name);
    this.#dead.push({ name: w.name, kind: w.kind ?? 'thread' });
    if (this.#dead.length > DEAD_KEPT) this.#dead.shift();
    this.#act(() => this.#loop.removeWorker(w.name, `worker ${w.name} died (${reason})`));
    this.#reportWorkers();
  }

  admission(images: number, deadline: number, priority?: number): Admission {
    return this.#loop.admission(images, deadline, priority);
  }

  /** Queue one request's images (all or none). */
  offer(requests: QueuedRequest<ItemPayload>[]): Admission {
    return this.#act(() => this.#loop.offer(requests));
  }

  cancel(ids: number[]): void {
    this.#act(() => this.#loop.cancel(ids));
  }

  /** Every worker, alive or dead, with its batch in flight (dashboards, metadata). */
  workerStatus(): WorkerStatus[] {
    const running = new Map(this.#loop.workers().map((s) => [s.name, s.running]));
    const out: WorkerStatus[] = [];
    for (const [name, w] of this.#workers) {
      const r = running.get(name);
      out.push({
        name, kind: w.kind ?? 'thread', state: r ? 'busy' : 'idle', backend: w.info.backend,
        ...(r ? { batch: { subnetId: r.dispatch.subnetId, size: r.dispatch.requests.length } } : {}),
      });
    }
    for (const { name, kind } of this.#dead) out.push({ name, kind, state: 'dead' });
    return out;
  }

  /** Stop the expiry timer (shutdown, after every request was answered). */
  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = undefined;
  }

  /** Runs a loop call, then re-arms the expiry timer for the loop's new state. */
  #act<T>(f: () => T): T {
    const out = f();
    this.#arm();
    return out;
  }

  #arm(): void {
    const at = this.#loop.wakeAt();
    if (at === this.#timerAt) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === undefined) return;
    this.#timer = this.#setTimer(() => {
      this.#timer = undefined;
      this.#timerAt = undefined;
      this.#act(() => this.#loop.tick());
    }, Math.max(0, at - this.#clock.now()));
  }

  #expire(requests: QueuedRequest<ItemPayload>[]): void {
    const now = this.#clock.now();
    for (const r of requests) {
      const slack = r.deadline - now;
      r.payload.settle(new Error(slack > 0
        ? `deadline cannot be met: ${slack.toFixed(1)} ms left is below the cheapest sub-network's latency`
        : `deadline passed ${(-slack).toFixed(1)} ms ago while queued`), 'deadline');
    }
  }

  async #run(batch: RunningBatch<ItemPayload>): Promise<void> {
    const d = batch.dispatch;
    const w = this.#workers.get(batch.worker)!;
    const startedAt = this.#clock.now();
    this.#events.batchStarted?.(startedAt, { worker: w.name, subnetId: d.subnetId, size: d.requests.length, expectedMs: d.expectedLatencyMs });
    this.#reportWorkers();
    let reply: BatchReply | undefined;
    let error: string | undefined;
    try {
      // Copy: transferring would detach the buffers we still need if this batch must be re-queued.
      const items = d.requests.map((r) => ({ ...r.payload.item, data: r.payload.item.data.slice() }));
      const job: BatchJob = { jobId: batch.jobId, subnetId: d.subnetId, items };
      if (tracingOn()) traceBatchStart(batch, w.name, job);
      reply = await w.runBatch(job);
      if (reply.error !== undefined) error = reply.error;
      else if (reply.logits === undefined) error = 'worker returned no logits';
    } catch (e) {
      error = (e as Error).message;
    }
    const finishedAt = this.#clock.now();
    if (tracingOn()) for (const r of d.requests) r.payload.trace?.batchFinished(batch.jobId, error);
    const wallMs = finishedAt - startedAt;
    this.#events.batchFinished?.(finishedAt, { worker: w.name, subnetId: d.subnetId, size: d.requests.length, computeMs: reply?.computeMs ?? wallMs, wallMs, ok: error === undefined });
    const done = this.#act(() => this.#loop.finish(batch.jobId, error === undefined ? { ok: true, measuredMs: wallMs } : { ok: false, error }));
    this.#reportWorkers();
    if (done === undefined || error !== undefined) return; // re-queued after a death, or failed by the loop
    const c = reply!.numClasses;
    d.requests.forEach((r, i) => r.payload.settle({
      logits: reply!.logits!.slice(i * c, (i + 1) * c), numClasses: c, subnetId: d.subnetId,
      batchSize: d.requests.length, queueMs: startedAt - r.arrival, computeMs: reply!.computeMs, finishedAt,
    }));
  }

  #reportWorkers(): void {
    if (this.#events.workersChanged) this.#events.workersChanged(this.#clock.now(), this.workerStatus());
  }
}

/** Each traced request's batch span starts (its queue span ends); the job carries the first one's context and links to the rest. */
function traceBatchStart(batch: RunningBatch<ItemPayload>, worker: string, job: BatchJob): void {
  const d = batch.dispatch;
  const parents = new Set<string>();
  for (const r of d.requests) {
    const tp = r.payload.trace?.batchStarted({ jobId: batch.jobId, subnetId: d.subnetId, size: d.requests.length, worker });
    if (tp) parents.add(tp);
  }
  const [first, ...links] = parents;
  if (first !== undefined) job.trace = { traceparent: first, links };
}
