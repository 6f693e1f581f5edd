/**
 * Measures forward latency per (sub-network, batch size) on the active backend, in the mode the engine
 * serves in (cached, BN-folded sub-networks, input upload and logits download included), and writes it in
 * the authors' profile format (`models[].latency_and_batch_ns[].{batch_size, mean, std, p99}`, ns).
 *
 * Two modes. `full` (the `profile` command) times every batch size of the table several times. `quick`
 * (what `serve` does on a first start, to be ready in under a minute) times a few batch sizes once or twice
 * and interpolates the rest; serving then refines the profile from measured batch times (refiner.ts).
 * Every point records its first-call cost (`first_ms`: operator creation on WASM, shader compilation on
 * WebGPU); on GPU backends every table shape is run before the profile is returned, so the worker is warm.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { cpus, totalmem } from 'node:os';
import type { EngineHost } from '../worker/engine-host.ts';
import { interpolatePoints } from './interpolate.ts';
import { profileOptionsFor, type ProfileOptions, type ProfileRequest } from './plan.ts';

export type { ProfileOptions, ProfileRequest } from './plan.ts';
export { DEFAULT_PROFILE_OPTIONS, profileOptionsFor } from './plan.ts';

export interface LatencyPoint {
  batch_size: number;
  mean: number;
  std: number;
  p99: number;
  samples: number;
  /** First call of this shape, ms (compile / operator creation included). */
  first_ms?: number;
  /** measured: timed here; interpolated: from its measured neighbours; served: refined from served batches. */
  source?: 'measured' | 'interpolated' | 'served';
  /** Optional (additive): ns at evenly spaced probabilities 0, 1/(k-1), ..., 1 of the timed runs, linearly
   * interpolated between sorted samples (k = 21: min, p5, ..., p95, max); the simulator's latency noise samples it.
   * Interpolated and refined points carry their source point's, scaled to their mean. */
  quantiles?: number[];
}

/** How many quantiles a profile point stores (p = 0, 0.05, ..., 1). */
export const PROFILE_QUANTILES = 21;
export interface ProfileModel { id: number; accuracy: number; config: unknown; latency_and_batch_ns: LatencyPoint[] }

/** What a profile is valid for: a profile measured under one key never drives another. */
export interface ProfileKey {
  /** The engine that ran the Pareto sub-networks; absent: tfjs. */
  engine?: string;
  backend: string;
  /** The WebGPU adapter, one line (vendor, architecture, device, description, route). */
  adapter?: string;
  wasm_threads?: number;
  /** Local worker threads sharing the machine while it is served. */
  workers: number;
}

export interface ProfileJson {
  format: 'superserve-profile';
  backend: string;
  key?: ProfileKey;
  machine: { cpu: string; cores: number; memory_gib: number; node: string; platform: string };
  checkpoint_hash: string;
  created: string;
  options: ProfileOptions;
  models: ProfileModel[];
  /** Set once serving has refined the measured profile. */
  refined?: { batches: number; updated: string };
}

export async function measureProfile(
  host: EngineHost,
  subnets: Array<{ id: number; accuracy: number; config: unknown }>,
  request: ProfileRequest = { mode: 'full' },
  onProgress: (done: number, total: number, label: string) => void = () => {},
): Promise<ProfileJson> {
  const opts = profileOptionsFor(host.info.backend, request);
  const warmOnly = opts.tableBatches.filter((b) => !opts.batchSizes.includes(b) && opts.warmAll);
  const total = subnets.length * (opts.batchSizes.length + warmOnly.length);
  let done = 0;
  const models: ProfileModel[] = [];
  for (const s of subnets) {
    const config = host.config(s.id);
    const measured: LatencyPoint[] = [];
    for (const b of opts.batchSizes) {
      onProgress(done, total, `subnet ${s.id} batch ${b}`);
      const batch = await randomBatch(b, config.image_size);
      const subnetRan = [...host.firstCalls.keys()].some((k) => k.startsWith(`${s.id}x`));
      const firstNs = await timed(host, s.id, batch); // operator creation / shader compilation
      if (!host.firstCalls.has(`${s.id}x${b}`)) host.firstCalls.set(`${s.id}x${b}`, firstNs / 1e6);
      const samples: number[] = opts.firstCallIsSample && subnetRan ? [firstNs] : [];
      const started = performance.now();
      while (samples.length < opts.repeats && (samples.length === 0 || performance.now() - started < opts.maxSecondsPerPoint * 1000)) {
        samples.push(await timed(host, s.id, batch));
      }
      measured.push({ ...summarise(b, samples), first_ms: host.firstCalls.get(`${s.id}x${b}`)!, source: 'measured' });
      done++;
    }
    for (const b of warmOnly) {
      onProgress(done, total, `subnet ${s.id} batch ${b} (warm-up)`);
      await host.firstCall(s.id, b);
      done++;
    }
    const points = interpolatePoints(measured, opts.tableBatches).map((p) => {
      const first = host.firstCalls.get(`${s.id}x${p.batch_size}`);
      return first === undefined || p.first_ms !== undefined ? p : { ...p, first_ms: first };
    });
    models.push({ id: s.id, accuracy: s.accuracy, config: s.config, latency_and_batch_ns: points });
  }
  onProgress(done, total, 'done');
  const cpu = cpus();
  return {
    format: 'superserve-profile',
    backend: host.info.backend,
    machine: {
      cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memory_gib: Math.round(totalmem() / 2 ** 30),
      node: process.version, platform: `${process.platform}-${process.arch}`,
    },
    checkpoint_hash: host.info.checkpointHash,
    created: new Date().toISOString(),
    options: opts,
    models,
  };
}

async function randomBatch(b: number, size: number): Promise<Array<{ data: Float32Array; height: number; width: number }>> {
  const x = tf.randomUniform([b, size, size, 3], -2, 2, 'float32', 7);
  const data = (await x.data()) as Float32Array;
  x.dispose();
  const per = size * size * 3;
  return Array.from({ length: b }, (_, i) => ({ data: data.subarray(i * per, (i + 1) * per), height: size, width: size }));
}

/** ns of one batch, end to end in the worker (as served). */
async function timed(host: EngineHost, subnetId: number, items: Array<{ data: Float32Array; height: number; width: number }>): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await host.runBatch({ jobId: -1, subnetId, items });
  if (r.error !== undefined) throw new Error(`profiling subnet ${subnetId} at batch ${items.length} failed: ${r.error}`);
  return Number(process.hrtime.bigint() - t0);
}

export function summarise(batch: number, ns: number[]): LatencyPoint {
  const mean = ns.reduce((a, b) => a + b, 0) / ns.length;
  const std = Math.sqrt(ns.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, ns.length - 1));
  const sorted = [...ns].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
  const quantiles = Array.from({ length: PROFILE_QUANTILES }, (_, i) => {
    const x = (i / (PROFILE_QUANTILES - 1)) * (sorted.length - 1);
    const lo = Math.floor(x);
    return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (x - lo);
  });
  return { batch_size: batch, mean, std, p99, samples: ns.length, quantiles };
}
