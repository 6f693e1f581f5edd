/**
 * SubNetAct actuation on the real (fixture) supernet: 100 mixed actuations (materialise → forward → dispose, with
 * some calibrations) leave tf.memory() unchanged, and the six Pareto sub-networks materialise with OFA's sizes.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resnet50Arch as A } from '../../../supernet/resnet50/index.ts';
import type { ResNetSubnetConfig, Supernet } from '../../../supernet/types.ts';
import { fixturesOrSkip, testIf } from '../../fixtures.ts';
import { loadFixtureSupernet } from './fixture-cases.ts';

const ACTUATIONS = 100;
const dir = fixturesOrSkip('ofa-resnet50/seed1');
const it = testIf(dir !== null);
let sn: Supernet;
let baseline = 0;

/** mulberry32: a small seeded PRNG, so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomConfig(rand: () => number): ResNetSubnetConfig {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  return {
    d: [pick([0, 2]), ...Array.from({ length: 4 }, () => pick(A.DEPTH_LIST))],
    e: Array.from({ length: A.N_BLOCKS }, () => pick(A.EXPAND_RATIO_LIST)),
    w: Array.from({ length: A.W_LENGTH }, () => pick([0, 1, 2])),
    image_size: 64 + 2 * Math.floor(rand() * 17), // 64..96, odd feature maps included (e.g. 66 -> 33 -> 17)
  };
}

if (dir !== null) {
  test.before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    baseline = tf.memory().numTensors;
    sn = loadFixtureSupernet(dir);
  });
  test.after(() => sn.dispose());
}

it(`${ACTUATIONS} mixed actuations leave tf.memory() unchanged`, () => {
  const rand = prng(7);
  const before = tf.memory();
  const seen = new Set<string>();
  for (let i = 0; i < ACTUATIONS; i++) {
    const config = randomConfig(rand);
    seen.add(sn.key(config));
    const r = config.image_size;
    const x = tf.randomNormal([1 + Number(i % 3 === 0), r, r, 3], 0, 1, 'float32', i) as tf.Tensor4D;
    if (i % 10 === 9) {
      const stats = sn.calibrate(config, [x]);
      sn.subnetNorm.set(sn.key(config), stats);
    }
    const m = sn.materialize(config);
    const y = tf.tidy(() => m.forward(x));
    const logits = y.dataSync();
    assert.ok(logits.length === x.shape[0] * 1000 && logits.every(Number.isFinite), `finite logits for ${m.key}`);
    tf.dispose([x, y]);
    m.dispose();
  }
  sn.subnetNorm.clear();
  const after = tf.memory();
  assert.is(seen.size, ACTUATIONS, 'all configs differ');
  assert.is(after.numTensors, before.numTensors, 'numTensors');
  assert.is(after.numBytes, before.numBytes, 'numBytes');
});

it('the six Pareto sub-networks materialise with OFA parameter counts and run at 224', () => {
  const url = new URL('../../../data/pareto/ofa-resnet50.json', import.meta.url);
  const { cases } = JSON.parse(readFileSync(url, 'utf8')) as { cases: Array<{ id: string; config: unknown; subnet_params: number }> };
  assert.is(cases.length, 6);
  const x = tf.randomNormal([1, 224, 224, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  let lastBytes = 0;
  for (const c of cases) {
    const m = sn.materialize(sn.validate(c.config));
    try {
      let params = 0; // OFA count_parameters: BN has γ and β where we keep one folded bias
      for (const [name, t] of m.artifacts().weights) params += t.size * (name.endsWith('.bias') && !name.startsWith('classifier') ? 2 : 1);
      assert.is(params, c.subnet_params, `${c.id} parameters`);
      assert.ok(m.bytes > lastBytes, `${c.id} is larger than the previous Pareto subnet`);
      lastBytes = m.bytes;
      const y = tf.tidy(() => m.forward(x));
      assert.ok(y.dataSync().every(Number.isFinite), `${c.id} finite logits`);
      y.dispose();
    } finally {
      m.dispose();
    }
  }
  x.dispose();
});

it('dispose() frees every supernet tensor; the supernet refuses work afterwards', () => {
  assert.ok(tf.memory().numTensors > baseline);
  sn.dispose();
  assert.is(tf.memory().numTensors, baseline);
  assert.throws(() => sn.materialize(sn.validate(randomConfig(prng(1)))), /disposed/);
});

test.run();
