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

/**
 * Regular conv, filter HWIO. A 1x1 stride-1 conv runs as the matrix product it is ([N*H*W, C] x [C, O]): on WASM,
 * tfjs keeps a transposed copy of every conv filter next to XNNPACK's packed one for as long as the filter lives,
 * but not of a matmul's weights, so this halves what the cached 1x1 layers (half of ResNet50's weights) hold.
 */
export function conv2dTorch(x: tf.Tensor4D, filter: tf.Tensor4D, o: TorchConvOptions): tf.Tensor4D {
  const [kh, kw, cin, cout] = filter.shape;
  if (kh !== 1 || kw !== 1 || o.stride !== 1) return fusedTorch(tf.fused.conv2d, x, filter, o);
  const act = o.activation ?? 'none';
  const [n, h, w] = x.shape;
  return tf.tidy(() => {
    const y = tf.fused.matMul({
      a: tf.reshape(x, [n * h * w, cin]), b: tf.reshape(filter, [cin, cout]), bias: o.bias,
      activation: act === 'relu' ? 'relu' : 'linear',
    });
    const out = tf.reshape(y, [n, h, w, cout]) as tf.Tensor4D;
    return act === 'relu' ? out : applyActivation(out, act);
  });
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
