import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeProfile, profileFromJson, ProfileError, ProfileTable, scaleProfile } from '../../src/scheduler/index.ts';
import { cpuProfile, tinyProfile } from './profiles.ts';

const authorsJson = JSON.parse(readFileSync(new URL('../../data/profiles/ofa-resnet50-a40.json', import.meta.url), 'utf8'));

const model = (id: number, accuracy: number, ns: Record<number, number>) => ({
  id, accuracy, config: { tag: id },
  latency_and_batch_ns: Object.entries(ns).map(([b, v]) => ({ batch_size: Number(b), mean: v, std: 1, p99: 2 * v })),
});

test("reads the authors' A40 profile: ns -> ms, sorted, config kept", () => {
  const p = profileFromJson(authorsJson);
  assert.equal(p.batchSizes, [1, 2, 4, 8, 16, 32]);
  assert.equal(p.subnets.map((s) => s.id), [0, 1, 2, 3, 4, 5]);
  assert.ok(Math.abs(p.subnets[0]!.latencyMs[1]! - 5.10920855) < 1e-9);
  assert.is(p.subnets[5]!.accuracy, 80.158);
  assert.ok((p.subnets[0]!.config as { depth_values: number[] }).depth_values.length === 5);
  const p99 = profileFromJson(authorsJson, { stat: 'p99' });
  assert.ok(p99.subnets[0]!.latencyMs[1]! > p.subnets[0]!.latencyMs[1]!);
});

test('non-monotone latencies are fixed with a running max over batch size', () => {
  const p = profileFromJson({ models: [model(0, 70, { 1: 4e6, 2: 5e6, 4: 3e6, 8: 9e6 })] });
  assert.equal(p.subnets[0]!.latencyMs, { 1: 4, 2: 5, 4: 5, 8: 9 });
  // ...and the dense table interpolates monotonically between the fixed points
  const t = new ProfileTable(p);
  assert.equal([1, 2, 3, 4, 5, 6, 7, 8].map((b) => t.latency(0, b)), [4, 5, 5, 5, 6, 7, 8, 9]);
});

test('subnets are sorted by accuracy; cross-subnet non-monotonicity is kept', () => {
  const p = profileFromJson({ models: [model(7, 80, { 1: 2e6 }), model(3, 70, { 1: 5e6 })] });
  assert.equal(p.subnets.map((s) => [s.id, s.latencyMs[1]]), [[3, 5], [7, 2]]);
});

test('scale 1 is the identity; scale S < 1 floors at batch 1', () => {
  const p = normalizeProfile(tinyProfile());
  assert.equal(scaleProfile(p, 1), p);
  const half = scaleProfile(p, 0.5).subnets[0]!.latencyMs;
  assert.equal(half, { 1: 10, 2: 10, 4: 10, 8: 12 });
});

test('scale on a linear (CPU-like) profile multiplies every latency', () => {
  const p = normalizeProfile(cpuProfile());
  const s = scaleProfile(p, 2);
  p.subnets.forEach((sub, i) => p.batchSizes.forEach((b) => assert.is(s.subnets[i]!.latencyMs[b], 2 * sub.latencyMs[b]!)));
});

test('scale on an overhead-bound (GPU-like) profile scales the compute part only (paper digest §5.2)', () => {
  // l(b) = max(4, 1 + 0.5 b): launch-bound up to b = 6. Line through b = 16, 32: c0 = 1, t = 0.5.
  const lat = { 1: 4, 2: 4, 4: 4, 8: 5, 16: 9, 32: 17 };
  const p = normalizeProfile({ batchSizes: [1, 2, 4, 8, 16, 32], subnets: [{ id: 0, accuracy: 1, latencyMs: lat }] });
  const s = scaleProfile(p, 2.5).subnets[0]!.latencyMs;
  // §5.2: max(l(1), S (c0 + b t)): b1 max(4, 3.75) = 4; b2 max(4, 5) = 5; b4 7.5; b8 12.5; b16 22.5; b32 42.5
  assert.equal(s, { 1: 4, 2: 5, 4: 7.5, 8: 12.5, 16: 22.5, 32: 42.5 });
  assert.equal(profileFromJson({ models: [model(0, 1, Object.fromEntries(Object.entries(lat).map(([b, v]) => [b, v * 1e6])))] }, { scale: 2.5 }).subnets[0]!.latencyMs, s);
});

test('bad input gets a ProfileError naming the problem', () => {
  const bad: [unknown, RegExp][] = [
    [null, /"models" array/],
    [{ models: [] }, /at least one subnet/],
    [{ models: [{ id: 0, accuracy: 1, latency_and_batch_ns: [] }] }, /latency_and_batch_ns must be a non-empty/],
    [{ models: [{ id: 'x', accuracy: 1 }] }, /models\[0\]\.id/],
    [{ models: [model(0, 1, { 2: 5e6 })] }, /batch size 1 must be profiled/],
    [{ models: [model(0, 1, { 1: -1 })] }, /mean must be a positive number/],
    [{ models: [model(0, 1, { 1: 1e6 }), model(0, 2, { 1: 1e6 })] }, /id 0 appears twice/],
    [{ models: [model(0, 1, { 1: 1e6, 2: 2e6 }), model(1, 2, { 1: 1e6 })] }, /latency at batch 2/],
  ];
  for (const [json, re] of bad) assert.throws(() => profileFromJson(json), (e: unknown) => e instanceof ProfileError && re.test(e.message));
  assert.throws(() => profileFromJson(authorsJson, { scale: 0 }), /scale must be a positive number/);
  assert.throws(() => profileFromJson(authorsJson, { stat: 'p50' as 'mean' }), /stat must be/);
});

test.run();
