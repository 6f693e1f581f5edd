/**
 * Eval-mode BatchNorm folded into the preceding conv: `scale = γ / sqrt(var + eps)`, `shift = β − mean·scale`.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

export const BN_EPS = 1e-5;

export interface BnParams {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export function bnScaleShift(bn: BnParams, eps = BN_EPS): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  return tf.tidy(() => {
    const scale = tf.div(bn.gamma, tf.sqrt(tf.add(bn.variance, eps))) as tf.Tensor1D;
    const shift = tf.sub(bn.beta, tf.mul(bn.mean, scale)) as tf.Tensor1D;
    return { scale, shift };
  });
}

/**
 * Fold BN into a kernel whose output channels are the last axis (HWIO conv) or axis 2 (depthwise [k,k,C,1]).
 * Returns a new kernel and the bias; the inputs are left alone.
 */
export function foldBn(kernel: tf.Tensor4D, bn: BnParams, depthwise: boolean, eps = BN_EPS): { kernel: tf.Tensor4D; bias: tf.Tensor1D } {
  return tf.tidy(() => {
    const { scale, shift } = bnScaleShift(bn, eps);
    const s = depthwise ? tf.reshape(scale, [1, 1, -1, 1]) : scale;
    return { kernel: tf.mul(kernel, s) as tf.Tensor4D, bias: shift };
  });
}

/** BN with given statistics, unfolded (used when the statistics come from the batch itself). */
export function batchNormWith(x: tf.Tensor4D, bn: BnParams, eps = BN_EPS): tf.Tensor4D {
  return tf.tidy(() => {
    const { scale, shift } = bnScaleShift(bn, eps);
    return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
  });
}
