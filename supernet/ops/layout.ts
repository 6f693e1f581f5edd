/**
 * PyTorch -> TF.js weight layouts: OIHW conv -> HWIO, depthwise (C,1,k,k) -> [k,k,C,1], linear (out,in) -> [in,out].
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RawTensor } from '../types.ts';

export class WeightLayoutError extends Error {
  override name = 'WeightLayoutError';
}

function floatData(name: string, raw: RawTensor): Float32Array {
  if (raw.dtype !== 'float32' || !(raw.data instanceof Float32Array)) {
    throw new WeightLayoutError(`${name}: expected float32 data, got ${raw.dtype}`);
  }
  const n = raw.shape.reduce((a, b) => a * b, 1);
  if (raw.data.length !== n) {
    throw new WeightLayoutError(`${name}: ${raw.data.length} values for shape [${raw.shape.join(',')}] (${n} expected)`);
  }
  return raw.data;
}

function expectRank(name: string, raw: RawTensor, rank: number): void {
  if (raw.shape.length !== rank) {
    throw new WeightLayoutError(`${name}: expected a rank-${rank} tensor, got shape [${raw.shape.join(',')}]`);
  }
}

/** Any float tensor with its own shape (BN vectors, biases, kernel-transform matrices). */
export function rawToTensor(name: string, raw: RawTensor): tf.Tensor {
  return tf.tensor(floatData(name, raw), raw.shape, 'float32');
}

/** Conv weight (O, I, kh, kw) -> [kh, kw, I, O]. */
export function convOihwToHwio(name: string, raw: RawTensor): tf.Tensor4D {
  expectRank(name, raw, 4);
  return tf.tidy(() => tf.transpose(tf.tensor4d(floatData(name, raw), raw.shape as [number, number, number, number]), [2, 3, 1, 0]));
}

/** Depthwise weight (C, 1, kh, kw) -> [kh, kw, C, 1]. */
export function depthwiseOihwToHwc1(name: string, raw: RawTensor): tf.Tensor4D {
  expectRank(name, raw, 4);
  if (raw.shape[1] !== 1) throw new WeightLayoutError(`${name}: depthwise weight must be (C,1,k,k), got [${raw.shape.join(',')}]`);
  return tf.tidy(() => tf.transpose(tf.tensor4d(floatData(name, raw), raw.shape as [number, number, number, number]), [2, 3, 0, 1]));
}

/** Linear weight (out, in) -> [in, out], so that `y = x @ W`. 1x1 conv weights (O, I, 1, 1) are accepted too. */
export function linearToInOut(name: string, raw: RawTensor): tf.Tensor2D {
  const [o, i, ...rest] = raw.shape;
  if (o === undefined || i === undefined || rest.some((d) => d !== 1)) {
    throw new WeightLayoutError(`${name}: expected (out, in) or (out, in, 1, 1), got [${raw.shape.join(',')}]`);
  }
  return tf.tidy(() => tf.transpose(tf.tensor2d(floatData(name, raw), [o, i])));
}
