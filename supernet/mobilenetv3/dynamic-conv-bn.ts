/**
 * A conv (regular or depthwise) followed by a DynamicBatchNorm2d and an activation — OFA's ConvLayer and the
 * `Sequential(conv, bn, act)` parts of an MBConv block.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { foldBn, type Activation, type BnParams } from '../ops/index.ts';
import type { BuildContext } from './build-context.ts';
import type { ActiveConvDims, DynamicConv2d } from './dynamic-conv.ts';
import type { DynamicBatchNorm2d } from './dynamic-bn.ts';
import type { DynamicSeparableConv2d } from './dynamic-depthwise.ts';
import type { ConvLayerTopology } from './topology.ts';

export class DynamicConvBnLayer {
  constructor(
    readonly conv: DynamicConv2d | DynamicSeparableConv2d,
    readonly bn: DynamicBatchNorm2d,
    readonly stride: number,
    readonly act: Activation,
  ) {}

  /** Sliced, kernel-transformed filter and sliced BN (with SubnetNorm statistics if given), unfolded. */
  slice(a: ActiveConvDims, ctx: BuildContext): { kernel: tf.Tensor4D; bn: BnParams } {
    return { kernel: this.conv.materialize(a), bn: this.bn.materialize(a.outC, ctx.stats(this.bn.name)) };
  }

  /** Sliced filter with the BN folded in: `{kernel, bias}`. */
  materialize(a: ActiveConvDims, ctx: BuildContext): { kernel: tf.Tensor4D; bias: tf.Tensor1D } {
    return tf.tidy(() => {
      const { kernel, bn } = this.slice(a, ctx);
      return foldBn(kernel, bn, this.conv.depthwise);
    });
  }

  /** Writes the layer's weights under `name` (folded or raw per ctx) and returns its static description. */
  build(name: string, a: ActiveConvDims, ctx: BuildContext): ConvLayerTopology {
    if (ctx.fold) {
      const { kernel, bias } = this.materialize(a, ctx);
      ctx.weights[`${name}.kernel`] = kernel;
      ctx.weights[`${name}.bias`] = bias;
    } else {
      const { kernel, bn } = this.slice(a, ctx);
      ctx.weights[`${name}.kernel`] = kernel;
      ctx.weights[`${name}.gamma`] = bn.gamma;
      ctx.weights[`${name}.beta`] = bn.beta;
      ctx.weights[`${name}.mean`] = bn.mean;
      ctx.weights[`${name}.var`] = bn.variance;
    }
    return {
      name, bn: this.bn.name, in_channels: a.inC, out_channels: a.outC, kernel_size: a.k,
      stride: this.stride, depthwise: this.conv.depthwise, act: this.act,
    };
  }

  tensors(): tf.Tensor[] {
    return [...this.conv.tensors(), ...this.bn.tensors()];
  }
}
