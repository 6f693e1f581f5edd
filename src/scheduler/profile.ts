/**
 * Latency profiles: read the authors' JSON format (ours uses the same field names), validate,
 * enforce monotonicity in batch size, and optionally scale to a slower device.
 *
 * Monotonicity (P1 of the paper): measured profiles are not always monotone in batch size (the
 * A40 profile's subnet 0 is faster at batch 4 than at batch 2: the GPU is launch-bound). Every
 * loaded latency is replaced by the running max over smaller batch sizes, so l(s, b) never
 * decreases with b. Monotonicity across sub-networks (P2) is NOT enforced (it is not true at
 * small batches on the A40, and the policies do not assume it).
 *
 * Scale (`--profile-scale S`, "multiplies the profiled latencies keeping the batch-1 value as a
 * floor"): read literally, a plain multiplication with the batch-1 value as a floor is a no-op
 * for S >= 1. We follow the paper digest §5.2 instead, which it paraphrases: a device S times
 * slower in compute multiplies the *compute part* of each latency, while fixed per-batch
 * overheads stay. The compute part is estimated per sub-network by the line through the two
 * largest profiled batches (where compute dominates), capped by the measured value:
 *
 *     l'(s, b) = max( l(s, 1), min(S, 1) * l(s, b), S * min(lin_s(b), l(s, b)) )
 *
 * S = 1 leaves the profile unchanged; S = 2.5 gives §5.2's 2080 Ti estimate
 * max(l(1), S * (c0 + b * t)) except that a slower device is never faster than measured;
 * S < 1 (a faster device) reduces to the literal max(l(s, 1), S * l(s, b)). For a CPU-like
 * profile (latency linear in batch) this is just S * l(s, b).
 * @module
 */
import { ProfileError } from './errors.ts';
import type { LatencyProfile, SubnetProfile } from './types.ts';

export interface ProfileJsonOptions {
  /** Which statistic of `latency_and_batch_ns[]` to use (default 'mean'). */
  stat?: 'mean' | 'p99';
  /** Device slowdown factor, see the module doc (default 1). */
  scale?: number;
}

const NS_PER_MS = 1e6;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Parse `{models: [{id, accuracy, subnet_dimension | config, latency_and_batch_ns:
 * [{batch_size, mean, std, p99}]}]}` (latencies in ns) into a validated, monotone,
 * optionally scaled `LatencyProfile` in ms, subnets sorted by accuracy.
 */
export function profileFromJson(json: unknown, opts: ProfileJsonOptions = {}): LatencyProfile {
  const stat = opts.stat ?? 'mean';
  if (stat !== 'mean' && stat !== 'p99') throw new ProfileError(`stat must be 'mean' or 'p99', got ${JSON.stringify(stat)}`);
  if (!isRecord(json) || !Array.isArray(json.models)) throw new ProfileError('expected an object with a "models" array');
  const subnets: SubnetProfile[] = json.models.map((m, i) => {
    const where = `models[${i}]`;
    if (!isRecord(m)) throw new ProfileError(`${where} is not an object`);
    const { id, accuracy } = m;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new ProfileError(`${where}.id must be a non-negative integer, got ${JSON.stringify(id)}`);
    if (typeof accuracy !== 'number' || !Number.isFinite(accuracy)) throw new ProfileError(`${where}.accuracy must be a number, got ${JSON.stringify(accuracy)}`);
    if (!Array.isArray(m.latency_and_batch_ns) || m.latency_and_batch_ns.length === 0) {
      throw new ProfileError(`${where}.latency_and_batch_ns must be a non-empty array`);
    }
    const latencyMs: Record<number, number> = {};
    m.latency_and_batch_ns.forEach((e, j) => {
      const w = `${where}.latency_and_batch_ns[${j}]`;
      if (!isRecord(e)) throw new ProfileError(`${w} is not an object`);
      const b = e.batch_size;
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 1) throw new ProfileError(`${w}.batch_size must be a positive integer, got ${JSON.stringify(b)}`);
      const v = e[stat];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ProfileError(`${w}.${stat} must be a positive number of ns, got ${JSON.stringify(v)}`);
      if (b in latencyMs) throw new ProfileError(`${w}: batch_size ${b} appears twice`);
      latencyMs[b] = v / NS_PER_MS;
    });
    const config = m.config ?? m.subnet_dimension;
    return config === undefined ? { id, accuracy, latencyMs } : { id, accuracy, config, latencyMs };
  });
  const batchSizes = Object.keys(subnets[0]?.latencyMs ?? {}).map(Number).sort((a, b) => a - b);
  const profile = normalizeProfile({ subnets, batchSizes });
  return scaleProfile(profile, opts.scale ?? 1);
}

/**
 * Validate a profile (hand-made or parsed) and return a copy with subnets sorted by accuracy
 * (ties: faster at batch 1 first) and latencies made monotone in batch (running max).
 */
export function normalizeProfile(p: LatencyProfile): LatencyProfile {
  if (!isRecord(p) || !Array.isArray(p.subnets) || p.subnets.length === 0) throw new ProfileError('needs at least one subnet');
  if (!Array.isArray(p.batchSizes) || p.batchSizes.length === 0) throw new ProfileError('needs a non-empty batchSizes array');
  const batchSizes = [...p.batchSizes].sort((a, b) => a - b);
  batchSizes.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 1) throw new ProfileError(`batch size must be a positive integer, got ${b}`);
    if (i > 0 && b === batchSizes[i - 1]) throw new ProfileError(`batch size ${b} appears twice`);
  });
  if (batchSizes[0] !== 1) throw new ProfileError('batch size 1 must be profiled (it is the latency floor)');
  const ids = new Set<number>();
  const subnets = p.subnets.map((s) => {
    if (!Number.isInteger(s.id)) throw new ProfileError(`subnet id must be an integer, got ${s.id}`);
    if (ids.has(s.id)) throw new ProfileError(`subnet id ${s.id} appears twice`);
    ids.add(s.id);
    if (!Number.isFinite(s.accuracy)) throw new ProfileError(`subnet ${s.id}: accuracy must be a number, got ${s.accuracy}`);
    const latencyMs: Record<number, number> = {};
    let runningMax = 0;
    for (const b of batchSizes) {
      const v = s.latencyMs?.[b];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new ProfileError(`subnet ${s.id}: latency at batch ${b} must be a positive number of ms, got ${JSON.stringify(v)}`);
      }
      runningMax = Math.max(runningMax, v);
      latencyMs[b] = runningMax;
    }
    const extra = Object.keys(s.latencyMs).map(Number).find((b) => !batchSizes.includes(b));
    if (extra !== undefined) throw new ProfileError(`subnet ${s.id} has batch ${extra}, which is not in batchSizes (all subnets must share one set)`);
    return { ...s, latencyMs };
  });
  subnets.sort((a, b) => a.accuracy - b.accuracy || a.latencyMs[1]! - b.latencyMs[1]!);
  return { subnets, batchSizes };
}

/** Apply the device scale of the module doc to a normalized profile (S = 1: unchanged copy). */
export function scaleProfile(p: LatencyProfile, scale: number): LatencyProfile {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) throw new ProfileError(`scale must be a positive number, got ${scale}`);
  const bs = p.batchSizes;
  const subnets = p.subnets.map((s) => {
    const lat = (b: number): number => s.latencyMs[b]!;
    const b2 = bs[bs.length - 1]!;
    const b1 = bs.length > 1 ? bs[bs.length - 2]! : 0;
    const slope = Math.max(0, (lat(b2) - (b1 === 0 ? 0 : lat(b1))) / (b2 - b1));
    const lin = (b: number): number => lat(b2) + slope * (b - b2);
    const latencyMs: Record<number, number> = {};
    for (const b of bs) {
      latencyMs[b] = Math.max(lat(1), Math.min(scale, 1) * lat(b), scale * Math.min(lin(b), lat(b)));
    }
    return { ...s, latencyMs };
  });
  return { subnets, batchSizes: [...bs] };
}
