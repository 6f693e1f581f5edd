/**
 * SubnetEngine on a real (random-weight) OFA-MobileNetV3: the cached and slice-per-batch paths give identical
 * logits, the cache holds what it serves, nothing leaks, and `run` is safe inside a caller's tf.tidy.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import { createSupernet, paretoSet } from '../../supernet/archs.ts';
import { selectBackend } from '../../supernet/backend.ts';
import { randomStateDict } from '../../supernet/checkpoint/random-init.ts';
import { SubnetEngine } from '../../supernet/engine.ts';
import type { SubnetConfig } from '../../supernet/types.ts';

let engine: SubnetEngine;
let configs: SubnetConfig[];

test.before(async () => {
  await selectBackend('wasm');
  const supernet = createSupernet('ofa-mbv3-w1.0', randomStateDict('ofa-mbv3-w1.0', 11), new Map());
  engine = new SubnetEngine(supernet, { cacheBudgetMiB: 256 }); // resident bytes: 3x the weights on wasm
  configs = paretoSet('ofa-mbv3-w1.0').slice(0, 3).map((p) => supernet.validate({ ...p.config, image_size: 64 }));
});

test.after(() => engine.dispose());

const input = (c: SubnetConfig, b = 2): tf.Tensor4D => tf.randomUniform([b, c.image_size, c.image_size, 3], -1, 1, 'float32', 3) as tf.Tensor4D;

test('cached and uncached actuation give identical logits', async () => {
  for (const c of configs) {
    const x = input(c);
    const a = engine.run(x, c);        // materialises and caches
    const b = engine.run(x, c);        // from the cache
    const u = engine.runUncached(x, c);
    const [da, db, du] = await Promise.all([a.data(), b.data(), u.data()]);
    assert.equal(Array.from(db), Array.from(da));
    assert.equal(Array.from(du), Array.from(da));
    assert.ok(da.every(Number.isFinite));
    tf.dispose([x, a, b, u]);
  }
  assert.is(engine.cache.size, configs.length);
  assert.ok(engine.cache.hits >= configs.length);
});

test('different sub-networks give different logits', async () => {
  const x = input(configs[0]!);
  const ys = configs.map((c) => engine.run(x, c));
  const d = await Promise.all(ys.map((y) => y.data()));
  assert.ok(d[0]!.some((v, i) => v !== d[2]![i]));
  tf.dispose([x, ...ys]);
});

test('run inside a caller tf.tidy keeps the cached weights alive, and mixed actuations leak nothing', async () => {
  const fresh = { ...configs[0]!, image_size: 72 } as SubnetConfig; // not cached yet
  const first = tf.tidy(() => engine.run(input(fresh, 1), fresh));
  first.dispose();
  const again = tf.tidy(() => engine.run(input(fresh, 1), fresh)); // would throw on disposed weights
  assert.ok((await again.data()).every(Number.isFinite));
  again.dispose();
  const before = tf.memory();
  for (let i = 0; i < 30; i++) {
    const c = configs[i % configs.length]!;
    const y = tf.tidy(() => (i % 2 === 0 ? engine.run(input(c, 1), c) : engine.runUncached(input(c, 1), c)));
    await y.data();
    y.dispose();
  }
  const after = tf.memory();
  assert.is(after.numTensors, before.numTensors);
  assert.is(after.numBytes, before.numBytes);
});

test.run();
