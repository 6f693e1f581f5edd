/**
 * The activations OFA's nets use, written exactly like `ofa/utils/pytorch_modules.py`.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

export type Activation = 'relu' | 'h_swish' | 'none';

/** `relu6(x + 3) / 6`. */
export function hsigmoid<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6) as T);
}

/** `(x * relu6(x + 3)) / 6` — the multiplication first, as PyTorch's h_swish does. */
export function hswish<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6) as T);
}

export function applyActivation<T extends tf.Tensor>(x: T, act: Activation): T {
  switch (act) {
    case 'relu': return tf.relu(x);
    case 'h_swish': return hswish(x);
    case 'none': return x;
  }
}
