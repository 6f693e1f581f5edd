/** Test helper: a small ProfileJson with given mean latencies (ms) per sub-network and batch size. @module */
import type { ProfileJson } from '../../src/profiler/measure.ts';
import { DEFAULT_PROFILE_OPTIONS } from '../../src/profiler/measure.ts';

export function profileJson(ms: Record<number, Record<number, number>>): ProfileJson {
  return {
    format: 'superserve-profile', backend: 'wasm', key: { backend: 'wasm', wasm_threads: 2, workers: 1 },
    machine: { cpu: 'test', cores: 2, memory_gib: 1, node: process.version, platform: 'test' },
    checkpoint_hash: 'abc', created: '2026-01-01T00:00:00.000Z', options: DEFAULT_PROFILE_OPTIONS,
    models: Object.entries(ms).map(([id, lat]) => ({
      id: Number(id), accuracy: 70 + Number(id), config: {},
      latency_and_batch_ns: Object.entries(lat).map(([b, v]) => ({ batch_size: Number(b), mean: v * 1e6, std: 0, p99: v * 1e6, samples: 2 })),
    })),
  };
}

export const msAt = (p: ProfileJson, id: number, b: number): number =>
  p.models.find((m) => m.id === id)!.latency_and_batch_ns.find((x) => x.batch_size === b)!.mean / 1e6;
