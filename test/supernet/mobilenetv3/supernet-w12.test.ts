/**
 * The w1.2 supernet (no reference fixture): built from a deterministic state_dict that follows the checkpoint spec
 * (supernet/checkpoint/spec-mbv3.ts), it loads, actuates min and max subnets with the w1.2 widths, and frees everything.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mbv3StateDictSpec } from '../../../supernet/checkpoint/spec-mbv3.ts';
import { createMbV3Supernet, type MbV3Topology } from '../../../supernet/mobilenetv3/index.ts';
import type { StateDict } from '../../../supernet/types.ts';

function deterministicStateDict(width: 1.0 | 1.2): StateDict {
  const sd: StateDict = new Map();
  let k = 0;
  for (const s of mbv3StateDictSpec(width)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.dtype === 'int64') {
      sd.set(s.name, { shape: s.shape, dtype: 'int64', data: new BigInt64Array(n) });
      continue;
    }
    const data = new Float32Array(n);
    const isVar = s.name.endsWith('running_var');
    const fanIn = s.shape.length === 4 ? s.shape[1]! * s.shape[2]! * s.shape[3]! : (s.shape[1] ?? 1);
    for (let i = 0; i < n; i++) {
      const v = Math.sin(++k * 12.9898) * 43758.5453;
      const u = v - Math.floor(v) - 0.5;
      data[i] = isVar ? 1 + Math.abs(u) : s.name.endsWith('bn.weight') ? 1 + 0.2 * u : u * 2 / Math.sqrt(fanIn);
    }
    sd.set(s.name, { shape: s.shape, dtype: 'float32', data });
  }
  return sd;
}

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

test('w1.2: min and max subnets run with the w1.2 widths; dispose frees all', () => {
  const before = tf.memory().numTensors;
  const net = createMbV3Supernet(1.2, deterministicStateDict(1.2), new Map());
  assert.is(net.arch, 'ofa-mbv3-w1.2');
  const x = tf.randomNormal([2, 64, 64, 3]) as tf.Tensor4D;
  for (const v of [{ ks: 3, e: 3, d: 2 }, { ks: 7, e: 6, d: 4 }]) {
    const c = { ks: Array(20).fill(v.ks), e: Array(20).fill(v.e), d: Array(5).fill(v.d), image_size: 64 };
    const m = net.materialize(c);
    assert.ok(m.key.startsWith('mbv3-w1.2:'));
    const t = m.artifacts().topology as MbV3Topology;
    assert.is(t.blocks.length, 1 + 5 * v.d);
    assert.equal([t.first_conv.out_channels, t.final_expand_layer.out_channels, t.feature_mix_layer.out_features], [24, 1152, 1536]);
    const last = t.blocks[t.blocks.length - 1]!;
    assert.equal([last.out_channels, last.mid_channels, last.se?.reduced_channels], [192, v.e === 6 ? 1152 : 576, v.e === 6 ? 288 : 144]);
    const y = m.forward(x);
    assert.equal(y.shape, [2, 1000]);
    assert.ok(Array.from(y.dataSync()).every(Number.isFinite));
    y.dispose();
    m.dispose();
  }
  x.dispose();
  net.dispose();
  assert.is(tf.memory().numTensors, before);
});

test.run();
