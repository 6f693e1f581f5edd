/**
 * A static OFA-ResNet50 sub-network (BN-folded artifacts) as an ONNX graph, NCHW: the same layers as
 * `forwardPlan` (supernet/resnet50/forward.ts), with PyTorch's padding and pooling.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { fromNetConfig } from '../resnet50/net-config.ts';
import type { ConvSpec } from '../resnet50/plan.ts';
import type { StaticArtifacts } from '../types.ts';
import type { OnnxGraph } from './graph-builder.ts';
import { hwioToOihw, plain } from './weight-layout.ts';

/** Adds the sub-network to `g` reading `input` (NCHW); returns the logits value name. */
export function buildResNet50(g: OnnxGraph, a: StaticArtifacts, input: string): string {
  const plan = fromNetConfig(a.topology);
  const weight = (name: string): tf.Tensor => {
    const t = a.weights.get(name);
    if (t === undefined) throw new Error(`ResNet50 artifacts lack weight ${name}`);
    return t;
  };
  const conv = (spec: ConvSpec, x: string): string => {
    const w = hwioToOihw(weight(`${spec.name}.weight`));
    const b = plain(weight(`${spec.name}.bias`));
    const y = g.conv(x, g.constant(`${spec.name}.weight`, w.dims, w.data), g.constant(`${spec.name}.bias`, b.dims, b.data),
      spec.kernel, spec.stride);
    return spec.relu ? g.relu(y) : y;
  };

  const { first, residual, last } = plan.stem;
  let h = conv(first, input);
  if (residual) h = g.add(h, conv(residual, h));
  h = g.node('MaxPool', [conv(last, h)], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } });
  for (const b of plan.blocks) {
    const y = conv(b.conv3, conv(b.conv2, conv(b.conv1, h)));
    let shortcut = h;
    if (b.downsample) {
      // OFA's AvgPool2d(stride, stride, ceil_mode=True): an edge window averages only what exists.
      const pooled = b.stride === 1 ? h : g.node('AveragePool', [h], {
        kernel_shape: { ints: [b.stride, b.stride] }, strides: { ints: [b.stride, b.stride] }, ceil_mode: { int: 1 },
        count_include_pad: { int: 0 },
      });
      shortcut = conv(b.downsample, pooled);
    }
    h = g.relu(g.add(y, shortcut));
  }
  const cls = plan.classifier.name;
  const w = plain(weight(`${cls}.weight`));
  const bias = plain(weight(`${cls}.bias`));
  return g.gemm(g.spatialMean(h, false), g.constant(`${cls}.weight`, w.dims, w.data), g.constant(`${cls}.bias`, bias.dims, bias.data));
}
