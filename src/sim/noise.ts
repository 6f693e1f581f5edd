/**
 * Latency noise for the simulator: the virtual duration of each started batch is drawn from a
 * per-(sub-network, batch size) distribution instead of being the scheduler's prediction. The
 * scheduler keeps planning from its profile statistic (and its online latency factor), as the server does.
 *
 * Where the distribution comes from, per profiled point of the profile JSON:
 * - `quantiles` (ns at evenly spaced probabilities 0..1, written by `superserve profile`): the
 *   measured distribution, sampled by inverse CDF (piecewise linear between the stored quantiles);
 * - else `mean` and `std` (the authors' A40 profile; `forward` part: the forward stage's): a
 *   log-normal with that mean and standard deviation (positive and right-skewed, as latencies are);
 * - else (no spread recorded): the mean itself.
 * Only the SHAPE (the distribution divided by its mean) is taken from the JSON; the mean of every
 * draw is the mean latency the simulator's profile gives that (sub-network, batch), i.e. after
 * the device scale and the running-max fix. A scaled device therefore keeps the measured
 * coefficient of variation. Batch sizes between profiled ones interpolate the shape linearly
 * (the coefficient of variation, or the quantile curve).
 * Draws come from one seeded generator in dispatch order, so a run is reproducible.
 * @module
 */
import { ProfileTable, type LatencyProfile } from '../scheduler/index.ts';
import { Rng } from './rng.ts';

export class NoiseError extends Error {
  constructor(message: string) { super(message); this.name = 'NoiseError'; }
}

/** The simulator's hook: duration of a batch of `batchSize` on `subnetId` (ms). */
export type DurationOf = (subnetId: number, batchSize: number, expectedMs: number) => number;

/** A distribution of latency / mean: log-normal (sigma > 0), a quantile curve, or the constant 1. */
export type Shape = { kind: 'lognormal'; sigma: number } | { kind: 'quantiles'; ratios: Float64Array } | { kind: 'constant' };

const CONSTANT: Shape = { kind: 'constant' };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Log-normal with mean 1 and the given coefficient of variation. */
export function lognormalShape(cv: number): Shape {
  return cv > 0 ? { kind: 'lognormal', sigma: Math.sqrt(Math.log1p(cv * cv)) } : CONSTANT;
}

/** Quantiles (any unit, ascending) -> ratios to the mean of the piecewise-linear inverse CDF they define. */
export function quantileShape(q: readonly number[], where = 'quantiles'): Shape {
  if (q.length < 2) throw new NoiseError(`${where}: needs at least 2 values, got ${q.length}`);
  q.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new NoiseError(`${where}[${i}] must be a positive number, got ${JSON.stringify(v)}`);
    if (i > 0 && v < q[i - 1]!) throw new NoiseError(`${where} must be ascending (index ${i}: ${v} < ${q[i - 1]})`);
  });
  let mean = 0; // mean of the piecewise-linear inverse CDF: average of the segment midpoints
  for (let i = 1; i < q.length; i++) mean += (q[i - 1]! + q[i]!) / 2;
  mean /= q.length - 1;
  if (q[q.length - 1] === q[0]) return CONSTANT;
  return { kind: 'quantiles', ratios: Float64Array.from(q, (v) => v / mean) };
}

/** Coefficient of variation of a shape (for reports and tests). */
export function shapeCv(s: Shape): number {
  if (s.kind === 'constant') return 0;
  if (s.kind === 'lognormal') return Math.sqrt(Math.expm1(s.sigma * s.sigma));
  const r = s.ratios; const k = r.length - 1;
  // E[X^2] of a piecewise-linear inverse CDF: per segment (a^2 + ab + b^2) / 3
  let m2 = 0;
  for (let i = 1; i <= k; i++) m2 += (r[i - 1]! ** 2 + r[i - 1]! * r[i]! + r[i]! ** 2) / 3;
  return Math.sqrt(Math.max(0, m2 / k - 1));
}

/** One draw of latency / mean. */
export function sampleShape(s: Shape, rng: Rng): number {
  if (s.kind === 'constant') return 1;
  if (s.kind === 'lognormal') return Math.exp(s.sigma * rng.normal() - (s.sigma * s.sigma) / 2);
  const r = s.ratios; const k = r.length - 1;
  const x = rng.uniform() * k;
  const i = Math.min(k - 1, Math.floor(x));
  return r[i]! + (r[i + 1]! - r[i]!) * (x - i);
}

function mixShapes(a: Shape, b: Shape, w: number): Shape {
  if (w <= 0) return a;
  if (w >= 1) return b;
  if (a.kind === 'quantiles' && b.kind === 'quantiles' && a.ratios.length === b.ratios.length) {
    return { kind: 'quantiles', ratios: a.ratios.map((v, i) => v + (b.ratios[i]! - v) * w) };
  }
  return lognormalShape(shapeCv(a) + (shapeCv(b) - shapeCv(a)) * w);
}

/** Shapes per profiled point of a profile JSON: id -> batch -> shape. */
export function shapesFromJson(json: unknown): Map<number, Map<number, Shape>> {
  const out = new Map<number, Map<number, Shape>>();
  if (!isRecord(json) || !Array.isArray(json.models)) throw new NoiseError('profile JSON needs a "models" array');
  json.models.forEach((m, i) => {
    if (!isRecord(m) || typeof m.id !== 'number' || !Array.isArray(m.latency_and_batch_ns)) throw new NoiseError(`models[${i}] needs an id and latency_and_batch_ns`);
    const per = new Map<number, Shape>();
    m.latency_and_batch_ns.forEach((e, j) => {
      const where = `models[${i}].latency_and_batch_ns[${j}]`;
      if (!isRecord(e) || typeof e.batch_size !== 'number') throw new NoiseError(`${where} needs a batch_size`);
      if (Array.isArray(e.quantiles)) per.set(e.batch_size, quantileShape(e.quantiles as number[], `${where}.quantiles`));
      else if (typeof e.std === 'number' && typeof e.mean === 'number' && e.mean > 0 && e.std >= 0) per.set(e.batch_size, lognormalShape(e.std / e.mean));
      else per.set(e.batch_size, CONSTANT);
    });
    out.set(m.id, per);
  });
  return out;
}

export interface NoiseModel {
  durationOf: DurationOf;
  /** Mean (ms) and coefficient of variation of the draws for one (subnet id, batch). */
  stats(subnetId: number, batchSize: number): { meanMs: number; cv: number };
  /** Where the shapes came from, for reports: 'quantiles', 'mean/std' or 'none'. */
  readonly source: string;
}

/**
 * The noise for `meanProfile` (the mean latencies the simulated scheduler's profile is built from,
 * device scale applied) with the shapes of `json` (the profile file it came from), seeded.
 */
export function latencyNoise(meanProfile: LatencyProfile, json: unknown, seed: number): NoiseModel {
  const table = new ProfileTable(meanProfile);
  const shapes = shapesFromJson(json);
  const maxB = table.maxBatch;
  const pb = table.profiledBatches;
  const ids = table.subnets.map((s) => s.id);
  const kinds = new Set<string>();
  // mean[si][b] and shape[si][b] for every integer batch 1..maxB
  const mean = table.subnets.map((_, si) => Float64Array.from({ length: maxB + 1 }, (_, b) => (b === 0 ? 0 : table.latency(si, b))));
  const shape: Shape[][] = table.subnets.map((s) => {
    const per = shapes.get(s.id);
    if (!per) throw new NoiseError(`the profile JSON has no model with id ${s.id}`);
    const at = (b: number): Shape => {
      const sh = per.get(b);
      if (!sh) throw new NoiseError(`model ${s.id} has no entry for batch ${b}`);
      kinds.add(sh.kind);
      return sh;
    };
    const row: Shape[] = [CONSTANT];
    for (let k = 0; k < pb.length; k++) {
      const lo = pb[k]!; const hi = pb[k + 1];
      row[lo] = at(lo);
      if (hi === undefined) break;
      const sLo = at(lo); const sHi = at(hi);
      for (let b = lo + 1; b < hi; b++) row[b] = mixShapes(sLo, sHi, (b - lo) / (hi - lo));
    }
    return row;
  });
  const index = new Map(ids.map((id, i) => [id, i]));
  const rng = new Rng(seed);
  const source = kinds.has('quantiles') ? 'quantiles' : kinds.has('lognormal') ? 'mean/std' : 'none';
  return {
    source,
    durationOf: (subnetId, batchSize, expectedMs) => {
      const si = index.get(subnetId);
      if (si === undefined || batchSize < 1 || batchSize > maxB) return expectedMs;
      return mean[si]![batchSize]! * sampleShape(shape[si]![batchSize]!, rng);
    },
    stats: (subnetId, batchSize) => {
      const si = index.get(subnetId);
      if (si === undefined) throw new NoiseError(`no subnet ${subnetId}`);
      return { meanMs: mean[si]![batchSize]!, cv: shapeCv(shape[si]![batchSize]!) };
    },
  };
}
