/**
 * `slackfit-q`: our queue-aware policy (beyond the paper), built to dominate literal SlackFit.
 *
 * Literal SlackFit picks its bucket from the head's slack alone. It ignores how many requests
 * wait, so when the slack is large it can pick a slow, accurate option at a small batch while a
 * burst piles up (at the paper's device speed its attainment collapses on heavy traces), and on a
 * profile where batching does not raise throughput (a CPU) it cannot react to the queue at all.
 * slackfit-q keeps SlackFit's choice whenever that choice is safe for the whole queue, and only
 * otherwise falls back to a drain / throughput rule. With n requests waiting and W workers:
 *
 * 1. SlackFit first: take SlackFit's (subnet, batch) for the head's slack if it can serve all n
 *    requests on time (`drainsInTime`): W batches per round, checked against the deadlines actually
 *    queued (per SLO class, `DecideContext.classes`; the scheduler passes them). Nothing about "the SLO"
 *    is learnt: a 60 s request seen once does not make a later burst of 1 s requests look drainable.
 *    Exception, short queue at light load: when fewer than SlackFit's batch wait, SlackFit serves
 *    them at once with the subnet it chose for a FULL batch (often the smallest: on a CPU-like
 *    profile, always). Then the step-2 choice (which also serves them all in time) is taken
 *    instead if its subnet is more accurate, provided the head has not waited (its slack is its
 *    whole SLO) or the workers are less than half busy. Busy = the latencies of the batches
 *    dispatched (`onDispatch`), exponentially decayed over 10 typical SLOs (a geometric mean of the
 *    dispatched heads' SLOs, so one outlier barely moves it), per worker (an estimate: it does not see
 *    worker deaths). Upgrading under load costs the capacity that later requests need, so it is not done there.
 * 2. Drain: otherwise, for each subnet, most accurate first, find the batch b
 *    (b <= min(n, maxBatch), l(s, b) <= slack) that minimises the time to serve the whole queue,
 *    D(s) = ceil(n / (W * b)) * l(s, b) (the smallest such b on ties). The first subnet with
 *    D(s) <= slack wins (here the head's slack bounds the whole queue: conservative on purpose,
 *    since SlackFit's own choice was just found unsafe).
 * 3. Overload: otherwise the highest-throughput option b / l(s, b) with b <= min(n, maxBatch)
 *    (a larger batch would only be partly filled), ties to higher accuracy, EVEN IF it is slower
 *    than the head's slack: in 'drop' mode the scheduler then sheds the heads that cannot
 *    make it under that option instead of shrinking every batch to fit a nearly late head
 *    (which collapses throughput exactly when it is needed most).
 * 4. No option at all fits the slack: null (the scheduler's lateMode decides).
 *
 * Under load with a drainable queue slackfit-q makes SlackFit's decisions. All steps (SlackFit's
 * buckets included) use the same batch sizes: every integer by default (latencies interpolated). State: the busy
 * estimate and the typical SLO, changed only by `onDispatch`: decide() is a probe (the scheduler's expiry and
 * shedding ask for decisions never run). Cost: O(log K + C^2) for step 1 (C SLO classes queued), O(S * B) for
 * steps 2-3 (S subnets, B batch sizes), independent of n.
 * @module
 */
import { resolveOptions, type PolicyOptions } from './options.ts';
import { ProfileTable } from './profile-table.ts';
import { drainsInTime } from './queue-drain.ts';
import { SlackFitPolicy } from './slackfit.ts';
import type { DeadlineClass, DecideContext, Decision, LateMode, LatencyProfile, Policy } from './types.ts';

/** Time constant of the utilisation estimate, in typical SLOs. */
export const UTILIZATION_WINDOW_SLOS = 10;
/** Weight of one dispatched head's log(SLO) in the typical SLO. */
export const TYPICAL_SLO_ALPHA = 0.05;
/** Short queues are upgraded (step 1, exception) only below this estimated utilisation. */
export const UPGRADE_MAX_UTILIZATION = 0.5;

export class SlackFitQPolicy implements Policy {
  readonly name: string = 'slackfit-q';
  readonly bestEffortSubnetId: number;
  readonly maxBatch: number;
  readonly late: LateMode;
  readonly batchSizes: readonly number[];
  #workers: number;
  readonly #slackfit: SlackFitPolicy;
  readonly #table: ProfileTable;
  readonly #ids: Int32Array;
  readonly #acc: Float64Array;
  readonly #grid: Int32Array;
  /** #lat[si * grid.length + k] = l(subnet si, grid[k]). */
  readonly #lat: Float64Array;
  readonly #index: Map<number, number>;
  /** log of the typical SLO (EWMA over dispatched heads); NaN before the first dispatch. */
  #logSlo = Number.NaN;
  /** Exponentially decayed sum of the latencies of the batches dispatched (worker-ms), as of #lastMs. */
  #busyMs = 0;
  #lastMs = Number.NEGATIVE_INFINITY;
  /** Reused by decide() when no context is given: one class, every deadline at the head's. */
  readonly #single: DeadlineClass[] = [{ count: 1, firstSlackMs: 0, lastSlackMs: 0 }];

  constructor(profile: LatencyProfile, opts: PolicyOptions = {}) {
    const table = new ProfileTable(profile);
    this.#table = table;
    const r = resolveOptions(table, opts, 'all');
    this.maxBatch = r.maxBatch;
    this.#workers = r.workers;
    this.late = r.late;
    this.batchSizes = r.grid;
    // SlackFit on the same batch sizes, batch cap, bucket count and late handling.
    this.#slackfit = new SlackFitPolicy(profile, { maxBatch: r.maxBatch, buckets: r.buckets, batchSizes: r.grid, late: r.late });
    this.bestEffortSubnetId = table.subnets[0]!.id;
    this.#ids = Int32Array.from(table.subnets.map((s) => s.id));
    this.#acc = Float64Array.from(table.subnets.map((s) => s.accuracy));
    this.#index = new Map(table.subnets.map((s, i) => [s.id, i]));
    this.#grid = Int32Array.from(r.grid);
    this.#lat = new Float64Array(table.count * r.grid.length);
    table.subnets.forEach((_, si) => r.grid.forEach((b, k) => { this.#lat[si * r.grid.length + k] = table.latency(si, b); }));
  }

  /** On a new profile: keep the live worker count, the typical SLO and the recent busy time. */
  carryOver(previous: Policy): void {
    if (!(previous instanceof SlackFitQPolicy)) return;
    this.#workers = previous.#workers;
    this.#logSlo = previous.#logSlo;
    this.#busyMs = previous.#busyMs;
    this.#lastMs = previous.#lastMs;
  }

  /** Fraction by which the slack is shrunk before deciding (for the batch's worker, when known); 0 here (see slackfit-m). */
  protected slackMargin(_worker?: string): number {
    return 0;
  }

  /** The margin one option's own measurements ask for (>= slackMargin() when known); 0 here. */
  protected optionMargin(_subnetId: number, _batchSize: number): number {
    return 0;
  }

  /** The typical SLO the utilisation window is measured in (geometric EWMA of dispatched heads); 0 before any. */
  get typicalSloMs(): number {
    return Number.isNaN(this.#logSlo) ? 0 : Math.exp(this.#logSlo);
  }

  get workers(): number { return this.#workers; }

  setWorkers(n: number): void {
    if (Number.isInteger(n) && n >= 1) this.#workers = n;
  }

  #windowMs(): number {
    return UTILIZATION_WINDOW_SLOS * Math.max(this.typicalSloMs, Number.MIN_VALUE);
  }

  /** Estimated busy fraction of the workers at `nowMs` (see the module doc); 0 before any dispatch. Pure. */
  utilizationAt(nowMs: number): number {
    if (this.#busyMs === 0) return 0;
    const w = this.#windowMs();
    const decay = nowMs > this.#lastMs ? Math.exp(-(nowMs - this.#lastMs) / w) : 1;
    return (this.#busyMs * decay) / (this.#workers * w);
  }

  /** The busy fraction as of the last dispatch. */
  get utilization(): number {
    return this.utilizationAt(this.#lastMs);
  }

  onDispatch(d: Decision, requests: number, nowMs: number, headSloMs: number): void {
    if (headSloMs > 0) {
      const x = Math.log(headSloMs);
      this.#logSlo = Number.isNaN(this.#logSlo) ? x : this.#logSlo + TYPICAL_SLO_ALPHA * (x - this.#logSlo);
    }
    const i = this.#index.get(d.subnetId);
    if (i === undefined || requests < 1) return;
    if (nowMs > this.#lastMs) {
      this.#busyMs *= Math.exp(-(nowMs - this.#lastMs) / this.#windowMs());
      this.#lastMs = nowMs;
    }
    this.#busyMs += this.#table.latency(i, Math.min(requests, this.#table.maxBatch));
  }

  decide(slackMs: number, queueLength: number, nowMs = 0, ctx?: DecideContext): Decision | null {
    const n = Math.max(1, queueLength);
    let classes = ctx?.classes;
    if (classes === undefined || classes.length === 0) {
      const c = this.#single[0]!;
      c.count = n; c.firstSlackMs = slackMs; c.lastSlackMs = slackMs;
      classes = this.#single;
    }
    const fresh = slackMs >= (ctx?.headSloMs ?? slackMs);
    // A margin (slackfit-m) shrinks the slack every rule plans with. A decision on the shrunk slack that does
    // not serve the head within its whole slack gives way to the whole-slack decision: the margin never drops
    // a head that slackfit-q would serve (without this, step 3 on the shrunk slack could pick an option slower
    // than the head's real slack where slackfit-q's fits).
    const m = this.slackMargin(ctx?.worker);
    let d = m > 0 ? this.#choose(slackMs / (1 + m), n, classes, 1 / (1 + m), fresh, nowMs) : this.#choose(slackMs, n, classes, 1, fresh, nowMs);
    // The chosen option's own spread, once measured, may ask for more: decide once more with it.
    const mo = d === null ? 0 : this.optionMargin(d.subnetId, Math.min(n, d.batchSize));
    if (mo > m) d = this.#choose(slackMs / (1 + mo), n, classes, 1 / (1 + mo), fresh, nowMs) ?? d;
    if (d !== null && (d.expectedLatencyMs <= slackMs || (m === 0 && mo <= m))) return d;
    return this.#choose(slackMs, n, classes, 1, fresh, nowMs);
  }

  #choose(slackMs: number, n: number, classes: readonly DeadlineClass[], scale: number, fresh: boolean, nowMs: number): Decision | null {
    const sf = this.#slackfit.decide(slackMs);
    if (sf !== null && drainsInTime(sf.expectedLatencyMs, sf.batchSize, this.#workers, slackMs, scale === 1 ? classes : this.#scaled(classes, scale), n)) {
      if (n < sf.batchSize && (fresh || this.utilizationAt(nowMs) < UPGRADE_MAX_UTILIZATION)) {
        const k = this.#drain(slackMs, n);
        if (k >= 0 && this.#acc[this.#subnetOf(k)]! > this.#acc[this.#indexOf(sf.subnetId)]!) return this.#at(k);
      }
      return sf;
    }
    const k = this.#drain(slackMs, n);
    return k >= 0 ? this.#at(k) : this.#throughput(slackMs, n);
  }

  /** Step 2: the option (index into #lat) of the most accurate subnet that drains the queue, or -1. */
  #drain(slackMs: number, n: number): number {
    const grid = this.#grid;
    const g = grid.length;
    const lat = this.#lat;
    const cap = Math.min(n, this.maxBatch);
    const perRound = this.#workers;
    for (let si = this.#ids.length - 1; si >= 0; si--) {
      let bestD = Number.POSITIVE_INFINITY;
      let bestK = -1;
      for (let k = 0; k < g; k++) {
        const b = grid[k]!;
        if (b > cap) break;
        const l = lat[si * g + k]!;
        if (l > slackMs) break; // latency is monotone in batch
        const d = Math.ceil(n / (perRound * b)) * l;
        if (d < bestD) { bestD = d; bestK = k; }
      }
      if (bestK >= 0 && bestD <= slackMs) return si * g + bestK;
    }
    return -1;
  }

  /** Step 3 (or 4: null). */
  #throughput(slackMs: number, n: number): Decision | null {
    const grid = this.#grid;
    const g = grid.length;
    const lat = this.#lat;
    const cap = Math.min(n, this.maxBatch);
    let bestThr = 0;
    let bestSi = -1;
    let bestK = -1;
    for (let si = this.#ids.length - 1; si >= 0; si--) {
      for (let k = 0; k < g; k++) {
        const b = grid[k]!;
        if (b > cap) break;
        const l = lat[si * g + k]!;
        const thr = b / l;
        if (thr > bestThr) { bestThr = thr; bestSi = si; bestK = k; }
      }
    }
    if (bestSi < 0 || !this.#anyFits(slackMs)) return null;
    return this.#decision(bestSi, bestK);
  }

  readonly #scratch: DeadlineClass[] = [];

  #scaled(classes: readonly DeadlineClass[], k: number): readonly DeadlineClass[] {
    const out = this.#scratch;
    out.length = classes.length;
    classes.forEach((c, i) => { out[i] = { count: c.count, firstSlackMs: c.firstSlackMs * k, lastSlackMs: c.lastSlackMs * k }; });
    return out;
  }

  #indexOf(id: number): number {
    return this.#index.get(id)!;
  }

  #anyFits(slackMs: number): boolean {
    const g = this.#grid.length;
    for (let si = 0; si < this.#ids.length; si++) if (this.#lat[si * g]! <= slackMs) return true;
    return false;
  }

  #subnetOf(option: number): number {
    return Math.floor(option / this.#grid.length);
  }

  #at(option: number): Decision {
    return this.#decision(this.#subnetOf(option), option % this.#grid.length);
  }

  #decision(si: number, k: number): Decision {
    return { subnetId: this.#ids[si]!, batchSize: this.#grid[k]!, expectedLatencyMs: this.#lat[si * this.#grid.length + k]! };
  }
}
