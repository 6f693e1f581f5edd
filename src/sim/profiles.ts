/**
 * Resolves the `--profile` of simulate/experiment: `a40` (the authors' A40 profile shipped in data/profiles),
 * `2080ti` (the same at the §5.2 device scale 2.5), or a path to any profile.json (or a directory holding one,
 * e.g. a checkpoint measured by `superserve profile`). `--profile-scale` multiplies on top.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileFromJson, type LatencyProfile } from '../scheduler/index.ts';
import { latencyNoise, type NoiseModel } from './noise.ts';

export const A40_PROFILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../data/profiles/ofa-resnet50-a40.json');
/** §5.2 of the paper digest: fp32 peak 37 vs 13.4 TFLOPS. */
export const RTX2080TI_SCALE = 2.5;

export class ProfileLoadError extends Error {
  constructor(message: string) { super(message); this.name = 'ProfileLoadError'; }
}

/**
 * Which latency of each profiled batch to use. 'forward': the GPU forward pass only (`stages.forward`;
 * entries without stages, e.g. a CPU profile from `superserve profile`, keep their total). 'end-to-end':
 * the whole per-batch total incl. JPEG decode (≈1.15 ms per image on the A40 host CPU).
 * The default is 'forward': the paper's capacities (Fig. 5c: ≈8 k q/s on the smallest and ≈2 k on the
 * largest subnet with 8 GPUs) match the forward latencies at device scale 2-2.5 (digest §5.2), while the
 * end-to-end totals cap 8 A40s at ≈5.2 k q/s, below the paper's 6.4-7 k q/s workloads.
 */
export type LatencyPart = 'forward' | 'end-to-end';

export interface LoadedProfile {
  /** What the scheduler plans with (the `stat` statistic). */
  profile: LatencyProfile;
  /** The mean latencies (what latency noise is centred on; equals `profile` for stat 'mean'). */
  meanProfile: LatencyProfile;
  /** The profile file as used (forward-only when `part` is 'forward'): latency noise reads its spread. */
  json: unknown;
  /** Where it came from and the total device scale applied (reports state it). */
  name: string;
  path: string;
  scale: number;
  stat: 'mean' | 'p99';
  part: LatencyPart;
}

export function loadProfile(spec: string, scale = 1, stat: 'mean' | 'p99' = 'mean', part: LatencyPart = 'forward'): LoadedProfile {
  if (part !== 'forward' && part !== 'end-to-end') throw new ProfileLoadError(`latency part must be forward or end-to-end, got "${String(part)}"`);
  if (!(scale > 0)) throw new ProfileLoadError(`--profile-scale must be positive, got ${scale}`);
  let path: string; let total = scale; let name = spec;
  if (spec === 'a40') path = A40_PROFILE;
  else if (spec === '2080ti') { path = A40_PROFILE; total = scale * RTX2080TI_SCALE; }
  else {
    path = resolve(spec);
    if (!existsSync(path)) throw new ProfileLoadError(`profile ${spec} not found (use a40, 2080ti, or a path to profile.json)`);
    if (statSync(path).isDirectory()) path = join(path, 'profile.json');
    if (!existsSync(path)) throw new ProfileLoadError(`no profile.json in ${spec}`);
    name = spec;
  }
  let json: unknown;
  try { json = JSON.parse(readFileSync(path, 'utf8')); } catch (e) {
    throw new ProfileLoadError(`cannot read profile ${path}: ${(e as Error).message}`);
  }
  if (part === 'forward') json = forwardOnly(json);
  const profile = profileFromJson(json, { stat, scale: total });
  const meanProfile = stat === 'mean' ? profile : profileFromJson(json, { stat: 'mean', scale: total });
  return { profile, meanProfile, json, name, path, scale: total, stat, part };
}

/**
 * Every latency divided by `k` (a CPU profile against the paper's traces: the same experiment as traces
 * k times slower and a k times longer SLO). Unlike a device scale below 1 it keeps no batch-1 floor.
 */
export function divideLatencies(lp: LoadedProfile, k: number): LoadedProfile {
  if (!(k > 0)) throw new ProfileLoadError(`latency divisor must be positive, got ${k}`);
  const div = (p: LatencyProfile): LatencyProfile => ({
    batchSizes: [...p.batchSizes],
    subnets: p.subnets.map((s) => ({ ...s, latencyMs: Object.fromEntries(Object.entries(s.latencyMs).map(([b, v]) => [b, v / k])) })),
  });
  return { ...lp, profile: div(lp.profile), meanProfile: div(lp.meanProfile), name: `${lp.name} (latency / ${k})`, scale: lp.scale / k };
}

/** Seeded latency noise for a loaded profile ('none': undefined, i.e. durations = predictions). */
export function noiseFor(lp: LoadedProfile, noise: 'none' | 'profile', seed: number): NoiseModel | undefined {
  return noise === 'none' ? undefined : latencyNoise(lp.meanProfile, lp.json, seed);
}

/** Z for the p99 of a normal: the profile's own p99 rule is forward.mean + 2.326 * forward.std. */
const P99_Z = 2.326;

/** A copy of a profile JSON whose per-batch mean/p99 are the forward stage's (entries without one unchanged). */
export function forwardOnly(json: unknown): unknown {
  const j = json as { models?: { latency_and_batch_ns?: Record<string, unknown>[] }[] };
  if (!j || !Array.isArray(j.models)) return json;
  return {
    ...j,
    models: j.models.map((m) => ({
      ...m,
      latency_and_batch_ns: Array.isArray(m.latency_and_batch_ns) ? m.latency_and_batch_ns.map((e) => {
        const fwd = (e.stages as { forward?: { mean?: number; std?: number } } | undefined)?.forward;
        if (typeof fwd?.mean !== 'number') return e;
        return { ...e, mean: fwd.mean, std: fwd.std ?? 0, p99: fwd.mean + P99_Z * (fwd.std ?? 0) };
      }) : m.latency_and_batch_ns,
    })),
  };
}
