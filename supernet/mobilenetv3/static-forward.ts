/**
 * The forward pass of a static MobileNetV3 sub-network described by a topology, NHWC. The conv+BN+act step is a
 * parameter: folded fused convs for serving, batch-statistics BN for re-calibration.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyActivation, conv2dTorch, depthwiseConv2dTorch, hsigmoid } from '../ops/index.ts';
import type { ConvLayerTopology, DenseTopology, MbV3Topology, SeTopology } from './topology.ts';

export type WeightGetter = (name: string) => tf.Tensor;
/** conv -> BN -> activation of one layer. */
export type ConvBnActRunner = (x: tf.Tensor4D, layer: ConvLayerTopology) => tf.Tensor4D;

/** Conv with BN already folded into `${name}.kernel` / `${name}.bias`; explicit PyTorch padding k//2. */
export function foldedConvRunner(w: WeightGetter): ConvBnActRunner {
  return (x, layer) => {
    const op = layer.depthwise ? depthwiseConv2dTorch : conv2dTorch;
    return op(x, w(`${layer.name}.kernel`) as tf.Tensor4D, {
      stride: layer.stride, bias: w(`${layer.name}.bias`) as tf.Tensor1D, activation: layer.act,
    });
  };
}

function squeezeExcite(x: tf.Tensor4D, se: SeTopology, w: WeightGetter): tf.Tensor4D {
  const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
  const reduced = tf.fused.matMul({
    a: pooled, b: w(`${se.name}.reduce.kernel`) as tf.Tensor2D, bias: w(`${se.name}.reduce.bias`), activation: 'relu',
  });
  const gate = hsigmoid(tf.fused.matMul({ a: reduced, b: w(`${se.name}.expand.kernel`) as tf.Tensor2D, bias: w(`${se.name}.expand.bias`) }));
  return tf.mul(x, tf.reshape(gate, [x.shape[0], 1, 1, se.channels]));
}

function dense(x: tf.Tensor2D, d: DenseTopology, w: WeightGetter): tf.Tensor2D {
  const y = tf.fused.matMul({
    a: x, b: w(`${d.name}.kernel`) as tf.Tensor2D, bias: d.bias ? w(`${d.name}.bias`) : undefined,
    activation: d.act === 'relu' ? 'relu' : 'linear',
  }) as tf.Tensor2D;
  return d.act === 'relu' ? y : applyActivation(y, d.act);
}

/** Logits [N, 1000]. Not tidied: call inside tf.tidy. */
export function forwardMbV3(t: MbV3Topology, w: WeightGetter, x: tf.Tensor4D, convBnAct: ConvBnActRunner): tf.Tensor2D {
  let h = convBnAct(x, t.first_conv);
  for (const b of t.blocks) {
    const input = h;
    if (b.inverted_bottleneck) h = convBnAct(h, b.inverted_bottleneck);
    h = convBnAct(h, b.depth_conv);
    if (b.se) h = squeezeExcite(h, b.se, w);
    h = convBnAct(h, b.point_linear);
    if (b.residual) h = tf.add(h, input);
  }
  h = convBnAct(h, t.final_expand_layer);
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  return dense(dense(pooled, t.feature_mix_layer, w), t.classifier, w);
}
