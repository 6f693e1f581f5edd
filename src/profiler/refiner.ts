/**
 * Refines a latency profile from the batch times measured while serving. No HTTP, no scheduler, no clock: it takes
 * (sub-network, batch size, ms) samples and, every so often, returns the updated profile (stored JSON + the
 * scheduler's LatencyProfile), so that a quick start-up profile, or one measured while the machine was loaded,
 * does not stay wrong for good.
 *
 * Per sub-network it keeps the last `window` served batches. Once a sub-network has `minSamples` of them, its
 * points are re-estimated: robustly (the median time per batch size), a least-squares line over the batch sizes
 * seen (CPU latency is close to linear in batch size), and, outside the range of sizes seen, the profile's own
 * shape rescaled to the line at the nearest size seen (a GPU's sub-linear curve is not extrapolated as a line).
 * With one batch size seen, the whole curve is rescaled to it. The result is made monotone in batch size.
 * Samples age out of the window, so the profile follows the machine when its load changes, both ways.
 * @module
 */
import { profileFromJson } from '../scheduler/profile.ts';
import type { LatencyProfile } from '../scheduler/types.ts';
import type { LatencyPoint, ProfileJson } from './measure.ts';

export interface RefinerOptions {
  /** Recent served batches kept per sub-network (default 64). */
  window?: number;
  /** Served batches of a sub-network before its points are re-estimated (default 8). */
  minSamples?: number;
  /** Consider an update after this many served batches in total since the last one (default 40). */
  updateEvery?: number;
  /** Report an update only when some point moved by at least this fraction (default 0.05). */
  minChange?: number;
}

export interface RefinedProfile {
  json: ProfileJson;
  profile: LatencyProfile;
  changed: Array<{ subnetId: number; batch: number; fromMs: number; toMs: number }>;
}

const NS = 1e6;

export class ProfileRefiner {
  private json: ProfileJson;
  private readonly samples = new Map<number, Array<{ n: number; ms: number }>>();
  private sinceUpdate = 0;
  private total: number;
  private readonly o: Required<RefinerOptions>;

  constructor(initial: ProfileJson, opts: RefinerOptions = {}) {
    this.json = structuredClone(initial);
    this.total = initial.refined?.batches ?? 0;
    this.o = { window: opts.window ?? 64, minSamples: opts.minSamples ?? 8, updateEvery: opts.updateEvery ?? 40, minChange: opts.minChange ?? 0.05 };
    for (const m of this.json.models) this.samples.set(m.id, []);
  }

  /** The profile as refined so far. */
  current(): ProfileJson {
    return this.json;
  }

  /**
   * One served batch: `ms` is the worker's compute time (what the profile measures). Returns the updated profile
   * when one is due and moved enough, else undefined. Unknown sub-networks and non-positive times are ignored.
   */
  observe(subnetId: number, batch: number, ms: number): RefinedProfile | undefined {
    const list = this.samples.get(subnetId);
    if (list === undefined || !(ms > 0) || !Number.isInteger(batch) || batch < 1) return undefined;
    list.push({ n: batch, ms });
    if (list.length > this.o.window) list.shift();
    this.total++;
    if (++this.sinceUpdate < this.o.updateEvery) return undefined;
    this.sinceUpdate = 0;
    return this.refine();
  }

  /** Re-estimates every sub-network with enough samples now; undefined when nothing moved by `minChange`. */
  refine(): RefinedProfile | undefined {
    const changed: RefinedProfile['changed'] = [];
    const models = this.json.models.map((m) => {
      const list = this.samples.get(m.id)!;
      if (list.length < this.o.minSamples) return m;
      const points = reestimate(m.latency_and_batch_ns, list);
      for (const [i, p] of points.entries()) {
        const from = m.latency_and_batch_ns[i]!.mean;
        if (Math.abs(p.mean - from) >= this.o.minChange * from) changed.push({ subnetId: m.id, batch: p.batch_size, fromMs: from / NS, toMs: p.mean / NS });
      }
      return { ...m, latency_and_batch_ns: points };
    });
    if (changed.length === 0) return undefined;
    this.json = { ...this.json, models, refined: { batches: this.total, updated: new Date().toISOString() } };
    return { json: this.json, profile: profileFromJson(this.json), changed };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 === 1 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
}

/** New points for one sub-network from its served (batch, ms) samples. */
function reestimate(points: LatencyPoint[], samples: Array<{ n: number; ms: number }>): LatencyPoint[] {
  const byN = new Map<number, number[]>();
  for (const s of samples) byN.set(s.n, [...(byN.get(s.n) ?? []), s.ms * NS]);
  const seen = [...byN.entries()].map(([n, v]) => ({ n, t: median(v), w: v.length })).sort((a, b) => a.n - b.n);
  const cur = (b: number): number => interpolate(points, b);
  let line: ((n: number) => number) | undefined;
  if (seen.length >= 2) {
    const W = seen.reduce((a, s) => a + s.w, 0);
    const mn = seen.reduce((a, s) => a + s.w * s.n, 0) / W;
    const mt = seen.reduce((a, s) => a + s.w * s.t, 0) / W;
    const sxx = seen.reduce((a, s) => a + s.w * (s.n - mn) ** 2, 0);
    const slope = Math.max(0, seen.reduce((a, s) => a + s.w * (s.n - mn) * (s.t - mt), 0) / sxx);
    line = (n) => Math.max(mt + slope * (n - mn), 0);
  }
  const lo = seen[0]!;
  const hi = seen[seen.length - 1]!;
  const estimate = (b: number): number => {
    if (line === undefined) return cur(b) * (lo.t / cur(lo.n));
    if (b < lo.n) return cur(b) * (line(lo.n) / cur(lo.n));
    if (b > hi.n) return cur(b) * (line(hi.n) / cur(hi.n));
    return line(b);
  };
  const counts = new Map(seen.map((s) => [s.n, s.w]));
  let runningMax = 0;
  return points.map((p) => {
    const v = estimate(p.batch_size);
    const mean = Number.isFinite(v) && v > 0 ? Math.max(runningMax, v) : Math.max(runningMax, p.mean);
    runningMax = mean;
    const ratio = mean / p.mean;
    return { ...p, mean, std: p.std * ratio, p99: Math.max(mean, p.p99 * ratio), samples: counts.get(p.batch_size) ?? 0, source: 'served' as const,
      ...(p.quantiles ? { quantiles: p.quantiles.map((q) => q * ratio) } : {}) };
  });
}

/** The profile's latency (ns) at any batch size: piecewise linear, along the last segment beyond the table. */
function interpolate(points: LatencyPoint[], b: number): number {
  const ps = [...points].sort((x, y) => x.batch_size - y.batch_size);
  const exact = ps.find((p) => p.batch_size === b);
  if (exact) return exact.mean;
  let i = ps.findIndex((p) => p.batch_size > b);
  if (i === -1) i = ps.length - 1;
  if (i === 0) i = 1;
  const a = ps[i - 1] ?? ps[0]!;
  const c = ps[i] ?? a;
  if (c.batch_size === a.batch_size) return a.mean * (b / a.batch_size);
  return Math.max(1, a.mean + ((c.mean - a.mean) * (b - a.batch_size)) / (c.batch_size - a.batch_size));
}
