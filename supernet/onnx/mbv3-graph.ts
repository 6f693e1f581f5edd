/**
 * A static OFA-MobileNetV3 sub-network (BN-folded artifacts) as an ONNX graph, NCHW: the same layers as
 * `forwardMbV3` (supernet/mobilenetv3/static-forward.ts). Depthwise convs are grouped Convs; squeeze-excite runs
 * as two 1x1 Convs on the pooled [N, C, 1, 1] map.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../ops/index.ts';
import type { ConvLayerTopology, DenseTopology, MbV3Topology, SeTopology } from '../mobilenetv3/topology.ts';
import type { StaticArtifacts } from '../types.ts';
import type { OnnxGraph } from './graph-builder.ts';
import { denseToConv1x1, depthwiseToOihw, hwioToOihw, plain } from './weight-layout.ts';

function topologyOf(a: StaticArtifacts): MbV3Topology {
  const t = a.topology as Partial<MbV3Topology> | null;
  if (typeof t !== 'object' || t === null || t.name !== 'MobileNetV3' || t.format !== 1 || !Array.isArray(t.blocks)) {
    throw new Error('topology is not a MobileNetV3 topology (format 1)');
  }
  return t as MbV3Topology;
}

/** Adds the sub-network to `g` reading `input` (NCHW); returns the logits value name. */
export function buildMbV3(g: OnnxGraph, a: StaticArtifacts, input: string): string {
  const t = topologyOf(a);
  const weight = (name: string): tf.Tensor => {
    const w = a.weights.get(name);
    if (w === undefined) throw new Error(`MobileNetV3 artifacts lack weight ${name}`);
    return w;
  };
  const constant = (name: string, v: { dims: number[]; data: Float32Array }): string => g.constant(name, v.dims, v.data);
  const act = (x: string, f: Activation): string => (f === 'relu' ? g.relu(x) : f === 'h_swish' ? g.hswish(x) : x);

  const convBnAct = (x: string, l: ConvLayerTopology): string => {
    const k = weight(`${l.name}.kernel`);
    const w = constant(`${l.name}.kernel`, l.depthwise ? depthwiseToOihw(k) : hwioToOihw(k));
    const y = g.conv(x, w, constant(`${l.name}.bias`, plain(weight(`${l.name}.bias`))), l.kernel_size, l.stride,
      l.depthwise ? l.out_channels : 1);
    return act(y, l.act);
  };
  const squeezeExcite = (x: string, se: SeTopology): string => {
    const pooled = g.spatialMean(x, true);
    const c1x1 = (part: 'reduce' | 'expand', v: string): string => g.conv(v,
      constant(`${se.name}.${part}.kernel`, denseToConv1x1(weight(`${se.name}.${part}.kernel`))),
      constant(`${se.name}.${part}.bias`, plain(weight(`${se.name}.${part}.bias`))), 1, 1);
    return g.node('Mul', [x, g.hsigmoid(c1x1('expand', g.relu(c1x1('reduce', pooled))))]);
  };
  const dense = (x: string, d: DenseTopology): string => {
    const bias = d.bias ? constant(`${d.name}.bias`, plain(weight(`${d.name}.bias`))) : null;
    return act(g.gemm(x, constant(`${d.name}.kernel`, plain(weight(`${d.name}.kernel`))), bias), d.act);
  };

  let h = convBnAct(input, t.first_conv);
  for (const b of t.blocks) {
    const blockInput = h;
    if (b.inverted_bottleneck) h = convBnAct(h, b.inverted_bottleneck);
    h = convBnAct(h, b.depth_conv);
    if (b.se) h = squeezeExcite(h, b.se);
    h = convBnAct(h, b.point_linear);
    if (b.residual) h = g.add(h, blockInput);
  }
  h = convBnAct(h, t.final_expand_layer);
  return dense(dense(g.spatialMean(h, false), t.feature_mix_layer), t.classifier);
}
