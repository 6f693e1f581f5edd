/**
 * The scheduler: a global EDF queue plus a policy, pulled by workers. It knows nothing of
 * TensorFlow.js, HTTP or timers and reads time only through the injected clock, so the server
 * and the simulator run this same code.
 *
 * Decisions documented here:
 * - Late heads: a head for which the policy finds no option that fits its slack cannot make its
 *   deadline. lateMode 'drop' (default: the policy's `late`) returns it from `next()` in `expired` (answer with a
 *   deadline error, no compute wasted) and looks at the next head; 'serve' serves it on
 *   the policy's `bestEffortSubnetId` (default: the smallest subnet) with that subnet's
 *   highest-throughput batch for the queue at hand.
 * - Shedding: a policy may pick an option slower than the head's slack (slackfit-q does under
 *   overload). In 'drop' mode heads whose slack is below the option's latency are expired and
 *   the policy is asked again; in 'serve' mode they ride in the batch and miss.
 * - Short queue: fewer requests than the decided batch are served at once (work-conserving);
 *   `expectedLatencyMs` is the profile's latency for the actual count.
 * - Pinned sub-networks: a pinned head overrides the policy; it gets its subnet's largest batch
 *   (any integer size up to maxBatch) that fits its slack (Clipper+ for that subnet). A batch
 *   on subnet s takes, in EDF order, only requests pinned to s or not pinned; others keep their
 *   place in the queue (at most `maxBatch + PIN_SCAN_SLACK` requests are examined per batch).
 * - Bounded queue: `enqueue` refuses when `maxQueue` requests wait; `requeue` (after a worker
 *   died) ignores the bound, since those requests were already admitted, but in 'drop' mode
 *   refuses a request that can no longer make its deadline.
 * - Capacity: `capacity()` gives the cheapest latency and the best throughput any option reaches; the
 *   pull loop's admission test and expiry timer read it (see pull-loop.ts).
 * - Profile refresh: `replaceProfile()` swaps the latency profile and the policy built on it while
 *   requests wait (a quick start-up profile refined while serving).
 * - Latency factor: every profiled latency is multiplied by `latencyFactor` (default 1). Scaling all
 *   latencies uniformly is the same as deciding on slack / factor, so the policies' precomputed
 *   tables stay valid. `observeBatch()` feeds measured batch times into an EWMA of measured /
 *   profiled (when `adaptLatency` is on): a profile measured on an idle machine, on a worker that now
 *   shares its cores, or on a slower remote worker is corrected online. When it alone would refuse a request
 *   while nothing runs, it relaxes back toward its start value for the idle time (`relaxFactor`, called by
 *   the pull loop's admission), so it cannot lock the server out.
 * @module
 */
import { EdfQueue } from './edf-queue.ts';
import { SchedulerError } from './errors.ts';
import { checkSloTarget, DEFAULT_MAX_BATCH, DEFAULT_SLO_TARGET } from './options.ts';
import { ProfileTable } from './profile-table.ts';
import type { Clock, DeadlineClass, DecideContext, Decision, Dispatch, LateMode, LatencyProfile, Policy, QueuedRequest, SchedulerStats } from './types.ts';

export interface SchedulerOptions {
  clock: Clock;
  policy: Policy;
  profile: LatencyProfile;
  /** @default the policy's `late`, else 'drop' */
  lateMode?: LateMode;
  /** Most requests that may wait; enqueue() returns false beyond it. @default Infinity */
  maxQueue?: number;
  /** Largest batch for pinned and best-effort batches. @default policy.maxBatch ?? 16, capped at the profile's largest */
  maxBatch?: number;
  /** Initial multiplier on every profiled latency. @default 1 */
  latencyFactor?: number;
  /** Let observeBatch() adapt latencyFactor to measured batch times. @default false */
  adaptLatency?: boolean;
  /** Share of admitted requests that should meet their deadline (the pull loop's admission learns toward it). @default the policy's, else 0.99 */
  sloTarget?: number;
}

/** Weight of one observation in the latency-factor EWMA, and the factor's bounds. */
export const LATENCY_EWMA_ALPHA = 0.2;
export const LATENCY_FACTOR_MIN = 0.25;
export const LATENCY_FACTOR_MAX = 8;
/** While no batch runs (and the factor refuses requests), it returns halfway to its start value every this many ms. */
export const LATENCY_FACTOR_RELAX_HALF_LIFE_MS = 10_000;

/** Extra requests a pinned/filtered batch may skip over before it stops looking. */
export const PIN_SCAN_SLACK = 64;

export interface NextResult<P> {
  dispatch: Dispatch<P> | null;
  expired: QueuedRequest<P>[];
}

export class Scheduler<P = unknown> {
  readonly lateMode: LateMode;
  readonly sloTarget: number;
  readonly maxQueue: number;
  readonly #clock: Clock;
  #policy: Policy;
  #table: ProfileTable;
  readonly #queue = new EdfQueue<P>();
  /** #bestBatch[si][m] = batch <= m with the highest throughput on subnet index si. */
  #bestBatch: Int32Array[] = [];
  /** Unscaled (factor 1): the cheapest batch-1 latency and the best images per ms of any option. */
  #minLatencyMs = 0;
  #bestRatePerMs = 0;
  #capacity = { minLatencyMs: 0, bestRatePerMs: 0 };
  readonly #requestedMaxBatch: number;
  readonly #pinned = new Set<number>();
  readonly #stats: Omit<SchedulerStats, 'queued' | 'perSubnet'> = {
    enqueued: 0, rejectedFull: 0, dispatches: 0, dispatchedRequests: 0, bestEffortDispatches: 0,
    expired: 0, removed: 0, requeued: 0, requeueRefused: 0, shed: 0,
  };
  readonly #perSubnet = new Map<number, { batches: number; requests: number }>();
  readonly adaptLatency: boolean;
  #factor = 1;
  /** The factor set at construction: where relaxFactor() returns to. */
  #startFactor = 1;
  #maxBatch = 1;
  /** Reused for every decision: the head's SLO and the queue's SLO classes, on the policy's scale. */
  readonly #ctx: { headSloMs: number; classes: DeadlineClass[]; worker: string | undefined } = { headSloMs: 0, classes: [], worker: undefined };
  /** The worker pulling in the current `next()` call (for the decision context). */
  #puller: string | undefined;
  #ctxAt = Number.NaN;
  #ctxFactor = Number.NaN;
  #ctxVersion = -1;
  readonly #classRaw: number[] = [];
  #version = 0;

  constructor(opts: SchedulerOptions) {
    if (!opts || typeof opts.clock?.now !== 'function') throw new SchedulerError('Scheduler: opts.clock must be a Clock');
    if (typeof opts.policy?.decide !== 'function') throw new SchedulerError('Scheduler: opts.policy must be a Policy');
    this.#clock = opts.clock;
    this.#policy = opts.policy;
    this.#table = new ProfileTable(opts.profile);
    this.lateMode = opts.lateMode ?? opts.policy.late ?? 'drop';
    this.adaptLatency = opts.adaptLatency ?? false;
    this.sloTarget = checkSloTarget(opts.sloTarget ?? opts.policy.sloTarget ?? DEFAULT_SLO_TARGET);
    this.latencyFactor = opts.latencyFactor ?? 1;
    this.#startFactor = this.#factor;
    if (this.lateMode !== 'drop' && this.lateMode !== 'serve') throw new SchedulerError(`Scheduler: lateMode must be 'drop' or 'serve', got ${JSON.stringify(this.lateMode)}`);
    this.maxQueue = opts.maxQueue ?? Number.POSITIVE_INFINITY;
    if (!(this.maxQueue >= 1)) throw new SchedulerError(`Scheduler: maxQueue must be >= 1, got ${opts.maxQueue}`);
    const mb = opts.maxBatch ?? opts.policy.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(mb) || mb < 1) throw new SchedulerError(`Scheduler: maxBatch must be a positive integer, got ${mb}`);
    this.#requestedMaxBatch = mb;
    this.#install(this.#table, opts.policy);
  }

  /**
   * Serve from now on with a new latency profile and the policy built on it (same sub-network ids).
   * Queued requests keep their place; a pinned request's sub-network must still be in the profile. The new
   * policy takes over what the old one learnt (`carryOver`); the latency factor stays as it is.
   */
  replaceProfile(profile: LatencyProfile, policy: Policy): void {
    if (typeof policy?.decide !== 'function') throw new SchedulerError('replaceProfile: policy must be a Policy');
    const table = new ProfileTable(profile);
    for (const r of this.#queue) {
      if (r.pinnedSubnet !== undefined && !table.has(r.pinnedSubnet)) throw new SchedulerError(`replaceProfile: queued request ${r.id} is pinned to subnet ${r.pinnedSubnet}, which the new profile lacks`);
    }
    policy.carryOver?.(this.#policy);
    this.#install(table, policy);
  }

  #install(table: ProfileTable, policy: Policy): void {
    const be = policy.bestEffortSubnetId;
    if (be !== undefined && !table.has(be)) throw new SchedulerError(`Scheduler: policy's bestEffortSubnetId ${be} is not in the profile`);
    const maxBatch = Math.min(this.#requestedMaxBatch, table.maxBatch);
    let minLatency = Number.POSITIVE_INFINITY;
    let bestRate = 0;
    const usable = policy.subnetIds === undefined ? undefined : new Set(policy.subnetIds);
    const bestBatch = table.subnets.map((s, si) => {
      const row = new Int32Array(maxBatch + 1);
      let best = 1;
      for (let m = 1; m <= maxBatch; m++) {
        if (m / table.latency(si, m) > best / table.latency(si, best)) best = m;
        row[m] = best;
      }
      if (usable === undefined || usable.has(s.id)) {
        minLatency = Math.min(minLatency, table.latency(si, 1));
        bestRate = Math.max(bestRate, best / table.latency(si, best));
      }
      return row;
    });
    this.#table = table;
    this.#policy = policy;
    this.#maxBatch = maxBatch;
    this.#bestBatch = bestBatch;
    this.#minLatencyMs = minLatency;
    this.#bestRatePerMs = bestRate;
    this.#updateCapacity();
  }

  /** Largest batch for pinned and best-effort batches (requested, capped at the profile's largest). */
  get maxBatch(): number { return this.#maxBatch; }

  get size(): number {
    return this.#queue.size;
  }

  /** The request at the head of the EDF queue. */
  peek(): QueuedRequest<P> | undefined {
    return this.#queue.peek();
  }

  /** Admit a request; false if the bounded queue is full (the caller answers 503). */
  enqueue(r: QueuedRequest<P>): boolean {
    this.#checkRequest(r);
    if (this.#queue.size >= this.maxQueue) {
      this.#stats.rejectedFull++;
      return false;
    }
    this.#push(r);
    this.#stats.enqueued++;
    return true;
  }

  /** Take a queued request out (client gone); undefined if it is not queued. */
  remove(id: number): QueuedRequest<P> | undefined {
    return this.#takeOut(id, 'removed');
  }

  /**
   * Put back a request whose worker died. Returns false (and queues nothing) in 'drop' mode
   * when it can no longer make its deadline: the caller answers it with a deadline error.
   */
  requeue(r: QueuedRequest<P>): boolean {
    this.#checkRequest(r);
    if (this.lateMode === 'drop' && this.#doomed(r, 1)) {
      this.#stats.requeueRefused++;
      return false;
    }
    this.#push(r);
    this.#stats.requeued++;
    return true;
  }

  /**
   * Called when a worker frees (pull). Returns the batch to run (null if nothing to run) and
   * the requests that can no longer make their deadline ('drop' mode; answer them at once).
   */
  next(worker?: string): NextResult<P> {
    this.#puller = worker;
    try {
      return this.#next();
    } finally {
      this.#puller = undefined;
    }
  }

  #next(): NextResult<P> {
    const expired: QueuedRequest<P>[] = [];
    for (;;) {
      const head = this.#queue.peek();
      if (!head) return { dispatch: null, expired };
      const now = this.#clock.now();
      const n = this.#queue.size;
      const slack = head.deadline - now;
      let decision = this.#decide(head, slack, n);
      let bestEffort = false;
      if (decision === null || (this.lateMode === 'drop' && this.#late(decision, slack))) {
        if (this.lateMode === 'drop') {
          this.#take(head.id);
          this.#stats.expired++;
          expired.push(head);
          continue;
        }
        decision = this.#bestEffortDecision(head, n);
        bestEffort = true;
      }
      return { dispatch: this.#dispatch(decision, now, bestEffort), expired };
    }
  }

  /** Pop every head that can no longer make its deadline ('drop' mode; [] in 'serve'). */
  expireDue(): QueuedRequest<P>[] {
    const out: QueuedRequest<P>[] = [];
    if (this.lateMode !== 'drop') return out;
    for (let head = this.#queue.peek(); head; head = this.#queue.peek()) {
      if (!this.#doomed(head, this.#queue.size)) break;
      this.#take(head.id);
      this.#stats.expired++;
      out.push(head);
    }
    return out;
  }

  /** The scheduler's clock. */
  now(): number { return this.#clock.now(); }

  /** Queued requests that leave before a request with this deadline (EDF order), those `accept` admits if given. */
  countAhead(deadline: number, accept?: (r: QueuedRequest<P>) => boolean): number {
    return this.#queue.countUpTo(deadline, accept);
  }

  /** The most important priority level queued (1 = highest); Infinity when none is queued with a level. */
  mostImportantLevel(): number {
    return this.#queue.mostImportantLevel();
  }

  /** Queued requests with deadline <= `deadline` that `accept` admits (any order). */
  queuedUpTo(deadline: number, accept: (r: QueuedRequest<P>) => boolean): QueuedRequest<P>[] {
    return this.#queue.collectUpTo(deadline, accept);
  }

  /** Take a queued request out to make room for a more important one (counted as `shed`). */
  shed(id: number): QueuedRequest<P> | undefined {
    return this.#takeOut(id, 'shed');
  }

  #takeOut(id: number, counted: 'removed' | 'shed'): QueuedRequest<P> | undefined {
    const r = this.#queue.remove(id);
    if (r) {
      this.#version++;
      this.#stats[counted]++;
      if (r.pinnedSubnet !== undefined) this.#pinned.delete(r.id);
    }
    return r;
  }

  /**
   * The cheapest batch-1 latency and the most images per ms any (sub-network, batch) the policy may use
   * reaches on one worker, both scaled by the latency factor: what an optimistic capacity bound may assume.
   */
  capacity(): Readonly<{ minLatencyMs: number; bestRatePerMs: number }> {
    return this.#capacity;
  }

  /**
   * When the head can no longer be served even on the cheapest option: its deadline minus that option's
   * latency ('drop' mode; undefined in 'serve' mode or with an empty queue). A request whose
   * policy has no option that cheap is caught earlier by `next()` or `expireDue()`.
   */
  headDoomAt(): number | undefined {
    const head = this.#queue.peek();
    if (head === undefined || this.lateMode !== 'drop') return undefined;
    const l1 = head.pinnedSubnet === undefined ? this.#minLatencyMs : this.#table.latency(this.#table.indexOf(head.pinnedSubnet), 1);
    return head.deadline - l1 * this.#factor;
  }

  /** Live worker count changed: policies that plan across workers (slackfit-q) follow it. */
  setWorkers(n: number): void {
    this.#policy.setWorkers?.(Math.max(1, n));
  }

  get latencyFactor(): number { return this.#factor; }

  set latencyFactor(f: number) {
    if (!Number.isFinite(f) || f <= 0) throw new SchedulerError(`latencyFactor must be a positive number, got ${f}`);
    this.#factor = Math.min(LATENCY_FACTOR_MAX, Math.max(LATENCY_FACTOR_MIN, f));
    this.#updateCapacity();
  }

  /** Admission reads capacity() on every arrival: kept as one object, updated when its inputs change. */
  #updateCapacity(): void {
    this.#capacity = { minLatencyMs: this.#minLatencyMs * this.#factor, bestRatePerMs: this.#bestRatePerMs / this.#factor };
  }

  /** A batch of `batchSize` on `subnetId` took `measuredMs` end to end (on `worker`): adapt the latency factor (if enabled). */
  observeBatch(subnetId: number, batchSize: number, measuredMs: number, worker?: string): void {
    if (!this.#table.has(subnetId) || !(measuredMs > 0)) return;
    const profiled = this.#table.latency(this.#table.indexOf(subnetId), Math.min(Math.max(1, batchSize), this.#table.maxBatch));
    if (!(profiled > 0)) return;
    this.#policy.observe?.(profiled * this.#factor, measuredMs, subnetId, batchSize, worker);
    if (!this.adaptLatency) return;
    this.latencyFactor = this.#factor + LATENCY_EWMA_ALPHA * (measuredMs / profiled - this.#factor);
  }

  /** A batch of `total` requests was answered, `late` of them after their deadline (the policy's miss-rate feedback). */
  observeOutcome(late: number, total: number): void {
    this.#policy.observeOutcome?.(late, total);
  }

  /**
   * Nothing ran for `idleMs`: move a learnt factor back toward its start value (half-life
   * LATENCY_FACTOR_RELAX_HALF_LIFE_MS). The factor learns only from batches that run; without this, a
   * factor that grew under load until even the cheapest option missed every SLO would refuse every
   * request for good, and no batch would ever correct it.
   */
  relaxFactor(idleMs: number): void {
    if (!this.adaptLatency || !(idleMs > 0) || this.#factor === this.#startFactor) return;
    const keep = 0.5 ** (idleMs / LATENCY_FACTOR_RELAX_HALF_LIFE_MS);
    const f = this.#startFactor + (this.#factor - this.#startFactor) * keep;
    this.latencyFactor = Math.abs(f - this.#startFactor) < 1e-3 ? this.#startFactor : f;
  }

  stats(): SchedulerStats {
    const perSubnet: SchedulerStats['perSubnet'] = {};
    for (const [id, v] of this.#perSubnet) perSubnet[id] = { ...v };
    return { queued: this.#queue.size, ...this.#stats, perSubnet };
  }

  #checkRequest(r: QueuedRequest<P>): void {
    if (!r || !Number.isFinite(r.id)) throw new SchedulerError(`request id must be a finite number, got ${r?.id}`);
    if (!Number.isFinite(r.arrival) || !Number.isFinite(r.deadline)) throw new SchedulerError(`request ${r.id}: arrival and deadline must be finite numbers`);
    if (r.pinnedSubnet !== undefined && !this.#table.has(r.pinnedSubnet)) {
      throw new SchedulerError(`request ${r.id}: pinned subnet ${r.pinnedSubnet} is not in the profile (ids: ${this.#table.subnets.map((s) => s.id).join(', ')})`);
    }
    if (this.#queue.has(r.id)) throw new SchedulerError(`request id ${r.id} is already queued`);
  }

  #push(r: QueuedRequest<P>): void {
    this.#version++;
    this.#queue.push(r);
    if (r.pinnedSubnet !== undefined) this.#pinned.add(r.id);
  }

  #take(id: number): void {
    this.#version++;
    this.#queue.remove(id);
    this.#pinned.delete(id);
  }

  #decide(head: QueuedRequest<P>, slack: number, n: number): Decision | null {
    const f = this.#factor;
    if (head.pinnedSubnet === undefined) {
      const d = this.#policy.decide(slack / f, n, this.#clock.now(), this.#context(head));
      if (d === null) return null;
      this.#checkDecision(d);
      return f === 1 ? d : { ...d, expectedLatencyMs: d.expectedLatencyMs * f };
    }
    const si = this.#table.indexOf(head.pinnedSubnet);
    let best = 0;
    for (let b = 1; b <= this.maxBatch && this.#table.latency(si, b) * f <= slack; b++) best = b;
    return best === 0 ? null : { subnetId: head.pinnedSubnet, batchSize: best, expectedLatencyMs: this.#table.latency(si, best) * f };
  }

  /** The decision context for `head` (rebuilt only when the queue, the time or the factor changed). */
  #context(head: QueuedRequest<P>): DecideContext {
    const f = this.#factor;
    const ctx = this.#ctx;
    ctx.headSloMs = (head.deadline - head.arrival) / f;
    ctx.worker = this.#puller;
    const now = this.#clock.now();
    if (this.#ctxVersion === this.#version && this.#ctxAt === now && this.#ctxFactor === f) return ctx;
    const classes = ctx.classes;
    const raw = this.#classRaw;
    const k = this.#queue.classSummary(raw);
    for (let i = 0; i < k; i++) {
      const c = classes[i] ?? (classes[i] = { count: 0, firstSlackMs: 0, lastSlackMs: 0 });
      c.count = raw[3 * i]!; c.firstSlackMs = (raw[3 * i + 1]! - now) / f; c.lastSlackMs = (raw[3 * i + 2]! - now) / f;
    }
    classes.length = k;
    this.#ctxVersion = this.#version;
    this.#ctxAt = now;
    this.#ctxFactor = f;
    return ctx;
  }

  /** The policy has no option for `r` as head that finishes by its deadline. */
  #doomed(r: QueuedRequest<P>, n: number): boolean {
    const slack = r.deadline - this.#clock.now();
    const d = this.#decide(r, slack, n);
    return d === null || this.#late(d, slack);
  }

  /** Whether running `d` now answers its head late, at the policy's miss-rate target (its run factor). */
  #late(d: Decision, slack: number): boolean {
    return d.expectedLatencyMs * (this.#policy.runFactor?.(d, this.#puller) ?? 1) > slack;
  }

  #bestEffortDecision(head: QueuedRequest<P>, n: number): Decision {
    const id = head.pinnedSubnet ?? this.#policy.bestEffortSubnetId ?? this.#table.subnets[0]!.id;
    const si = this.#table.indexOf(id);
    const b = this.#bestBatch[si]![Math.min(n, this.maxBatch)]!;
    return { subnetId: id, batchSize: b, expectedLatencyMs: this.#table.latency(si, b) * this.#factor };
  }

  #checkDecision(d: Decision): void {
    if (!this.#table.has(d.subnetId)) throw new SchedulerError(`policy ${this.#policy.name} chose unknown subnet ${d.subnetId}`);
    if (!Number.isInteger(d.batchSize) || d.batchSize < 1 || d.batchSize > this.#table.maxBatch) {
      throw new SchedulerError(`policy ${this.#policy.name} chose invalid batch size ${d.batchSize} (profile max ${this.#table.maxBatch})`);
    }
  }

  #dispatch(d: Decision, now: number, bestEffort: boolean): Dispatch<P> {
    const s = d.subnetId;
    const head = this.#queue.peek()!;
    const headSlo = (head.deadline - head.arrival) / this.#factor;
    this.#version++;
    const requests = this.#pinned.size === 0
      ? this.#queue.popUpTo(d.batchSize)
      : this.#queue.popUpTo(d.batchSize, (r) => r.pinnedSubnet === undefined || r.pinnedSubnet === s, d.batchSize + PIN_SCAN_SLACK);
    for (const r of requests) if (r.pinnedSubnet !== undefined) this.#pinned.delete(r.id);
    const si = this.#table.indexOf(s);
    this.#stats.dispatches++;
    this.#stats.dispatchedRequests += requests.length;
    if (bestEffort) this.#stats.bestEffortDispatches++;
    const per = this.#perSubnet.get(s) ?? { batches: 0, requests: 0 };
    per.batches++;
    per.requests += requests.length;
    this.#perSubnet.set(s, per);
    const dispatch: Dispatch<P> = { subnetId: s, requests, decidedAt: now, expectedLatencyMs: this.#table.latency(si, requests.length) * this.#factor };
    this.#policy.onDispatch?.({ subnetId: s, batchSize: d.batchSize, expectedLatencyMs: dispatch.expectedLatencyMs / this.#factor }, requests.length, now, headSlo);
    if (bestEffort) dispatch.bestEffort = true;
    return dispatch;
  }
}
