/**
 * Measures forward latency per (sub-network, batch size) on the active backend, in the mode the engine
 * serves in (cached, BN-folded sub-networks, input upload and logits download included), and writes it in
 * the authors' profile format (`models[].latency_and_batch_ns[].{batch_size, mean, std, p99}`, ns).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { cpus, totalmem } from 'node:os';
import type { EngineHost } from '../worker/engine-host.ts';

export interface ProfileOptions {
  batchSizes: number[];
  /** Timed runs per point (at least 2 are always made). */
  repeats: number;
  /** Stop repeating a point once it has used this many seconds. */
  maxSecondsPerPoint: number;
}

export const DEFAULT_PROFILE_OPTIONS: ProfileOptions = { batchSizes: [1, 2, 4, 8, 16], repeats: 5, maxSecondsPerPoint: 4 };

export interface LatencyPoint {
  batch_size: number; mean: number; std: number; p99: number; samples: number;
  /** Optional (additive): ns at evenly spaced probabilities 0, 1/(k-1), ..., 1 of the timed runs, linearly
   * interpolated between sorted samples (k = 21: min, p5, ..., p95, max); the simulator's latency noise samples it. */
  quantiles?: number[];
}

/** How many quantiles a profile point stores (p = 0, 0.05, ..., 1). */
export const PROFILE_QUANTILES = 21;
export interface ProfileModel { id: number; accuracy: number; config: unknown; latency_and_batch_ns: LatencyPoint[] }
export interface ProfileJson {
  format: 'superserve-profile';
  backend: string;
  machine: { cpu: string; cores: number; memory_gib: number; node: string; platform: string };
  checkpoint_hash: string;
  created: string;
  options: ProfileOptions;
  models: ProfileModel[];
}

export async function measureProfile(
  host: EngineHost,
  subnets: Array<{ id: number; accuracy: number; config: unknown }>,
  opts: ProfileOptions = DEFAULT_PROFILE_OPTIONS,
  onProgress: (done: number, total: number, label: string) => void = () => {},
): Promise<ProfileJson> {
  const total = subnets.length * opts.batchSizes.length;
  let done = 0;
  const models: ProfileModel[] = [];
  for (const s of subnets) {
    const config = host.config(s.id);
    const points: LatencyPoint[] = [];
    for (const b of opts.batchSizes) {
      onProgress(done, total, `subnet ${s.id} batch ${b}`);
      const x = tf.randomUniform([b, config.image_size, config.image_size, 3], -2, 2, 'float32', 7) as tf.Tensor4D;
      const data = (await x.data()) as Float32Array;
      x.dispose();
      const item = { data, height: config.image_size, width: config.image_size };
      const batch = Array.from({ length: b }, (_, i) => ({ ...item, data: data.subarray(i * item.data.length / b, (i + 1) * item.data.length / b) }));
      await host.runBatch({ jobId: -1, subnetId: s.id, items: batch }); // warm-up: operator creation
      const samples: number[] = [];
      const started = performance.now();
      while (samples.length < 2 || (samples.length < opts.repeats && performance.now() - started < opts.maxSecondsPerPoint * 1000)) {
        const t0 = process.hrtime.bigint();
        const r = await host.runBatch({ jobId: -1, subnetId: s.id, items: batch });
        if (r.error !== undefined) throw new Error(`profiling subnet ${s.id} at batch ${b} failed: ${r.error}`);
        samples.push(Number(process.hrtime.bigint() - t0));
      }
      points.push(summarise(b, samples));
      done++;
    }
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

function summarise(batch: number, ns: number[]): LatencyPoint {
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
