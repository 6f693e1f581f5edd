/**
 * DynamicMBConvLayer inside its ResidualBlock: 1×1 expand (inverted_bottleneck) -> k×k depthwise (+SE) -> 1×1
 * project (point_linear), identity shortcut when stride 1 and in == out. Middle width
 * `make_divisible(round(Cin·e), 8)`. Block 0 is the same with expand ratio 1 (no inverted_bottleneck) and k fixed 3.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { StateDict } from '../types.ts';
import type { Activation } from '../ops/index.ts';
import { KS_CHOICES, midChannels, seChannels, type MbV3BlockSpec } from './arch.ts';
import type { BuildContext } from './build-context.ts';
import { DynamicBatchNorm2d } from './dynamic-bn.ts';
import { DynamicConv2d } from './dynamic-conv.ts';
import { DynamicConvBnLayer } from './dynamic-conv-bn.ts';
import { DynamicSeparableConv2d } from './dynamic-depthwise.ts';
import { DynamicSE } from './dynamic-se.ts';
import type { BlockTopology } from './topology.ts';

export class DynamicMBConvLayer {
  private constructor(
    readonly spec: MbV3BlockSpec,
    private readonly invertedBottleneck: DynamicConvBnLayer | null,
    private readonly depthConv: DynamicConvBnLayer,
    private readonly se: DynamicSE | null,
    private readonly pointLinear: DynamicConvBnLayer,
  ) {}

  /** Elastic block i (1..20): names `blocks.i.conv.<part>.conv.conv.weight`, `.bn.bn.*`. */
  static elastic(sd: StateDict, spec: MbV3BlockSpec): DynamicMBConvLayer {
    const p = `blocks.${spec.index}.conv`;
    const m = spec.maxMid;
    const bn = (part: string, c: number) => DynamicBatchNorm2d.fromStateDict(sd, `${p}.${part}.bn.bn`, c);
    return new DynamicMBConvLayer(
      spec,
      new DynamicConvBnLayer(DynamicConv2d.fromStateDict(sd, `${p}.inverted_bottleneck.conv.conv.weight`, m, spec.inC, 1), bn('inverted_bottleneck', m), 1, spec.act),
      new DynamicConvBnLayer(DynamicSeparableConv2d.fromStateDict(sd, `${p}.depth_conv.conv`, m, KS_CHOICES), bn('depth_conv', m), spec.stride, spec.act),
      spec.se ? DynamicSE.fromStateDict(sd, `${p}.depth_conv.se`, m) : null,
      new DynamicConvBnLayer(DynamicConv2d.fromStateDict(sd, `${p}.point_linear.conv.conv.weight`, spec.outC, m, 1), bn('point_linear', spec.outC), 1, 'none'),
    );
  }

  /** Block 0: MBConvLayer(C -> C, k3, s1, expand 1, relu), plain (non-dynamic) names. */
  static first(sd: StateDict, c: number, act: Activation): DynamicMBConvLayer {
    const p = 'blocks.0.conv';
    const spec: MbV3BlockSpec = { index: 0, stage: -1, inC: c, outC: c, stride: 1, act, se: false, residual: true, maxMid: c };
    const bn = (part: string) => DynamicBatchNorm2d.fromStateDict(sd, `${p}.${part}.bn`, c);
    return new DynamicMBConvLayer(
      spec,
      null,
      new DynamicConvBnLayer(DynamicSeparableConv2d.fromStateDict(sd, `${p}.depth_conv.conv`, c, [3]), bn('depth_conv'), 1, act),
      null,
      new DynamicConvBnLayer(DynamicConv2d.fromStateDict(sd, `${p}.point_linear.conv.weight`, c, c, 1), bn('point_linear'), 1, 'none'),
    );
  }

  /** Cut the block for kernel k and expand ratio e into `ctx`, as static block `blocks.<staticIndex>`. */
  build(staticIndex: number, k: number, e: number, ctx: BuildContext): BlockTopology {
    const s = this.spec;
    const name = `blocks.${staticIndex}.conv`;
    const mid = this.invertedBottleneck ? midChannels(s.inC, e) : s.inC;
    const ib = this.invertedBottleneck?.build(`${name}.inverted_bottleneck`, { inC: s.inC, outC: mid, k: 1 }, ctx) ?? null;
    const dw = this.depthConv.build(`${name}.depth_conv`, { inC: mid, outC: mid, k }, ctx);
    let se: BlockTopology['se'] = null;
    if (this.se) {
      const seName = `${name}.depth_conv.se`;
      const w = this.se.materialize(mid);
      ctx.weights[`${seName}.reduce.kernel`] = w.reduceKernel;
      ctx.weights[`${seName}.reduce.bias`] = w.reduceBias;
      ctx.weights[`${seName}.expand.kernel`] = w.expandKernel;
      ctx.weights[`${seName}.expand.bias`] = w.expandBias;
      se = { name: seName, channels: mid, reduced_channels: seChannels(mid) };
    }
    const pl = this.pointLinear.build(`${name}.point_linear`, { inC: mid, outC: s.outC, k: 1 }, ctx);
    return {
      name: 'MBConvLayer', supernet_block: s.index, in_channels: s.inC, mid_channels: mid, out_channels: s.outC,
      kernel_size: k, stride: s.stride, expand_ratio: this.invertedBottleneck ? e : 1, act_func: s.act,
      use_se: s.se, residual: s.residual, inverted_bottleneck: ib, depth_conv: dw, se, point_linear: pl,
    };
  }

  tensors(): tf.Tensor[] {
    return [
      ...(this.invertedBottleneck?.tensors() ?? []), ...this.depthConv.tensors(),
      ...(this.se?.tensors() ?? []), ...this.pointLinear.tensors(),
    ];
  }
}
