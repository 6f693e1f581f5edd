/**
 * No tensor leaks: 100 mixed actuations (materialize / forward / dispose, calibrate + SubnetNorm, static rebuild,
 * rejected configs) leave tf.memory() exactly where it was.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturesOrSkip, testIf } from '../../fixtures.ts';
import { createMbV3Supernet, staticSubnetFromArtifacts } from '../../../supernet/mobilenetv3/index.ts';
import type { MbV3SubnetConfig, Supernet } from '../../../supernet/types.ts';
import { readSupernetStateDict } from './fixture-data.ts';

const dir = fixturesOrSkip('ofa-mbv3/seed1');
const it = testIf(dir !== null);
let net: Supernet;

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  if (dir) net = createMbV3Supernet(1.0, readSupernetStateDict(dir), new Map());
});

test.after(() => net?.dispose());

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

it('100 mixed actuations leak no tensors and no bytes', () => {
  if (!dir) return; // narrows for TypeScript; the test is registered as skipped without fixtures
  const rnd = lcg(42);
  const pick = (a: number[]) => a[Math.floor(rnd() * a.length)]!;
  const randomConfig = (): MbV3SubnetConfig => ({
    ks: Array.from({ length: 20 }, () => pick([3, 5, 7])),
    e: Array.from({ length: 20 }, () => pick([3, 4, 6])),
    d: Array.from({ length: 5 }, () => pick([2, 3, 4])),
    image_size: pick([32, 40, 64]),
  });
  // Warm-up: the backend may allocate lazily on first use.
  const warm = net.materialize(randomConfig());
  warm.dispose();
  const before = tf.memory();
  for (let i = 0; i < 100; i++) {
    const c = randomConfig();
    const x = tf.randomNormal([1 + (i % 2), c.image_size, c.image_size, 3]) as tf.Tensor4D;
    if (i % 10 === 3) net.subnetNorm.set(net.key(c), net.calibrate(c, [x]));
    const m = net.materialize(c);
    const y = m.forward(x);
    assert.equal(y.shape, [x.shape[0], 1000]);
    assert.ok(Number.isFinite(y.dataSync()[0]!));
    y.dispose();
    if (i % 10 === 5) {
      const s = staticSubnetFromArtifacts(m.artifacts());
      m.dispose();
      s.forward(x).dispose();
      s.dispose();
    } else {
      m.dispose();
    }
    if (i % 10 === 7) assert.throws(() => net.materialize({ ...c, e: [...c.e.slice(1), 5] }));
    x.dispose();
  }
  const after = tf.memory();
  assert.is(after.numTensors, before.numTensors, 'numTensors');
  assert.is(after.numBytes, before.numBytes, 'numBytes');
  net.subnetNorm.clear();
});

it('dispose() frees every supernet tensor', () => {
  if (!dir) return; // narrows for TypeScript; the test is registered as skipped without fixtures
  const before = tf.memory().numTensors;
  const other = createMbV3Supernet(1.0, readSupernetStateDict(dir), new Map());
  assert.ok(tf.memory().numTensors > before);
  other.dispose();
  assert.is(tf.memory().numTensors, before);
  assert.throws(() => other.materialize({ ks: Array(20).fill(3), e: Array(20).fill(3), d: Array(5).fill(2), image_size: 64 }), /disposed/);
});

test.run();
