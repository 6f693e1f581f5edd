/**
 * The two poolings of ResNet50-D with PyTorch's semantics, NHWC.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `MaxPool2d(3, stride=2, padding=1)`: symmetric padding (TF's 'same' would pad 0 before / 1 after on even inputs).
 * tfjs skips padded positions, which equals PyTorch's −∞ padding.
 */
export function maxPool3x3s2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 3, 2, 1);
}

/**
 * `AvgPool2d(kernel=stride=k, padding=0, ceil_mode=True)`: a partial window at the bottom/right edge (odd size)
 * averages only the elements that exist. TF's 'same' with kernel = stride pads only after, and only on odd sizes,
 * and excludes padding from the average: the same numbers. k = 1 is the identity.
 */
export function avgPoolCeil(x: tf.Tensor4D, k: number): tf.Tensor4D {
  return k === 1 ? x : tf.avgPool(x, k, k, 'same');
}
