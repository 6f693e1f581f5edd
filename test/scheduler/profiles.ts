/**
 * Hand-made latency profiles for the scheduler tests (values chosen so every decision can be
 * computed by hand; see the comments in each test).
 * @module
 */
import type { LatencyProfile } from '../../src/scheduler/index.ts';

/**
 * Three subnets, batches 1/2/4/8, ms. Interpolated ('all' grid): A 10,12,14,...,24 (2/img),
 * B 14,18,...,42 (4/img), C 20,28,36,44,52,...,76 (8/img above b=1).
 */
export function tinyProfile(unit = 1): LatencyProfile {
  const l = (v: number): number => v * unit;
  return {
    batchSizes: [1, 2, 4, 8],
    subnets: [
      { id: 0, accuracy: 70, latencyMs: { 1: l(10), 2: l(12), 4: l(16), 8: l(24) } },
      { id: 1, accuracy: 75, latencyMs: { 1: l(14), 2: l(18), 4: l(26), 8: l(42) } },
      { id: 2, accuracy: 80, latencyMs: { 1: l(20), 2: l(28), 4: l(44), 8: l(76) } },
    ],
  };
}

/** A CPU-like profile: latency linear in batch (batching does not raise throughput). */
export function cpuProfile(): LatencyProfile {
  const perImage = [58, 120, 200, 396];
  const acc = [73.8, 76.7, 78.3, 80.2];
  const batchSizes = [1, 2, 4, 8, 16];
  return {
    batchSizes,
    subnets: perImage.map((t, id) => ({
      id, accuracy: acc[id]!, latencyMs: Object.fromEntries(batchSizes.map((b) => [b, b * t])),
    })),
  };
}
