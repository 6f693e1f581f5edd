/**
 * The static sub-network description (JSON) shared by the supernet's materializer, the static forward pass and
 * export/import: OFA's get_active_net_config in spirit (per layer in/mid/out channels, kernel, stride, act, SE),
 * plus the weight names each layer reads.
 * @module
 */
import type { Activation } from '../ops/index.ts';
import type { MbV3SubnetConfig } from '../types.ts';
import type { MbV3Width } from './arch.ts';

/** A conv (+ BN) (+ activation). Weights `${name}.kernel` (HWIO or depthwise [k,k,C,1]) and `${name}.bias`. */
export interface ConvLayerTopology {
  name: string;
  /** The supernet BatchNorm module this layer's BN came from (SubnetNorm / calibration key). */
  bn: string;
  in_channels: number;
  out_channels: number;
  kernel_size: number;
  stride: number;
  depthwise: boolean;
  act: Activation;
}

/** Squeeze-excite: `${name}.reduce.kernel` [C,S], `.reduce.bias` [S], `.expand.kernel` [S,C], `.expand.bias` [C]. */
export interface SeTopology {
  name: string;
  channels: number;
  reduced_channels: number;
}

export interface BlockTopology {
  name: 'MBConvLayer';
  supernet_block: number;
  in_channels: number;
  mid_channels: number;
  out_channels: number;
  kernel_size: number;
  stride: number;
  expand_ratio: number;
  act_func: Activation;
  use_se: boolean;
  residual: boolean;
  inverted_bottleneck: ConvLayerTopology | null;
  depth_conv: ConvLayerTopology;
  se: SeTopology | null;
  point_linear: ConvLayerTopology;
}

/** A dense layer on pooled features: `${name}.kernel` [in,out] (+ `${name}.bias` [out] if `bias`). */
export interface DenseTopology {
  name: string;
  in_features: number;
  out_features: number;
  bias: boolean;
  act: Activation;
}

export interface MbV3Topology {
  name: 'MobileNetV3';
  format: 1;
  width: MbV3Width;
  image_size: number;
  config: MbV3SubnetConfig;
  bn_eps: number;
  first_conv: ConvLayerTopology;
  blocks: BlockTopology[];
  final_expand_layer: ConvLayerTopology;
  feature_mix_layer: DenseTopology;
  classifier: DenseTopology;
}

/** Every conv+BN layer in execution order. */
export function convLayers(t: MbV3Topology): ConvLayerTopology[] {
  const out: ConvLayerTopology[] = [t.first_conv];
  for (const b of t.blocks) {
    if (b.inverted_bottleneck) out.push(b.inverted_bottleneck);
    out.push(b.depth_conv, b.point_linear);
  }
  out.push(t.final_expand_layer);
  return out;
}

/** Name -> shape of every weight tensor a static subnet with this topology must have. */
export function expectedWeightShapes(t: MbV3Topology): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const c of convLayers(t)) {
    m.set(`${c.name}.kernel`, c.depthwise
      ? [c.kernel_size, c.kernel_size, c.out_channels, 1]
      : [c.kernel_size, c.kernel_size, c.in_channels, c.out_channels]);
    m.set(`${c.name}.bias`, [c.out_channels]);
  }
  for (const b of t.blocks) {
    if (!b.se) continue;
    m.set(`${b.se.name}.reduce.kernel`, [b.se.channels, b.se.reduced_channels]);
    m.set(`${b.se.name}.reduce.bias`, [b.se.reduced_channels]);
    m.set(`${b.se.name}.expand.kernel`, [b.se.reduced_channels, b.se.channels]);
    m.set(`${b.se.name}.expand.bias`, [b.se.channels]);
  }
  for (const d of [t.feature_mix_layer, t.classifier]) {
    m.set(`${d.name}.kernel`, [d.in_features, d.out_features]);
    if (d.bias) m.set(`${d.name}.bias`, [d.out_features]);
  }
  return m;
}
