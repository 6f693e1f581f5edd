/**
 * A supernet conv + BatchNorm pair (OFA `DynamicConv2d` + `DynamicBatchNorm2d`): one full-size HWIO weight,
 * prefix-sliced to the active in/out channels (WeightSlice) and BN-folded with the sub-network's statistics.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { convOihwToHwio } from '../ops/index.ts';
import type { BnStats, StateDict } from '../types.ts';
import { bnScaleShift, type BnParams } from './bn-fold.ts';
import { takeFloat } from './state-dict.ts';

/** A static conv layer's weights: HWIO filter with BN folded in, and the bias. */
export interface FoldedConv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export class DynamicConvBn {
  /** Full-size filter [k, k, maxIn, maxOut]. */
  readonly filter: tf.Tensor4D;
  readonly bn: BnParams;

  /**
   * @param weightName state_dict key of the conv weight (O, I, k, k)
   * @param bnName supernet BN module name (`…bn.bn`): state_dict prefix and SubnetNorm key
   */
  constructor(sd: StateDict, readonly weightName: string, readonly bnName: string,
    readonly maxIn: number, readonly maxOut: number, readonly kernel: number) {
    const raw = takeFloat(sd, weightName, [maxOut, maxIn, kernel, kernel]);
    const vec = (p: string): Float32Array => takeFloat(sd, `${bnName}.${p}`, [maxOut]).data.slice();
    this.bn = { gamma: vec('weight'), beta: vec('bias'), runningMean: vec('running_mean'), runningVar: vec('running_var') };
    this.filter = convOihwToHwio(weightName, raw);
  }

  private checkWidths(inC: number, outC: number): void {
    if (inC < 1 || inC > this.maxIn || outC < 1 || outC > this.maxOut) {
      throw new Error(`${this.weightName}: cannot slice ${inC} -> ${outC} channels from ${this.maxIn} -> ${this.maxOut}`);
    }
  }

  /** `W[:outC, :inC]` as a new HWIO tensor (no BN). */
  sliceFilter(inC: number, outC: number): tf.Tensor4D {
    this.checkWidths(inC, outC);
    return tf.slice(this.filter, [0, 0, 0, 0], [this.kernel, this.kernel, inC, outC]);
  }

  /** The sliced filter with BN folded in, using `stats` (SubnetNorm) or else the stored running statistics. */
  materialize(inC: number, outC: number, stats: BnStats | undefined): FoldedConv {
    const { scale, shift } = bnScaleShift(this.bn, outC, stats, this.bnName);
    return tf.tidy(() => ({
      filter: tf.mul(this.sliceFilter(inC, outC), tf.tensor1d(scale)) as tf.Tensor4D,
      bias: tf.tensor1d(shift),
    }));
  }
}
