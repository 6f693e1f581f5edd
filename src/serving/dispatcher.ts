/**
 * The batcher: a p-queue with one slot per worker. When a worker frees (or work arrives while one is idle)
 * it pulls: the policy decides at that instant, the batch runs on that worker, every request is settled,
 * and the worker pulls again. A worker that dies has its in-flight requests re-queued when they can still
 * meet their deadline, otherwise failed explicitly.
 * @module
 */
import PQueue from 'p-queue';
import type { Clock, Dispatch, QueuedRequest, Scheduler } from '../scheduler/index.ts';
import type { BatchReply, ImageItem } from '../worker/protocol.ts';
import type { WorkerTransport } from '../worker/transport.ts';

export interface ItemResult {
  logits: Float32Array;
  numClasses: number;
  subnetId: number;
  batchSize: number;
  queueMs: number;
  computeMs: number;
  finishedAt: number;
}

/** What a queued request carries: its image and how to answer it. */
export interface ItemPayload {
  item: ImageItem;
  settle(result: ItemResult | Error, reason?: FailureReason): void;
}

export type FailureReason = 'deadline' | 'worker_failed' | 'shutting_down';

export interface DispatchObserver {
  onBatch?(subnetId: number, size: number, computeMs: number, worker: string): void;
  onWorkers?(alive: number): void;
  onPending?(queued: number, inFlight: number): void;
}

export class Dispatcher {
  private readonly idle: WorkerTransport[] = [];
  private readonly alive = new Set<WorkerTransport>();
  private readonly slots = new PQueue({ concurrency: 1 });
  private nextJobId = 1;
  private inFlight = 0;

  constructor(
    private readonly scheduler: Scheduler<ItemPayload>,
    private readonly clock: Clock,
    private readonly observer: DispatchObserver = {},
  ) {}

  get workerCount(): number { return this.alive.size; }
  get inFlightCount(): number { return this.inFlight; }

  addWorker(w: WorkerTransport): void {
    this.alive.add(w);
    this.idle.push(w);
    this.slots.concurrency = Math.max(1, this.alive.size);
    this.scheduler.setWorkers(this.alive.size);
    w.onDeath(() => this.removeWorker(w));
    this.observer.onWorkers?.(this.alive.size);
    this.pump();
  }

  removeWorker(w: WorkerTransport): void {
    if (!this.alive.delete(w)) return;
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    this.slots.concurrency = Math.max(1, this.alive.size);
    this.scheduler.setWorkers(this.alive.size);
    this.observer.onWorkers?.(this.alive.size);
  }

  /** Call after enqueueing: idle workers pull. */
  pump(): void {
    while (this.idle.length > 0 && this.scheduler.size > 0) {
      const w = this.idle.pop()!;
      void this.slots.add(() => this.serveOne(w));
    }
    this.observer.onPending?.(this.scheduler.size, this.inFlight);
  }

  private async serveOne(w: WorkerTransport): Promise<void> {
    const { dispatch, expired } = this.scheduler.next();
    for (const r of expired) {
      r.payload.settle(new Error(`deadline cannot be met: slack ${(r.deadline - this.clock.now()).toFixed(1)} ms is below the cheapest sub-network's latency`), 'deadline');
    }
    if (dispatch === null) {
      this.release(w);
      return;
    }
    await this.run(w, dispatch);
  }

  private async run(w: WorkerTransport, d: Dispatch<ItemPayload>): Promise<void> {
    const jobId = this.nextJobId++;
    const startedAt = this.clock.now();
    this.inFlight += d.requests.length;
    let reply: BatchReply | undefined;
    let failure: Error | undefined;
    try {
      // Copy: transferring would detach the buffers we still need if this batch must be re-queued.
      const items = d.requests.map((r) => ({ ...r.payload.item, data: r.payload.item.data.slice() }));
      reply = await w.runBatch({ jobId, subnetId: d.subnetId, items });
      if (reply.error !== undefined) failure = new Error(`worker ${w.name}: ${reply.error}`);
    } catch (e) {
      failure = e as Error;
    }
    this.inFlight -= d.requests.length;
    const finishedAt = this.clock.now();
    if (failure !== undefined || reply?.logits === undefined) {
      this.onFailedBatch(w, d, failure ?? new Error('worker returned no logits'));
    } else {
      const c = reply.numClasses;
      d.requests.forEach((r: QueuedRequest<ItemPayload>, i: number) => r.payload.settle({
        logits: reply!.logits!.slice(i * c, (i + 1) * c), numClasses: c, subnetId: d.subnetId,
        batchSize: d.requests.length, queueMs: startedAt - r.arrival, computeMs: reply!.computeMs, finishedAt,
      }));
      this.scheduler.observeBatch(d.subnetId, d.requests.length, finishedAt - startedAt);
      this.observer.onBatch?.(d.subnetId, d.requests.length, reply.computeMs, w.name);
    }
    if (this.alive.has(w)) this.release(w);
    else this.pump();
  }

  private onFailedBatch(w: WorkerTransport, d: Dispatch<ItemPayload>, err: Error): void {
    const workerGone = !this.alive.has(w);
    for (const r of d.requests) {
      if (workerGone && this.scheduler.requeue(r)) continue;
      r.payload.settle(new Error(`batch failed on worker ${w.name}: ${err.message}`), 'worker_failed');
    }
  }

  private release(w: WorkerTransport): void {
    this.idle.push(w);
    this.pump();
  }

  async onIdle(): Promise<void> { await this.slots.onIdle(); }
}
