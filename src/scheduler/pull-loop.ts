/**
 * The worker pool as a synchronous state machine: the one pull loop that the server (on real time) and
 * the simulator (on virtual time) both drive. It knows which workers are alive, idle or busy and with
 * which batch; it does no I/O and reads time only through the scheduler's clock. Its driver carries out
 * what it reports through a `PullSink`: start this batch on that worker, answer these requests with a
 * deadline error, answer these with a worker failure.
 *
 * Events in: `offer` (arrival), `finish` (a worker is done), `addWorker` / `removeWorker` (joined, died),
 * `tick` (the timer the driver arms for `wakeAt()`), `cancel` (the client went away).
 *
 * Pull: whenever a worker is idle and requests wait, the idle worker (last freed first) asks the
 * scheduler for the next batch. So an idle worker implies an empty queue.
 *
 * Admission (`admission()`, also applied by `offer`), in this order:
 * 1. `queue_full`: the bounded queue cannot take the request's images.
 * 2. `deadline`: even on an idle server it could not be served by its deadline: its budget is below the
 *    cheapest sub-network's batch-1 latency, or its images need longer than every alive worker running the
 *    highest-throughput option from now (a batch of 8 images with a 100 ms deadline on a slow CPU). No
 *    retry can succeed, so no Retry-After.
 * 3. `overloaded`: the work ahead is the cause: even if every alive worker ran the highest-throughput
 *    option back to back from the moment it frees (busy workers at their batch's expected end), the
 *    requests that leave before it (EDF: deadline <= its deadline) plus its own images would not be done by
 *    its deadline. The bound is optimistic (no batching granularity, no switching), so a refused request
 *    could not have made it unless requests ahead of it are dropped later. `retryAfterMs` = when the whole
 *    queue would be done.
 *    Priorities: while a more important level is queued, a less important request must pass the bound at
 *    LESS_IMPORTANT_RATE_SHARE of the capacity (headroom for the important ones). A request of level p
 *    (1 = most important; absent = below every level) is still admitted when the bound holds for the work
 *    ahead of it of level <= p; `offer` then sheds just enough of the less
 *    important requests ahead of it (least important first, latest deadline first) to make the bound hold,
 *    answered through `PullSink.shed` (as overloaded). So within capacity nothing changes (EDF), and under
 *    overload less important requests are refused first and, queued, shed first. Cost: one walk of the
 *    part of the queue ahead of it, only when the plain bound fails and less important work is queued.
 * Rules 2 and 3 apply in 'drop' late mode only; in 'serve' mode late requests are served.
 *
 * Expiry: in 'drop' mode a queued request that can no longer make its deadline is answered then, not
 * at the next pull: `wakeAt()` is the moment the head's slack falls below the cheapest option, and
 * `tick()` expires every head that is doomed. Requests in a batch already started are never expired.
 * @module
 */
import type { Scheduler } from './scheduler.ts';
import type { Dispatch, QueuedRequest } from './types.ts';

export interface RunningBatch<P> {
  jobId: number;
  worker: string;
  dispatch: Dispatch<P>;
  /** Clock time it was started. */
  startedAt: number;
}

/** What the driver must do; called synchronously from inside the loop's methods. */
export interface PullSink<P> {
  /** Run this batch on `batch.worker` and call `finish(batch.jobId, ...)` when it is done. */
  start(batch: RunningBatch<P>): void;
  /** Answer these with a deadline error (they can no longer make it). */
  expired(requests: QueuedRequest<P>[]): void;
  /** Answer these with a worker failure (their batch was lost and they could not be re-queued in time). */
  failed(requests: QueuedRequest<P>[], reason: string): void;
  /** Answer these as overloaded: they were queued, and a more important request took their place. @default expired */
  shed?(requests: QueuedRequest<P>[]): void;
}

export type RefusedAdmission = {
  ok: false;
  reason: 'queue_full' | 'overloaded' | 'deadline';
  message: string;
  /** When a retry could be admitted (queue_full / overloaded). */
  retryAfterMs?: number;
};
export type Admission = { ok: true } | RefusedAdmission;

/**
 * While more important requests are queued, a less important arrival is admitted only if the work ahead would
 * be done at this share of the optimistic capacity: the bound is optimistic (the policy rarely runs the
 * best-throughput option back to back), and without headroom the queue sits at its edge, where heads expire
 * whatever their level. 0.6: in the simulator (A40 x2.5, 8 workers, Poisson at 2x capacity, 30 % at level 1)
 * level 1 met 0.68 of its deadlines without headroom, 1.0 with it; overall attainment 0.514 -> 0.513.
 */
export const LESS_IMPORTANT_RATE_SHARE = 0.6;

/**
 * The admission bound assumes the best-throughput option back to back; what the policy really achieves is
 * learnt from the outcomes of admitted requests: the bound uses `share` x the capacity, and every request a
 * batch answers moves it by ADMISSION_GAIN x ((1 - sloTarget) - late), late = 1 when the batch ended after its
 * deadline (an integral controller: it settles where 1 - target of the answered requests are late, the "200s
 * that met their deadline" of the issue). While the pool is idle it returns toward 1 (half-life
 * ADMISSION_RELAX_HALF_LIFE_MS). Expired requests do not count: shedding doomed heads is how slackfit-q works
 * under overload (counting them lowered policy-eval attainment: A40 x2.5 slackfit-q [all, drop] with noise
 * 0.9874 -> 0.9742), and neither do shed or failed ones (priority, worker faults). The gain: 0.01 let bursts
 * of late answers swing the share (slackfit-q, same setting: 0.9874 -> 0.9803); 0.002 regresses no policy
 * there (bench/results/mixed-slo/policy-eval-compare.json).
 */
export const ADMISSION_GAIN = 0.002;
export const MIN_ADMISSION_SHARE = 0.25;
export const ADMISSION_RELAX_HALF_LIFE_MS = 10_000;

/** The level of a request for shedding: lower is more important; absent is below every level. */
function levelOf(r: { priority?: number }): number {
  return r.priority ?? Number.POSITIVE_INFINITY;
}

export type BatchOutcome = { ok: true; measuredMs: number } | { ok: false; error: string };

export interface WorkerState<P> {
  name: string;
  running?: RunningBatch<P>;
}

export class PullLoop<P> {
  readonly #scheduler: Scheduler<P>;
  readonly #sink: PullSink<P>;
  readonly #workers = new Map<string, WorkerState<P>>();
  /**
   * When each alive worker frees (a running batch's expected end; -Infinity when idle), ascending. Rebuilt
   * only when a worker's state changes, not per arrival: admission reads it on every arrival.
   */
  #freeAt = new Float64Array(8);
  #freeCount = 0;
  #freeValid = false;
  /** Idle workers, last freed on top. */
  readonly #idle: string[] = [];
  readonly #running = new Map<number, RunningBatch<P>>();
  #nextJobId = 1;
  #inFlight = 0;
  #lastTick = Number.NEGATIVE_INFINITY;
  /** Last time a batch finished or the factor was relaxed (see admission). */
  #lastActivity: number | undefined;
  /** Learnt share of the optimistic capacity the admission bound may count on (see ADMISSION_GAIN). */
  #share = 1;

  constructor(scheduler: Scheduler<P>, sink: PullSink<P>) {
    this.#scheduler = scheduler;
    this.#sink = sink;
  }

  get scheduler(): Scheduler<P> { return this.#scheduler; }
  get workerCount(): number { return this.#workers.size; }
  get busyCount(): number { return this.#workers.size - this.#idle.length; }
  /** Requests in batches that are running. */
  get inFlight(): number { return this.#inFlight; }
  get queued(): number { return this.#scheduler.size; }
  /** The share of the optimistic capacity admission currently counts on (1 until admitted requests miss). */
  get admissionShare(): number { return this.#share; }

  workers(): WorkerState<P>[] {
    return [...this.#workers.values()].map((w) => ({ ...w }));
  }

  addWorker(name: string): void {
    if (this.#workers.has(name)) throw new Error(`worker ${name} is already in the pool`);
    this.#workers.set(name, { name });
    this.#freeValid = false;
    this.#idle.push(name);
    this.#scheduler.setWorkers(this.#workers.size);
    this.#pump();
  }

  /** The worker is gone: its running batch is re-queued where each request can still make it, else failed. */
  removeWorker(name: string, reason = 'worker died'): void {
    const w = this.#workers.get(name);
    if (w === undefined) return;
    this.#workers.delete(name);
    this.#freeValid = false;
    const i = this.#idle.indexOf(name);
    if (i >= 0) this.#idle.splice(i, 1);
    this.#scheduler.setWorkers(Math.max(1, this.#workers.size));
    const batch = w.running;
    if (batch !== undefined) {
      this.#running.delete(batch.jobId);
      this.#inFlight -= batch.dispatch.requests.length;
      const lost = batch.dispatch.requests.filter((r) => !this.#scheduler.requeue(r));
      if (lost.length > 0) this.#sink.failed(lost, `${reason}; the request cannot be re-run before its deadline`);
    }
    this.#pump();
  }

  /**
   * Would requests of `images` images with this deadline (and priority level) be admitted now? Nothing is
   * queued or shed; `offer` sheds what a more important request displaces.
   */
  admission(images: number, deadline: number, priority?: number): Admission {
    const a = this.#admit(images, deadline, priority);
    return a.ok ? { ok: true } : a;
  }

  /** The admission test; `shed` = how many less important queued images an admitted request displaces. */
  #admit(images: number, deadline: number, priority: number | undefined): { ok: true; shed: number; level: number } | RefusedAdmission {
    const s = this.#scheduler;
    const now = this.#now();
    const level = priority ?? Number.POSITIVE_INFINITY;
    if (s.size + images > s.maxQueue) {
      const size = s.size;
      return this.#refuse('queue_full', () => `queue is full (${size} of ${s.maxQueue} images waiting)`, size, now);
    }
    if (s.lateMode !== 'drop' || this.#workers.size === 0) return { ok: true, shed: 0, level };
    if (this.#share < 1 && this.#running.size === 0 && s.size === 0 && this.#lastActivity !== undefined && now > this.#lastActivity) {
      this.#share = 1 - (1 - this.#share) * 0.5 ** ((now - this.#lastActivity) / ADMISSION_RELAX_HALF_LIFE_MS);
    }
    if (this.#idleFinish(images, now) > deadline && this.#running.size === 0 && s.size === 0) {
      // Nothing runs, so nothing would ever correct a latency factor that grew under load: let it relax for the
      // time the pool has been idle, then judge again. (Only here: relaxing in every idle gap would pull a
      // factor that is rightly above 1, e.g. remote workers' transport, below what batches measure.)
      s.relaxFactor(now - (this.#lastActivity ?? now));
      this.#lastActivity = now;
    }
    const idle = this.#idleFinish(images, now);
    if (idle > deadline) {
      const cap = s.capacity();
      const workers = this.#workers.size;
      return {
        ok: false, reason: 'deadline',
        get message() {
          return deadline - now < cap.minLatencyMs
            ? `latency budget ${(deadline - now).toFixed(1)} ms is below the cheapest sub-network's latency (${cap.minLatencyMs.toFixed(1)} ms)`
            : `latency budget ${(deadline - now).toFixed(1)} ms is below the ${(idle - now).toFixed(1)} ms that ${images} images need even on ${workers} idle worker(s)`;
        },
      };
    }
    const ahead = s.countAhead(deadline);
    const learnt = this.#share;
    const share = (level > s.mostImportantLevel() ? LESS_IMPORTANT_RATE_SHARE : 1) * learnt;
    const finish = this.#earliestFinish(ahead + images, now, share);
    if (finish <= deadline) return { ok: true, shed: 0, level };
    if (level !== Number.POSITIVE_INFINITY && ahead > 0) {
      const mine = s.countAhead(deadline, (r) => levelOf(r) <= level);
      if (mine < ahead && this.#earliestFinish(mine + images, now, learnt) <= deadline) {
        // the most work ahead that still lets it finish in time (finish is monotone in work)
        let lo = mine; let hi = ahead;
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          if (this.#earliestFinish(mid + images, now, learnt) <= deadline) lo = mid; else hi = mid;
        }
        return { ok: true, shed: ahead - lo, level };
      }
    }
    const size = s.size;
    return this.#refuse('overloaded', () => `overloaded: the ${size} queued images cannot be served before this request's deadline (earliest finish ${(finish - deadline).toFixed(0)} ms late)`, size, now);
  }

  /** Shed `count` queued requests less important than `level` with deadline <= `deadline`: least important, latest first. */
  #shed(count: number, deadline: number, level: number): void {
    const victims = this.#scheduler.queuedUpTo(deadline, (r) => levelOf(r) > level);
    victims.sort((a, b) => levelOf(b) - levelOf(a) || b.deadline - a.deadline || b.arrival - a.arrival || b.id - a.id);
    const out: QueuedRequest<P>[] = [];
    for (const r of victims) {
      if (out.length >= count) break;
      if (this.#scheduler.shed(r.id) !== undefined) out.push(r);
    }
    if (out.length === 0) return;
    if (this.#sink.shed) this.#sink.shed(out);
    else this.#sink.expired(out);
  }

  /** Arrival of one request's images (all share a deadline): all are queued, or none and the refusal says why. */
  offer(requests: QueuedRequest<P>[]): Admission {
    if (requests.length === 0) return { ok: true };
    let latest = requests[0]!.deadline;
    let level = requests[0]!.priority;
    for (let k = 1; k < requests.length; k++) {
      const r = requests[k]!;
      if (r.deadline > latest) latest = r.deadline;
      if (r.priority === undefined || (level !== undefined && r.priority > level)) level = r.priority;
    }
    const a = this.#admit(requests.length, latest, level);
    if (!a.ok) return a;
    if (a.shed > 0) this.#shed(a.shed, latest, a.level);
    for (let k = 0; k < requests.length; k++) {
      if (!this.#scheduler.enqueue(requests[k]!)) {
        for (let j = 0; j < k; j++) this.#scheduler.remove(requests[j]!.id);
        const size = this.#scheduler.size;
        return this.#refuse('queue_full', () => `queue is full (${size} waiting)`, size, this.#now());
      }
    }
    this.#pump();
    return { ok: true };
  }

  /** Take queued requests out (client gone). Returns how many were still queued. */
  cancel(ids: number[]): number {
    let n = 0;
    for (const id of ids) if (this.#scheduler.remove(id) !== undefined) n++;
    return n;
  }

  /**
   * A started batch is done. Returns it (undefined if its worker was removed meanwhile: its requests were
   * re-queued or failed then). A failed batch on a live worker fails its requests.
   */
  finish(jobId: number, outcome: BatchOutcome): RunningBatch<P> | undefined {
    const batch = this.#running.get(jobId);
    if (batch === undefined) return undefined;
    this.#running.delete(jobId);
    this.#lastActivity = this.#now();
    this.#inFlight -= batch.dispatch.requests.length;
    const w = this.#workers.get(batch.worker);
    this.#freeValid = false;
    if (w !== undefined) {
      w.running = undefined;
      this.#idle.push(w.name);
    }
    if (outcome.ok) {
      const rs = batch.dispatch.requests;
      this.#scheduler.observeBatch(batch.dispatch.subnetId, rs.length, outcome.measuredMs, batch.worker);
      const now = this.#now();
      let late = 0;
      for (let k = 0; k < rs.length; k++) if (rs[k]!.deadline < now) late++;
      this.#scheduler.observeOutcome(late, rs.length);
      this.#outcome(late, rs.length);
    } else this.#sink.failed(batch.dispatch.requests, `batch failed on worker ${batch.worker}: ${outcome.error}`);
    this.#pump();
    return batch;
  }

  /** The timer armed for `wakeAt()` fired (or any time): answer the heads that can no longer make it. */
  tick(): void {
    this.#lastTick = this.#now();
    const expired = this.#scheduler.expireDue();
    if (expired.length > 0) this.#sink.expired(expired);
  }

  /** When `tick()` next has work (clock time), or undefined: no queue, an idle worker, or 'serve' mode. */
  wakeAt(): number | undefined {
    if (this.#idle.length > 0) return undefined;
    const doom = this.#scheduler.headDoomAt();
    if (doom === undefined || doom > this.#lastTick) return doom;
    // Exactly at the boundary the cheapest option still fits; it no longer does once the deadline passes.
    const deadline = this.#scheduler.peek()!.deadline;
    return deadline > this.#lastTick ? deadline : this.#lastTick + 1;
  }

  #pump(): void {
    const s = this.#scheduler;
    while (this.#idle.length > 0 && s.size > 0) {
      const name = this.#idle.pop()!;
      const { dispatch, expired } = s.next(name);
      if (expired.length > 0) this.#sink.expired(expired);
      if (dispatch === null) {
        this.#idle.push(name);
        continue;
      }
      const batch: RunningBatch<P> = { jobId: this.#nextJobId++, worker: name, dispatch, startedAt: dispatch.decidedAt };
      this.#workers.get(name)!.running = batch;
      this.#freeValid = false;
      this.#running.set(batch.jobId, batch);
      this.#inFlight += dispatch.requests.length;
      this.#sink.start(batch);
    }
  }

  #now(): number { return this.#scheduler.now(); }

  /** `missed` of `total` admitted requests were answered after their deadline or expired (see ADMISSION_GAIN). */
  #outcome(missed: number, total: number): void {
    if (this.#scheduler.lateMode !== 'drop') return;
    const s = this.#share + ADMISSION_GAIN * (total * (1 - this.#scheduler.sloTarget) - missed);
    this.#share = Math.min(1, Math.max(MIN_ADMISSION_SHARE, s));
  }

  /** Earliest time `images` images could be done if every alive worker were idle now. */
  #idleFinish(images: number, now: number): number {
    const cap = this.#scheduler.capacity();
    const n = this.#workers.size;
    if (n === 0) return Number.POSITIVE_INFINITY;
    return now + Math.max(cap.minLatencyMs, images / cap.bestRatePerMs / n);
  }

  /**
   * Earliest time `work` images could be done if every alive worker ran the best-throughput option
   * back to back from the moment it frees (water-filling over the workers' free times).
   */
  #earliestFinish(work: number, now: number, rateShare = 1): number {
    const cap = this.#scheduler.capacity();
    const free = this.#sortedFreeAt();
    const n = this.#freeCount;
    if (n === 0) return Number.POSITIVE_INFINITY;
    const first = Math.max(now, free[0]!);
    const need = work / (cap.bestRatePerMs * rateShare);
    // The first worker alone is often enough; more workers only finish earlier (water-filling below).
    if (n === 1 || first + need <= Math.max(now, free[1]!)) return first + Math.max(need, cap.minLatencyMs);
    let sum = 0;
    let t = Number.POSITIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      sum += Math.max(now, free[k]!);
      t = (need + sum) / (k + 1);
      if (k + 1 === n || t <= Math.max(now, free[k + 1]!)) break;
    }
    return Math.max(t, first + cap.minLatencyMs);
  }

  #sortedFreeAt(): Float64Array {
    if (this.#freeValid) return this.#freeAt;
    if (this.#freeAt.length < this.#workers.size) this.#freeAt = new Float64Array(2 * this.#workers.size);
    let n = 0;
    for (const w of this.#workers.values()) {
      const r = w.running;
      this.#freeAt[n++] = r === undefined ? Number.NEGATIVE_INFINITY : r.startedAt + r.dispatch.expectedLatencyMs;
    }
    this.#freeAt.subarray(0, n).sort();
    this.#freeCount = n;
    this.#freeValid = true;
    return this.#freeAt;
  }

  /**
   * A refusal whose message and Retry-After hint are computed only when read: the simulator refuses millions
   * of requests and reads neither.
   */
  #refuse(reason: 'queue_full' | 'overloaded', describe: () => string, queued: number, now: number): RefusedAdmission {
    const loop = this;
    let retry: number | undefined;
    return {
      ok: false, reason,
      get message() { return describe(); },
      get retryAfterMs() { return (retry ??= loop.#drainMs(queued, now)); },
    };
  }

  /** How long until `queued` images could be done (a Retry-After hint; 1 s when no worker is alive). */
  #drainMs(queued: number, now: number): number {
    const t = this.#earliestFinish(queued, now);
    return Number.isFinite(t) ? Math.max(0, t - now) : 1000;
  }
}
