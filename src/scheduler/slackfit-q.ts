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
 *    requests on time (`drainsInTime`): W batches per round, and the deadlines of the requests
 *    behind the head assumed spread evenly between the head's slack and a whole SLO (the head's
 *    slack is only a lower bound for them). The SLO is learnt as the largest slack ever seen
 *    (a request on an idle server is decided with its whole SLO left).
 *    Exception, short queue at light load: when fewer than SlackFit's batch wait, SlackFit serves
 *    them at once with the subnet it chose for a FULL batch (often the smallest: on a CPU-like
 *    profile, always). Then the step-2 choice (which also serves them all in time) is taken
 *    instead if its subnet is more accurate, provided the head has not waited (it still has the
 *    whole learnt SLO) or the workers are less than half busy. Busy = the latencies of the batches
 *    this policy decided, exponentially decayed over 10 learnt SLOs, per worker (an estimate: it
 *    does not see shed decisions or worker deaths). Upgrading under load costs the capacity that
 *    later requests need, so it is not done there.
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
 * buckets included) use the same batch sizes: every integer by default (latencies interpolated). State: the learnt SLO and the busy
 * estimate (decide() also reads `nowMs` for it). Cost: O(log K) for step 1, O(S * B) for steps 2-3 (S subnets,
 * B batch sizes), independent of n.
 * @module
 */
import { resolveOptions, type PolicyOptions } from './options.ts';
import { ProfileTable } from './profile-table.ts';
import { drainsInTime } from './queue-drain.ts';
import { SlackFitPolicy } from './slackfit.ts';
import type { Decision, LateMode, LatencyProfile, Policy } from './types.ts';

/** Time constant of the utilisation estimate, in learnt SLOs. */
export const UTILIZATION_WINDOW_SLOS = 10;
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
  /** Largest head slack seen so far: the estimate of the SLO. */
  #sloMs = 0;
  /** Exponentially decayed sum of the latencies of the batches decided (worker-ms). */
  #busyMs = 0;
  #lastMs = Number.NEGATIVE_INFINITY;
  #windowMs = 1;

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

  /** On a new profile: keep the live worker count, the SLO estimate and the recent busy time. */
  carryOver(previous: Policy): void {
    if (!(previous instanceof SlackFitQPolicy)) return;
    this.#workers = previous.#workers;
    this.#sloMs = previous.#sloMs;
    this.#busyMs = previous.#busyMs;
    this.#lastMs = previous.#lastMs;
    this.#windowMs = previous.#windowMs;
  }

  /** Fraction by which the slack is shrunk before deciding; 0 here (see slackfit-m). */
  protected slackMargin(): number {
    return 0;
  }

  /** The SLO estimate (largest slack seen); 0 before the first decision. */
  get learntSloMs(): number {
    return this.#sloMs;
  }

  get workers(): number { return this.#workers; }

  setWorkers(n: number): void {
    if (Number.isInteger(n) && n >= 1) this.#workers = n;
  }

  /** Estimated busy fraction of the workers (see the module doc); 0 before any decision. */
  get utilization(): number {
    return this.#busyMs / (this.#workers * this.#windowMs);
  }

  decide(slackMs: number, queueLength: number, nowMs = 0): Decision | null {
    if (slackMs > this.#sloMs) this.#sloMs = slackMs;
    const window = UTILIZATION_WINDOW_SLOS * Math.max(this.#sloMs, Number.MIN_VALUE);
    if (nowMs > this.#lastMs) {
      this.#busyMs *= Math.exp(-(nowMs - this.#lastMs) / window);
      this.#lastMs = nowMs;
    }
    this.#windowMs = window;
    const n = Math.max(1, queueLength);
    // A margin (slackfit-m) shrinks the slack every rule plans with; a head the shrunk slack cannot serve
    // is decided on its whole slack, so the margin never drops what would otherwise be served.
    const m = this.slackMargin();
    const d = (m > 0 ? this.#choose(slackMs / (1 + m), n) : null) ?? this.#choose(slackMs, n);
    if (d !== null) this.#busyMs += this.#table.latency(this.#indexOf(d.subnetId), Math.min(n, d.batchSize));
    return d;
  }

  #choose(slackMs: number, n: number): Decision | null {
    const sf = this.#slackfit.decide(slackMs);
    if (sf !== null && drainsInTime(sf.expectedLatencyMs, sf.batchSize, this.#workers, slackMs, this.#sloMs, n)) {
      if (n < sf.batchSize && (slackMs >= this.#sloMs || this.utilization < UPGRADE_MAX_UTILIZATION)) {
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
