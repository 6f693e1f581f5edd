/**
 * The forward pass of a static ResNet50-D plan (OFA's `ResNets.forward`), NHWC, with the conv+BN layers supplied by
 * the caller: folded weights for inference, batch-statistics BN for calibration. Synchronous; call inside tf.tidy.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvSpec, ResNetPlan } from './plan.ts';
import { avgPoolCeil, maxPool3x3s2 } from './pool.ts';

/** Runs conv → BN (→ ReLU when `spec.relu`) with PyTorch padding `kernel // 2`. */
export type ConvBnRunner = (spec: ConvSpec, x: tf.Tensor4D) => tf.Tensor4D;
/** Runs the classifier on pooled features [N, C]. */
export type LinearRunner = (x: tf.Tensor2D) => tf.Tensor2D;

export function forwardPlan(plan: ResNetPlan, x: tf.Tensor4D, conv: ConvBnRunner, linear: LinearRunner): tf.Tensor2D {
  let h = tf.tidy(() => {
    const { first, residual, last } = plan.stem;
    let s = conv(first, x);
    if (residual) s = tf.add(s, conv(residual, s)) as tf.Tensor4D;
    return maxPool3x3s2(conv(last, s));
  });
  for (const b of plan.blocks) {
    const prev = h;
    // Activations dominate memory at large batches (and the WASM heap never shrinks): free each one as soon as
    // the next exists, so a block holds at most its input, two intermediates and the shortcut at a time.
    h = tf.tidy(() => {
      const y1 = conv(b.conv1, prev);
      const y2 = conv(b.conv2, y1);
      y1.dispose();
      const y3 = conv(b.conv3, y2);
      y2.dispose();
      const shortcut = b.downsample ? tf.tidy(() => conv(b.downsample!, avgPoolCeil(prev, b.stride))) : prev;
      const sum = tf.add(y3, shortcut);
      y3.dispose();
      if (shortcut !== prev) shortcut.dispose();
      return tf.relu(sum) as tf.Tensor4D;
    });
    prev.dispose();
  }
  // OFA: x.mean(3, keepdim=True).mean(2, keepdim=True) — over W, then over H.
  const pooled = tf.tidy(() => tf.mean(tf.mean(h, 2), 1) as tf.Tensor2D);
  h.dispose();
  const logits = linear(pooled);
  pooled.dispose();
  return logits;
}
