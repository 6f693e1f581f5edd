/**
 * A supernet conv + BatchNorm pair (OFA `DynamicConv2d` + `DynamicBatchNorm2d`): one full-size HWIO weight,
 * prefix-sliced to the active in/out channels (WeightSlice) and BN-folded with the sub-network's statistics.
 *
 * The full-size weight is kept BN-folded with the checkpoint's own running statistics (`prefolded`): slicing
 * output channels commutes with the per-output-channel BN scale, so a sub-network that uses those statistics
 * gets its filter by slicing alone (the same float products as fold-after-slice, bit for bit), and a layer it
 * uses whole shares the supernet's tensor instead of copying it. That is what keeps the largest sub-network
 * (the whole supernet, 184 MiB) from costing a second copy. SubnetNorm statistics rescale by s_sub / s_shared;
 * calibration divides the scale back out. A layer with a zero or non-finite BN scale stays unfolded.
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
  /** The filter shares the supernet's storage (a whole, unscaled layer): it costs no memory of its own. */
  shared: boolean;
}

export class DynamicConvBn {
  /** Full-size filter [k, k, maxIn, maxOut]; BN-folded with the stored running statistics when `prefolded`. */
  readonly filter: tf.Tensor4D;
  readonly bn: BnParams;
  readonly prefolded: boolean;
  /** γ/√(σ²+ε) with the stored running statistics, per output channel. */
  private readonly storedScale: Float32Array;
  /** β − μ·scale with the stored statistics, all channels (shared like the filter by layers used whole). */
  readonly storedBias: tf.Tensor1D;

  /**
   * @param weightName state_dict key of the conv weight (O, I, k, k)
   * @param bnName supernet BN module name (`…bn.bn`): state_dict prefix and SubnetNorm key
   */
  constructor(sd: StateDict, readonly weightName: string, readonly bnName: string,
    readonly maxIn: number, readonly maxOut: number, readonly kernel: number) {
    const raw = takeFloat(sd, weightName, [maxOut, maxIn, kernel, kernel]);
    const vec = (p: string): Float32Array => takeFloat(sd, `${bnName}.${p}`, [maxOut]).data.slice();
    this.bn = { gamma: vec('weight'), beta: vec('bias'), runningMean: vec('running_mean'), runningVar: vec('running_var') };
    const stored = bnScaleShift(this.bn, maxOut, undefined, bnName);
    this.storedScale = stored.scale;
    this.storedBias = tf.tensor1d(stored.shift);
    this.prefolded = this.storedScale.every((v) => Number.isFinite(v) && v !== 0);
    const hwio = convOihwToHwio(weightName, raw);
    if (!this.prefolded) {
      this.filter = hwio;
    } else {
      this.filter = tf.tidy(() => tf.mul(hwio, tf.tensor1d(this.storedScale)) as tf.Tensor4D);
      hwio.dispose();
    }
  }

  private checkWidths(inC: number, outC: number): void {
    if (inC < 1 || inC > this.maxIn || outC < 1 || outC > this.maxOut) {
      throw new Error(`${this.weightName}: cannot slice ${inC} -> ${outC} channels from ${this.maxIn} -> ${this.maxOut}`);
    }
  }

  /** `W[:outC, :inC]` of the stored filter as a new tensor (whole: sharing its storage). */
  private slice(inC: number, outC: number): tf.Tensor4D {
    this.checkWidths(inC, outC);
    // tf.reshape shares the storage on every backend (tf.clone copies on wasm).
    if (inC === this.maxIn && outC === this.maxOut) return tf.reshape(this.filter, this.filter.shape);
    return tf.slice(this.filter, [0, 0, 0, 0], [this.kernel, this.kernel, inC, outC]);
  }

  /** `W[:outC, :inC]` as a new HWIO tensor without BN (calibration runs BN on batch statistics). */
  sliceFilter(inC: number, outC: number): tf.Tensor4D {
    if (!this.prefolded) return this.slice(inC, outC);
    return tf.tidy(() => tf.div(this.slice(inC, outC), tf.tensor1d(this.storedScale.subarray(0, outC))) as tf.Tensor4D);
  }

  /** The sliced filter with BN folded in, using `stats` (SubnetNorm) or else the stored running statistics. */
  materialize(inC: number, outC: number, stats: BnStats | undefined): FoldedConv {
    const { scale, shift } = bnScaleShift(this.bn, outC, stats, this.bnName);
    if (this.prefolded && stats === undefined) {
      // A layer used whole gets the supernet's own filter and bias (same storage, so tfjs-wasm's cached XNNPACK
      // operator for them is shared by every sub-network and batch that uses the layer whole).
      const whole = inC === this.maxIn && outC === this.maxOut;
      const bias = outC === this.maxOut ? tf.reshape(this.storedBias, [outC]) as tf.Tensor1D : tf.tensor1d(shift);
      return { filter: this.slice(inC, outC), bias, shared: whole };
    }
    const rescale = this.prefolded ? scale.map((v, c) => v / this.storedScale[c]!) : scale;
    return tf.tidy(() => ({
      filter: tf.mul(this.slice(inC, outC), tf.tensor1d(rescale)) as tf.Tensor4D,
      bias: tf.tensor1d(shift),
      shared: false,
    }));
  }

  tensors(): tf.Tensor[] {
    return [this.filter, this.storedBias];
  }
}
