/**
 * The offline scheduling problem the optimum and its bound solve (the paper's §4.1 ILP): requests
 * known in advance (arrival a_i, deadline a_i + SLO), W identical workers, options (sub-network,
 * batch size b <= maxBatch) with profiled latency l. A batch starts after its last request arrived
 * and must end by its first deadline; a worker runs one batch at a time. Objectives: the most
 * on-time requests, and the largest accuracy sum for a given number of on-time requests.
 * Latencies are the profile's (interpolated for every batch size 1..maxBatch: the optimum may use
 * any size any policy may), without noise.
 * @module
 */
import { ProfileTable, type LatencyProfile } from '../../scheduler/index.ts';

export class OptimumError extends Error {
  constructor(message: string) { super(message); this.name = 'OptimumError'; }
}

export interface BatchOption {
  subnetId: number;
  accuracy: number;
  batch: number;
  latencyMs: number;
}

export interface OptimumInstance {
  /** Arrival times (ms), sorted ascending here. */
  arrivalsMs: Float64Array;
  sloMs: number;
  workers: number;
  /** Every option that fits in one SLO, dominated ones removed (same batch, not more accurate and not faster). */
  options: BatchOption[];
}

export const OPTIMUM_MAX_BATCH = 16;

export function optimumInstance(profile: LatencyProfile, arrivalsMs: ArrayLike<number>, sloMs: number, workers: number, maxBatch = OPTIMUM_MAX_BATCH): OptimumInstance {
  if (!(sloMs > 0)) throw new OptimumError(`SLO must be positive, got ${sloMs}`);
  if (!Number.isInteger(workers) || workers < 1) throw new OptimumError(`workers must be a positive integer, got ${workers}`);
  const a = Float64Array.from(arrivalsMs).sort();
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw new OptimumError(`arrival ${i} is not a finite time`);
  const table = new ProfileTable(profile);
  const cap = Math.min(maxBatch, table.maxBatch);
  const all: BatchOption[] = [];
  table.subnets.forEach((s, si) => {
    for (let b = 1; b <= cap; b++) {
      const l = table.latency(si, b);
      if (l <= sloMs) all.push({ subnetId: s.id, accuracy: s.accuracy, batch: b, latencyMs: l });
    }
  });
  const options = all.filter((o) => !all.some((p) => p !== o && p.batch === o.batch && p.accuracy >= o.accuracy && p.latencyMs <= o.latencyMs &&
    (p.accuracy > o.accuracy || p.latencyMs < o.latencyMs)));
  return { arrivalsMs: a, sloMs, workers, options };
}

/** Per sub-network, the least worker time one request can cost: min over its options of l / b. */
export function perRequestCost(inst: OptimumInstance): { subnetId: number; accuracy: number; costMs: number }[] {
  const best = new Map<number, { subnetId: number; accuracy: number; costMs: number }>();
  for (const o of inst.options) {
    const c = o.latencyMs / o.batch;
    const cur = best.get(o.subnetId);
    if (!cur || c < cur.costMs) best.set(o.subnetId, { subnetId: o.subnetId, accuracy: o.accuracy, costMs: c });
  }
  return [...best.values()].sort((x, y) => x.accuracy - y.accuracy);
}

/** One batch of a schedule: requests by index into the arrivals. */
export interface ScheduledBatch { worker: number; startMs: number; subnetId: number; requests: number[] }

/**
 * Checks a schedule against the instance (every rule of the problem) and returns its on-time count and
 * accuracy sum; throws OptimumError naming the first violated rule.
 */
export function checkSchedule(inst: OptimumInstance, batches: ScheduledBatch[], eps = 1e-6): { onTime: number; accuracySum: number } {
  const seen = new Set<number>();
  const byWorker = new Map<number, ScheduledBatch[]>();
  let onTime = 0; let accuracySum = 0;
  for (const b of batches) {
    const o = inst.options.find((x) => x.subnetId === b.subnetId && x.batch === b.requests.length);
    if (!o) throw new OptimumError(`no option for subnet ${b.subnetId} at batch ${b.requests.length}`);
    if (!Number.isInteger(b.worker) || b.worker < 0 || b.worker >= inst.workers) throw new OptimumError(`batch on unknown worker ${b.worker}`);
    for (const i of b.requests) {
      if (seen.has(i)) throw new OptimumError(`request ${i} is served twice`);
      seen.add(i);
      const a = inst.arrivalsMs[i];
      if (a === undefined) throw new OptimumError(`unknown request ${i}`);
      if (b.startMs < a - eps) throw new OptimumError(`request ${i} starts at ${b.startMs} before it arrives at ${a}`);
      if (b.startMs + o.latencyMs > a + inst.sloMs + eps) throw new OptimumError(`request ${i} ends at ${b.startMs + o.latencyMs} after its deadline ${a + inst.sloMs}`);
    }
    onTime += b.requests.length; accuracySum += o.accuracy * b.requests.length;
    const w = byWorker.get(b.worker) ?? [];
    w.push(b); byWorker.set(b.worker, w);
  }
  for (const [w, list] of byWorker) {
    list.sort((x, y) => x.startMs - y.startMs);
    for (let k = 1; k < list.length; k++) {
      const prev = list[k - 1]!;
      const l = inst.options.find((x) => x.subnetId === prev.subnetId && x.batch === prev.requests.length)!.latencyMs;
      if (list[k]!.startMs < prev.startMs + l - eps) throw new OptimumError(`worker ${w} starts a batch at ${list[k]!.startMs} before its previous one ends at ${prev.startMs + l}`);
    }
  }
  return { onTime, accuracySum };
}
