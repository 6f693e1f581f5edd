/**
 * Convolutions with PyTorch's padding: `k // 2` zeros on every side (never TF's asymmetric 'same'), NHWC,
 * bias and relu fused where the activation allows it.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyActivation, type Activation } from './activations.ts';

export interface TorchConvOptions {
  stride: number;
  bias?: tf.Tensor1D;
  activation?: Activation;
}

function kernelSize(filter: tf.Tensor4D): number {
  const [kh, kw] = filter.shape;
  if (kh !== kw || kh % 2 !== 1) throw new Error(`conv kernel must be square and odd, got ${kh}x${kw}`);
  return kh;
}

/** Regular conv, filter HWIO. */
export function conv2dTorch(x: tf.Tensor4D, filter: tf.Tensor4D, o: TorchConvOptions): tf.Tensor4D {
  return fusedTorch(tf.fused.conv2d, x, filter, o);
}

/** Depthwise conv, filter [k,k,C,1]. */
export function depthwiseConv2dTorch(x: tf.Tensor4D, filter: tf.Tensor4D, o: TorchConvOptions): tf.Tensor4D {
  return fusedTorch(tf.fused.depthwiseConv2d, x, filter, o);
}

type FusedConv = typeof tf.fused.conv2d | typeof tf.fused.depthwiseConv2d;

function fusedTorch(op: FusedConv, x: tf.Tensor4D, filter: tf.Tensor4D, o: TorchConvOptions): tf.Tensor4D {
  const pad = Math.floor(kernelSize(filter) / 2);
  const act = o.activation ?? 'none';
  return tf.tidy(() => {
    const y = (op as typeof tf.fused.conv2d)({
      x, filter, strides: o.stride, pad, bias: o.bias,
      activation: act === 'relu' ? 'relu' : 'linear',
    }) as tf.Tensor4D;
    return act === 'relu' ? y : applyActivation(y, act);
  });
}
