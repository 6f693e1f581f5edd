/**
 * Router side of one NATS worker: `runBatch` is a request-reply on the worker's own subject with a reply
 * deadline, and a heartbeat watchdog declares the worker dead when its beats stop. Death fires the onDeath
 * callbacks first (the dispatcher removes the worker), then rejects the batches in flight (the dispatcher
 * re-queues or fails their requests).
 * @module
 */
import { ErrorCode, type NatsConnection, type NatsError } from 'nats';
import { decodeReply, encodeJob } from './codec.ts';
import { requestFrame } from './nats-chunks.ts';
import { encodeJson, subjects, type Announcement, type Control } from './nats-protocol.ts';
import type { BatchJob, BatchReply, WorkerInfo } from './protocol.ts';
import type { WorkerTransport } from './transport.ts';
import { traceHeaders } from './nats-trace.ts';

export interface NatsWorkerOptions {
  /** Reply deadline (ms) of a batch when the caller gives none. */
  replyTimeoutMs(job: BatchJob): number;
  /** Declared dead when nothing (heartbeat or reply) was heard from the worker for this long. */
  livenessMs: number;
  subjectPrefix?: string;
}

export class NatsWorker implements WorkerTransport {
  readonly name: string;
  readonly kind = 'nats' as const;
  readonly info: WorkerInfo;
  private readonly subject: string;
  private readonly controlSubject: string;
  private readonly pending = new Map<number, (e: Error) => void>();
  private readonly deathCallbacks: Array<(reason: string) => void> = [];
  private nextKey = 0;
  private lastSeen = performance.now();
  private deadReason: string | undefined;
  private closing = false;
  private served = 0;

  constructor(private readonly nc: NatsConnection, readonly announcement: Announcement, private readonly opts: NatsWorkerOptions) {
    this.name = announcement.id;
    this.info = announcement.info;
    const s = subjects(opts.subjectPrefix);
    this.subject = s.batch(announcement.id);
    this.controlSubject = s.control(announcement.id);
  }

  get dead(): string | undefined { return this.deadReason; }
  /** Batches sent and not yet answered. */
  get inFlight(): number { return this.pending.size; }
  get batchesServed(): number { return this.served; }

  runBatch(job: BatchJob, deadlineMs?: number): Promise<BatchReply> {
    if (this.deadReason !== undefined) return Promise.reject(new Error(`worker ${this.name} is dead: ${this.deadReason}`));
    let frame: Uint8Array;
    try {
      frame = encodeJob(job);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const timeout = Math.max(1, Math.ceil(deadlineMs ?? this.opts.replyTimeoutMs(job)));
    const key = this.nextKey++;
    return new Promise<BatchReply>((resolve, reject) => {
      this.pending.set(key, reject);
      requestFrame(this.nc, this.subject, frame, timeout, job.trace && traceHeaders(job.trace)).then((msg) => {
        if (!this.pending.delete(key)) return; // already failed by a death
        this.lastSeen = performance.now();
        let reply: BatchReply;
        try {
          reply = decodeReply(msg.data);
          if (reply.jobId !== job.jobId) throw new Error(`reply is for job ${reply.jobId}, not ${job.jobId}`);
        } catch (e) {
          this.fail(`sent a bad reply: ${(e as Error).message}`, reject);
          return;
        }
        this.served++;
        resolve(reply);
      }, (err: NatsError) => {
        if (!this.pending.delete(key)) return;
        const reason = err.code === ErrorCode.NoResponders ? 'nobody listens on its batch subject (process gone)'
          : err.code === ErrorCode.Timeout ? `missed its batch-reply deadline (${timeout} ms, job ${job.jobId})`
          : `batch request failed: ${err.message}`;
        this.fail(reason, reject);
      });
    });
  }

  /** Anything heard from the worker proves it alive. */
  heartbeat(): void { this.lastSeen = performance.now(); }

  /** Called by the router's watchdog; true when this check declared the worker dead. */
  checkLiveness(now = performance.now()): boolean {
    if (this.deadReason !== undefined) return false;
    const silent = now - this.lastSeen;
    if (silent <= this.opts.livenessMs) return false;
    this.die(`missed heartbeats (silent for ${Math.round(silent)} ms, limit ${this.opts.livenessMs} ms)`);
    return true;
  }

  onDeath(cb: (reason: string) => void): void { this.deathCallbacks.push(cb); }

  /**
   * Declares the worker dead: callbacks first, then every batch in flight is rejected. A worker that is in
   * fact alive (slow, partitioned) is told to announce itself again, unless `notify` is false.
   */
  die(reason: string, notify = true): void {
    if (this.deadReason !== undefined) return;
    this.deadReason = reason;
    if (!this.closing) for (const cb of this.deathCallbacks) cb(reason);
    const err = new Error(`worker ${this.name} died: ${reason}`);
    const rejects = [...this.pending.values()];
    this.pending.clear();
    for (const r of rejects) r(err);
    if (notify && !this.nc.isClosed()) {
      try {
        this.nc.publish(this.controlSubject, encodeJson({ type: 'reannounce', reason: `declared dead: ${reason}` } satisfies Control));
      } catch { /* connection going away: nothing to tell */ }
    }
  }

  /** Stops using the worker without firing onDeath (router shutdown). */
  async close(): Promise<void> {
    this.closing = true;
    this.die('closed by the router', false);
  }

  private fail(reason: string, reject: (e: Error) => void): void {
    this.die(reason);
    reject(new Error(`worker ${this.name}: ${reason}`));
  }
}
