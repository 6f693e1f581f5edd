/**
 * The memory-lean paths of the OFA-ResNet50 supernet (random weights, small resolution): streamed actuation
 * (forwardOnce) gives the materialised sub-network's logits bit for bit, with and without SubnetNorm statistics;
 * layers used whole share the supernet's storage (the largest sub-network adds almost nothing); the size estimate
 * equals what materialising costs; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSupernet, paretoSet } from '../../../supernet/archs.ts';
import { selectBackend } from '../../../supernet/backend.ts';
import { randomStateDict } from '../../../supernet/checkpoint/random-init.ts';
import type { SubnetConfig, Supernet } from '../../../supernet/types.ts';

let sn: Supernet;
let configs: SubnetConfig[];

test.before(async () => {
  await selectBackend('wasm');
  sn = createSupernet('ofa-resnet50', randomStateDict('ofa-resnet50', 5), new Map());
  configs = paretoSet('ofa-resnet50').map((p) => sn.validate({ ...p.config, image_size: 64 }));
});
test.after(() => sn.dispose());

const input = (b: number): tf.Tensor4D => tf.randomUniform([b, 64, 64, 3], -1, 1, 'float32', 9) as tf.Tensor4D;

async function bothWays(c: SubnetConfig, x: tf.Tensor4D): Promise<[Float32Array, Float32Array]> {
  const m = sn.materialize(c);
  const a = tf.tidy(() => m.forward(x));
  const b = sn.forwardOnce!(c, x);
  const out = [(await a.data()) as Float32Array, (await b.data()) as Float32Array] as [Float32Array, Float32Array];
  tf.dispose([a, b]);
  m.dispose();
  return out;
}

test('streamed actuation gives the materialised logits bit for bit (every Pareto sub-network)', async () => {
  const x = input(2);
  for (const c of configs) {
    const [a, b] = await bothWays(c, x);
    assert.ok(a.every(Number.isFinite));
    assert.equal(Array.from(b), Array.from(a), sn.key(c));
  }
  x.dispose();
});

test('with SubnetNorm statistics too (rescaled from the pre-folded weights)', async () => {
  const c = configs[2]!;
  const x = input(2);
  const [plain] = await bothWays(c, x);
  sn.subnetNorm.set(sn.key(c), sn.calibrate(c, [x]));
  try {
    const [a, b] = await bothWays(c, x);
    assert.equal(Array.from(b), Array.from(a));
    assert.ok(a.some((v, i) => v !== plain[i]), 'the statistics change the logits');
  } finally {
    sn.subnetNorm.clear();
    x.dispose();
  }
});

test('layers used whole share the supernet storage; the estimate is what materialising costs', () => {
  for (const c of configs) {
    const m = sn.materialize(c);
    try {
      assert.is(sn.materializedBytes!(c), m.ownBytes);
      assert.ok(m.ownBytes! <= m.bytes);
    } finally {
      m.dispose();
    }
  }
  const largest = sn.materialize(configs.at(-1)!);
  try {
    assert.ok(largest.ownBytes! < 0.01 * largest.bytes, `largest adds ${largest.ownBytes} of ${largest.bytes} bytes`);
  } finally {
    largest.dispose();
  }
});

test('streamed actuation leaks nothing and leaves the supernet intact', async () => {
  const x = input(1);
  const before = tf.memory();
  for (let i = 0; i < 12; i++) {
    const y = sn.forwardOnce!(configs[i % configs.length]!, x);
    await y.data();
    y.dispose();
  }
  const after = tf.memory();
  assert.is(after.numTensors, before.numTensors);
  assert.is(after.numBytes, before.numBytes);
  const [a, b] = await bothWays(configs.at(-1)!, x);
  assert.equal(Array.from(b), Array.from(a));
  x.dispose();
});

test.run();
