/**
 * The supernet's module tree, mirroring OFA's `OFAResNets`: `input_stem` (3 conv layers, the middle one residual),
 * 18 `DynamicResNetBottleneckBlock`s and the `DynamicLinearLayer` classifier, each holding ONE full-size copy of
 * its weights. `bind(...)` pairs a static plan's layers with the supernet layers that provide them.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearToInOut } from '../ops/index.ts';
import type { StateDict } from '../types.ts';
import { N_CLASSES, STEM_MID_WIDTHS, STEM_OUT_WIDTHS, type SupernetBlockSpec } from './constants.ts';
import { DynamicConvBn } from './dynamic-conv-bn.ts';
import type { BlockPlan, ConvSpec, StemPlan } from './plan.ts';
import { takeFloat } from './state-dict.ts';

/** A static layer and the supernet layer whose weights it slices. */
export type Binding = [ConvSpec, DynamicConvBn];

/** OFA's dynamic conv layer at `prefix`: weight `<prefix>.conv.conv.weight`, BN `<prefix>.bn.bn`. */
function convLayer(sd: StateDict, prefix: string, maxIn: number, maxOut: number, kernel: number): DynamicConvBn {
  return new DynamicConvBn(sd, `${prefix}.conv.conv.weight`, `${prefix}.bn.bn`, maxIn, maxOut, kernel);
}

export class InputStem {
  readonly conv0: DynamicConvBn;
  /** `input_stem.1`: ResidualBlock(DynamicConvLayer, IdentityLayer), run only when d[0] = 2. */
  readonly residualConv: DynamicConvBn;
  readonly conv2: DynamicConvBn;

  constructor(sd: StateDict) {
    const mid = Math.max(...STEM_MID_WIDTHS);
    this.conv0 = convLayer(sd, 'input_stem.0', 3, mid, 3);
    this.residualConv = convLayer(sd, 'input_stem.1.conv', mid, mid, 3);
    this.conv2 = convLayer(sd, 'input_stem.2', mid, Math.max(...STEM_OUT_WIDTHS), 3);
  }

  bind(stem: StemPlan): Binding[] {
    const out: Binding[] = [[stem.first, this.conv0]];
    if (stem.residual) out.push([stem.residual, this.residualConv]);
    out.push([stem.last, this.conv2]);
    return out;
  }

  tensors(): tf.Tensor[] {
    return [this.conv0, this.residualConv, this.conv2].flatMap((c) => c.tensors());
  }

  dispose(): void {
    tf.dispose(this.tensors());
  }
}

export class BottleneckBlock {
  readonly conv1: DynamicConvBn;
  readonly conv2: DynamicConvBn;
  readonly conv3: DynamicConvBn;
  /** avg-pool → 1×1 conv → BN shortcut (ResNet-D), only on the first block of each stage. */
  readonly downsample: DynamicConvBn | null;

  constructor(sd: StateDict, readonly spec: SupernetBlockSpec) {
    const p = `blocks.${spec.index}`;
    const maxIn = Math.max(...spec.inWidths);
    const maxOut = Math.max(...spec.outWidths);
    this.conv1 = convLayer(sd, `${p}.conv1`, maxIn, spec.maxMid, 1);
    this.conv2 = convLayer(sd, `${p}.conv2`, spec.maxMid, spec.maxMid, 3);
    this.conv3 = convLayer(sd, `${p}.conv3`, spec.maxMid, maxOut, 1);
    this.downsample = spec.hasDownsample ? convLayer(sd, `${p}.downsample`, maxIn, maxOut, 1) : null;
  }

  bind(b: BlockPlan): Binding[] {
    const out: Binding[] = [];
    if (b.downsample) {
      if (!this.downsample) throw new Error(`blocks.${this.spec.index} has no downsample layer`);
      out.push([b.downsample, this.downsample]);
    }
    out.push([b.conv1, this.conv1], [b.conv2, this.conv2], [b.conv3, this.conv3]);
    return out;
  }

  tensors(): tf.Tensor[] {
    return [this.conv1, this.conv2, this.conv3, ...(this.downsample ? [this.downsample] : [])].flatMap((c) => c.tensors());
  }

  dispose(): void {
    tf.dispose(this.tensors());
  }
}

/** `DynamicLinearLayer`: weight kept as [maxIn, 1000] so an input-feature prefix is a row prefix. */
export class LinearClassifier {
  readonly weight: tf.Tensor2D;
  readonly bias: tf.Tensor1D;

  constructor(sd: StateDict, readonly maxIn: number) {
    const w = takeFloat(sd, 'classifier.linear.linear.weight', [N_CLASSES, maxIn]);
    this.weight = linearToInOut('classifier.linear.linear.weight', w);
    this.bias = tf.tensor1d(takeFloat(sd, 'classifier.linear.linear.bias', [N_CLASSES]).data);
  }

  /** `W[:, :inF]` (as [inF, 1000]) and the bias, as new tensors (sharing the supernet's storage when whole). */
  materialize(inF: number): { weight: tf.Tensor2D; bias: tf.Tensor1D; shared: boolean } {
    if (inF < 1 || inF > this.maxIn) throw new Error(`classifier: cannot take ${inF} of ${this.maxIn} input features`);
    const whole = inF === this.maxIn;
    return { weight: whole ? tf.reshape(this.weight, this.weight.shape) : tf.slice(this.weight, [0, 0], [inF, N_CLASSES]), bias: tf.reshape(this.bias, [N_CLASSES]), shared: whole };
  }

  tensors(): tf.Tensor[] {
    return [this.weight, this.bias];
  }

  dispose(): void {
    tf.dispose(this.tensors());
  }
}
