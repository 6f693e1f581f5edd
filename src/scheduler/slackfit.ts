/**
 * SlackFit, as in the paper's §4.2.
 *
 * Offline: K evenly spaced latency buckets from L_lo = l(smallest subnet, 1) to
 * L_hi = l(largest subnet, maxBatch). Bucket k holds the (subnet, batch) options whose latency
 * lies INSIDE its range (edge_k, edge_k+1] (bucket 0 also takes anything <= L_lo; options above
 * L_hi are never used). Its representative is the option with the largest batch, ties to the
 * higher accuracy, then the lower latency. Empty buckets are skipped.
 * Online: take the bucket whose representative latency is closest to but not above the head's
 * slack, and pop up to that many earliest-deadline requests.
 *
 * Why "inside the range": reading "every option below the bucket's edge" instead, the largest
 * batch under any edge always belongs to the smallest subnet (latency grows with batch and with
 * accuracy), so SlackFit would serve the smallest subnet at every load.
 *
 * Left open by the paper, decided here: a queue shorter than the representative's batch is
 * served at once with the same subnet and fewer requests (work-conserving; the subnet is not
 * re-picked). A slack below every representative (it lies inside the lowest non-empty bucket,
 * under its representative) has no literal answer: the head is late for SlackFit's rule.
 * With `late: 'drop'` (default) decide() returns null and the scheduler drops it; with
 * `late: 'serve'` the largest-batch option that still fits is taken (ties to higher accuracy),
 * and only a slack below every option returns null (the scheduler then serves it late).
 * Dropping those heads matters under overload: serving them with tiny batches is what made
 * literal SlackFit's throughput collapse at device scale 2.5 (src/sim/README.md).
 * Batch sizes: the profiled ones by default (`batchSizes`).
 * Decisions are an O(log n) lookup of a precomputed step table.
 * @module
 */
import { resolveOptions, type PolicyOptions } from './options.ts';
import { ProfileTable } from './profile-table.ts';
import { StepTable } from './step-table.ts';
import type { Decision, LateMode, LatencyProfile, Policy } from './types.ts';

export interface BucketOption {
  subnetId: number;
  accuracy: number;
  batchSize: number;
  latencyMs: number;
}

export interface Bucket {
  /** Exclusive lower edge (ms). */
  lo: number;
  /** Inclusive upper edge (ms). */
  hi: number;
  options: BucketOption[];
  representative: BucketOption | undefined;
}

/** The offline phase: the K buckets (empty ones included) for a profile table. */
export function buildBuckets(table: ProfileTable, opts: PolicyOptions = {}): Bucket[] {
  const { buckets: k, maxBatch, grid } = resolveOptions(table, opts, 'profiled');
  const last = table.count - 1;
  const lo = table.latency(0, 1);
  const hi = Math.max(lo, table.latency(last, maxBatch));
  const width = (hi - lo) / k;
  const edge = (i: number): number => (i === k ? hi : lo + i * width);
  const out: Bucket[] = Array.from({ length: k }, (_, i) => ({ lo: edge(i), hi: edge(i + 1), options: [], representative: undefined }));
  table.subnets.forEach((s, si) => {
    for (const b of grid) {
      const l = table.latency(si, b);
      if (l > hi) continue;
      let i = 0;
      while (i < k - 1 && l > out[i]!.hi) i++;
      out[i]!.options.push({ subnetId: s.id, accuracy: s.accuracy, batchSize: b, latencyMs: l });
    }
  });
  for (const bucket of out) {
    for (const o of bucket.options) if (!bucket.representative || isBetterRep(o, bucket.representative)) bucket.representative = o;
  }
  return out;
}

/** Larger batch; ties: higher accuracy, then lower latency. */
function isBetterRep(o: BucketOption, r: BucketOption): boolean {
  return o.batchSize > r.batchSize || (o.batchSize === r.batchSize && (o.accuracy > r.accuracy || (o.accuracy === r.accuracy && o.latencyMs < r.latencyMs)));
}

export class SlackFitPolicy implements Policy {
  readonly name = 'slackfit';
  readonly buckets: readonly Bucket[];
  readonly bestEffortSubnetId: number;
  readonly maxBatch: number;
  readonly late: LateMode;
  readonly batchSizes: readonly number[];
  readonly #steps: StepTable;

  constructor(profile: LatencyProfile, opts: PolicyOptions = {}) {
    const table = new ProfileTable(profile);
    const r = resolveOptions(table, opts, 'profiled');
    this.maxBatch = r.maxBatch;
    this.late = r.late;
    this.batchSizes = r.grid;
    this.buckets = buildBuckets(table, opts);
    this.bestEffortSubnetId = table.subnets[0]!.id;
    const reps = this.buckets.flatMap((b) => (b.representative ? [b.representative] : []));
    const toDecision = (r: BucketOption): Decision => ({ subnetId: r.subnetId, batchSize: r.batchSize, expectedLatencyMs: r.latencyMs });
    // Representatives lie in disjoint, ordered ranges, so their latencies ascend with the bucket index.
    const all = this.buckets.flatMap((b) => b.options);
    this.#steps = new StepTable(all.map((o) => o.latencyMs), (slack) => {
      let best: BucketOption | undefined;
      for (const r of reps) if (r.latencyMs <= slack) best = r;
      if (best || this.late === 'drop') return best ? toDecision(best) : null;
      for (const o of all) if (o.latencyMs <= slack && (!best || isBetterRep(o, best))) best = o;
      return best ? toDecision(best) : null;
    });
  }

  decide(slackMs: number): Decision | null {
    return this.#steps.lookup(slackMs);
  }
}
