/** Profile plans per backend class and mode, and the interpolation of the batch sizes a quick profile skips. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { interpolatePoints } from '../../src/profiler/interpolate.ts';
import { profileOptionsFor } from '../../src/profiler/plan.ts';

test('quick on CPU: batch 1 and 8 timed (the first call at 8 counts), table 1-8, nothing warmed beyond', () => {
  const o = profileOptionsFor('wasm', { mode: 'quick' });
  assert.equal(o.batchSizes, [1, 8]);
  assert.equal(o.tableBatches, [1, 2, 4, 8]);
  assert.is(o.warmAll, false);
  assert.is(o.firstCallIsSample, true);
});

test('quick on GPU: 1, 8, 32 timed, every shape of 1-32 warmed (shader compilation), first calls never samples', () => {
  const o = profileOptionsFor('webgpu', { mode: 'quick' });
  assert.equal(o.batchSizes, [1, 8, 32]);
  assert.equal(o.tableBatches, [1, 2, 4, 8, 16, 32]);
  assert.is(o.warmAll, true);
  assert.is(o.firstCallIsSample, false);
});

test('full mode and explicit batch sizes time every size; batch 1 is always there', () => {
  assert.equal(profileOptionsFor('wasm', { mode: 'full' }).batchSizes, [1, 2, 4, 8]);
  const o = profileOptionsFor('wasm', { mode: 'quick', batchSizes: [4, 2], repeats: 3 });
  assert.equal(o.batchSizes, [1, 2, 4]);
  assert.equal(o.tableBatches, [1, 2, 4]);
  assert.is(o.repeats, 3);
  assert.is(o.firstCallIsSample, false);
});

const pt = (b: number, ms: number) => ({ batch_size: b, mean: ms * 1e6, std: ms * 1e4, p99: ms * 1.1e6, samples: 2, source: 'measured' as const });

test('interpolation: linear between timed neighbours, along the last segment beyond, flagged', () => {
  const out = interpolatePoints([pt(1, 10), pt(8, 45)], [1, 2, 4, 8, 16]);
  assert.equal(out.map((p) => p.batch_size), [1, 2, 4, 8, 16]);
  assert.equal(out.map((p) => Math.round(p.mean / 1e6)), [10, 15, 25, 45, 85]);
  assert.equal(out.map((p) => p.source), ['measured', 'interpolated', 'interpolated', 'measured', 'interpolated']);
  assert.is(out[1]!.samples, 0);
  // never below a smaller timed batch (a noisy larger point cannot pull the line under it)
  const flat = interpolatePoints([pt(1, 50), pt(8, 20)], [1, 4, 8]);
  assert.ok(flat[1]!.mean >= 50e6);
});

test.run();
