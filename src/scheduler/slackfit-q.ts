/**
 * `slackfit-q`: our queue-aware policy (beyond the paper).
 *
 * Literal SlackFit picks its bucket from the head's slack alone. It ignores how many requests
 * wait, so on a profile where batching does not raise throughput (a CPU) it serves the smallest
 * subnet at every load, and on a GPU it can pick slow, large batches while a burst piles up.
 * slackfit-q looks at the queue length n and the number of workers W:
 *
 * 1. Drain: for each subnet, most accurate first, find the batch b (b <= min(n, maxBatch),
 *    l(s, b) <= slack) that minimises the time to serve the whole queue,
 *    D(s) = ceil(n / (W * b)) * l(s, b) (the smallest such b on ties). The first subnet with
 *    D(s) <= slack wins: the most accurate subnet that empties the queue within the head's slack.
 * 2. Otherwise (overload), the highest-throughput option b / l(s, b) with b <= min(n, maxBatch)
 *    (a larger batch would only be partly filled), ties to higher accuracy, EVEN IF it is slower
 *    than the head's slack: in 'reject' mode the scheduler then sheds the heads that cannot
 *    make it under that option instead of shrinking every batch to fit a nearly late head
 *    (which collapses throughput exactly when it is needed most).
 * 3. No option at all fits the slack: null (the scheduler's lateMode decides).
 *
 * With n = 1 it serves the most accurate subnet whose batch-1 latency fits. The head's slack is
 * a conservative bound for the whole queue: later requests have later deadlines. Batches cover
 * every integer size by default (latencies interpolated). Cost: O(S * B) per decision, S subnets
 * and B batch sizes, independent of n.
 * @module
 */
import { resolveOptions, type PolicyOptions } from './options.ts';
import { ProfileTable } from './profile-table.ts';
import type { Decision, LatencyProfile, Policy } from './types.ts';

export class SlackFitQPolicy implements Policy {
  readonly name = 'slackfit-q';
  readonly bestEffortSubnetId: number;
  readonly maxBatch: number;
  readonly workers: number;
  readonly #ids: Int32Array;
  readonly #grid: Int32Array;
  /** #lat[si * grid.length + k] = l(subnet si, grid[k]). */
  readonly #lat: Float64Array;

  constructor(profile: LatencyProfile, opts: PolicyOptions = {}) {
    const table = new ProfileTable(profile);
    const r = resolveOptions(table, opts, 'all');
    this.maxBatch = r.maxBatch;
    this.workers = r.workers;
    this.bestEffortSubnetId = table.subnets[0]!.id;
    this.#ids = Int32Array.from(table.subnets.map((s) => s.id));
    this.#grid = Int32Array.from(r.grid);
    this.#lat = new Float64Array(table.count * r.grid.length);
    table.subnets.forEach((_, si) => r.grid.forEach((b, k) => { this.#lat[si * r.grid.length + k] = table.latency(si, b); }));
  }

  decide(slackMs: number, queueLength: number): Decision | null {
    const n = Math.max(1, queueLength);
    const grid = this.#grid;
    const g = grid.length;
    const lat = this.#lat;
    const cap = Math.min(n, this.maxBatch);
    const perRound = this.workers;
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
      if (bestK >= 0 && bestD <= slackMs) return this.#decision(si, bestK);
    }
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

  #anyFits(slackMs: number): boolean {
    const g = this.#grid.length;
    for (let si = 0; si < this.#ids.length; si++) if (this.#lat[si * g]! <= slackMs) return true;
    return false;
  }

  #decision(si: number, k: number): Decision {
    return { subnetId: this.#ids[si]!, batchSize: this.#grid[k]!, expectedLatencyMs: this.#lat[si * this.#grid.length + k]! };
  }
}
