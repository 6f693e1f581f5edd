/**
 * Shared tf helpers: OFA's make_divisible, h_swish / h_sigmoid, PyTorch-style symmetric padding, BN folding.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  batchNormWith, conv2dTorch, convOihwToHwio, depthwiseConv2dTorch, depthwiseOihwToHwc1, foldBn, hsigmoid, hswish,
  linearToInOut, makeDivisible, WeightLayoutError,
} from '../../../supernet/ops/index.ts';

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

test('makeDivisible matches OFA (python values)', () => {
  // (v, expected) computed with ofa.utils.make_divisible(v, 8)
  const cases: Array<[number, number]> = [[16, 16], [19.2, 24], [28.8, 32], [48, 48], [134.4, 136], [192, 192],
    [1152, 1152], [1536, 1536], [3, 8], [12, 16], [20, 24], [36, 40], [60, 64], [84, 88], [13, 16], [30, 32], [100, 104]];
  for (const [v, want] of cases) assert.is(makeDivisible(v), want, `make_divisible(${v})`);
});

test('h_swish / h_sigmoid values', () => {
  const x = tf.tensor1d([-4, -3, -1.5, 0, 1, 3, 5]);
  assert.ok(maxDiff(hswish(x), tf.tensor1d([0, 0, -0.375, 0, 4 / 6, 3, 5])) < 1e-7);
  assert.ok(maxDiff(hsigmoid(x), tf.tensor1d([0, 0, 0.25, 0.5, 4 / 6, 1, 1])) < 1e-7);
});

test('stride-2 convs pad k//2 on every side (PyTorch), not TF "same"', () => {
  tf.tidy(() => {
    for (const [h, k] of [[8, 3], [8, 5], [10, 7], [9, 7]]) {
      const x = tf.randomNormal([1, h!, h!, 2]) as tf.Tensor4D;
      const w = tf.randomNormal([k!, k!, 2, 3]) as tf.Tensor4D;
      const dw = tf.randomNormal([k!, k!, 2, 1]) as tf.Tensor4D;
      const p = Math.floor(k! / 2);
      const padded = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
      const y = conv2dTorch(x, w, { stride: 2 });
      assert.equal(y.shape, [1, Math.ceil(h! / 2), Math.ceil(h! / 2), 3]);
      assert.ok(maxDiff(y, tf.conv2d(padded, w, 2, 'valid')) < 1e-5);
      assert.ok(maxDiff(depthwiseConv2dTorch(x, dw, { stride: 2 }), tf.depthwiseConv2d(padded, dw, 2, 'valid')) < 1e-5);
      if (h! % 2 === 0) assert.ok(maxDiff(y, tf.conv2d(x, w, 2, 'same')) > 1e-3, 'TF same would differ here');
    }
  });
});

test('folded BN equals conv followed by eval BN; relu and h_swish applied', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([2, 6, 6, 4]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 5]) as tf.Tensor4D;
    const bn = {
      gamma: tf.randomUniform([5], 0.5, 1.5) as tf.Tensor1D, beta: tf.randomNormal([5]) as tf.Tensor1D,
      mean: tf.randomNormal([5]) as tf.Tensor1D, variance: tf.randomUniform([5], 0.5, 2) as tf.Tensor1D,
    };
    const ref = batchNormWith(conv2dTorch(x, w, { stride: 1 }), bn);
    const f = foldBn(w, bn, false);
    assert.ok(maxDiff(conv2dTorch(x, f.kernel, { stride: 1, bias: f.bias }), ref) < 1e-4);
    assert.ok(maxDiff(conv2dTorch(x, f.kernel, { stride: 1, bias: f.bias, activation: 'relu' }), tf.relu(ref)) < 1e-4);
    assert.ok(maxDiff(conv2dTorch(x, f.kernel, { stride: 1, bias: f.bias, activation: 'h_swish' }), hswish(ref)) < 1e-4);
    const dw = tf.randomNormal([3, 3, 5, 1]) as tf.Tensor4D;
    const y5 = tf.randomNormal([2, 6, 6, 5]) as tf.Tensor4D;
    const fd = foldBn(dw, bn, true);
    const refDw = batchNormWith(depthwiseConv2dTorch(y5, dw, { stride: 1 }), bn);
    assert.ok(maxDiff(depthwiseConv2dTorch(y5, fd.kernel, { stride: 1, bias: fd.bias }), refDw) < 1e-4);
  });
});

test('PyTorch -> tf layouts', () => {
  tf.tidy(() => {
    // (O=2, I=1, 1, 2): w[o][0][0][x] = 10*o + x
    const raw = { shape: [2, 1, 1, 2], dtype: 'float32' as const, data: new Float32Array([0, 1, 10, 11]) };
    assert.equal(convOihwToHwio('c', raw).arraySync(), [[[[0, 10]], [[1, 11]]]]);
    assert.equal(depthwiseOihwToHwc1('d', raw).arraySync(), [[[[0], [10]], [[1], [11]]]]);
    const lin = { shape: [2, 3], dtype: 'float32' as const, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    assert.equal(linearToInOut('l', lin).arraySync(), [[1, 4], [2, 5], [3, 6]]);
    assert.throws(() => convOihwToHwio('bad', { shape: [2, 3], dtype: 'float32', data: new Float32Array(6) }), (e: unknown) => e instanceof WeightLayoutError && /bad/.test((e as Error).message));
    assert.throws(() => linearToInOut('short', { shape: [2, 3], dtype: 'float32', data: new Float32Array(5) }), (e: unknown) => e instanceof WeightLayoutError);
  });
});

test.run();
