/**
 * Fills the batch sizes a quick profile did not time from the ones it did: piecewise linear between timed
 * neighbours, and beyond the largest timed batch along the last segment (never below the largest timed value).
 * @module
 */
import type { LatencyPoint } from './measure.ts';

export function interpolatePoints(measured: LatencyPoint[], table: number[]): LatencyPoint[] {
  const pts = [...measured].sort((a, b) => a.batch_size - b.batch_size);
  if (pts.length === 0) throw new Error('interpolation needs at least one measured point');
  const at = new Map(pts.map((p) => [p.batch_size, p]));
  const sizes = [...new Set([...table, ...pts.map((p) => p.batch_size)])].sort((a, b) => a - b);
  return sizes.map((b) => at.get(b) ?? estimate(pts, b));
}

function estimate(pts: LatencyPoint[], b: number): LatencyPoint {
  let lo = pts[0]!;
  let hi = pts[pts.length - 1]!;
  for (const p of pts) {
    if (p.batch_size < b) lo = p;
    if (p.batch_size > b) { hi = p; break; }
  }
  if (hi.batch_size < b && pts.length >= 2) lo = pts[pts.length - 2]!; // extrapolate along the last segment
  const line = (f: (p: LatencyPoint) => number): number => {
    if (hi.batch_size === lo.batch_size) return f(lo) * (b / lo.batch_size);
    return f(lo) + ((f(hi) - f(lo)) * (b - lo.batch_size)) / (hi.batch_size - lo.batch_size);
  };
  const floor = (f: (p: LatencyPoint) => number): number => Math.max(line(f), ...pts.filter((p) => p.batch_size <= b).map(f), 0);
  const mean = floor((p) => p.mean);
  const q = lo.quantiles?.map((v) => (v * mean) / lo.mean);
  return { batch_size: b, mean, std: floor((p) => p.std), p99: floor((p) => p.p99), samples: 0, source: 'interpolated', ...(q ? { quantiles: q } : {}) };
}
