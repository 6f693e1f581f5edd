/**
 * DynamicBatchNorm2d: one BN of max width whose first C channels serve a subnet with C active channels; the
 * statistics come from the subnet's own SubnetNorm entry when there is one, else from the checkpoint's prefix.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { rawToTensor, type BnParams } from '../ops/index.ts';
import type { BnStats, StateDict } from '../types.ts';
import { takeRaw } from './state-dict.ts';

export class SubnetNormError extends Error {
  override name = 'SubnetNormError';
}

export class DynamicBatchNorm2d {
  private constructor(
    /** Supernet BN module name, e.g. `blocks.5.conv.depth_conv.bn.bn`. */
    readonly name: string,
    readonly maxC: number,
    private readonly gamma: tf.Tensor1D,
    private readonly beta: tf.Tensor1D,
    private readonly mean: tf.Tensor1D,
    private readonly variance: tf.Tensor1D,
  ) {}

  static fromStateDict(sd: StateDict, name: string, c: number): DynamicBatchNorm2d {
    const t = (p: string) => rawToTensor(`${name}.${p}`, takeRaw(sd, `${name}.${p}`, [c])) as tf.Tensor1D;
    return new DynamicBatchNorm2d(name, c, t('weight'), t('bias'), t('running_mean'), t('running_var'));
  }

  /** γ, β and statistics of the first `c` channels (new tensors). */
  materialize(c: number, stats?: BnStats): BnParams {
    if (c > this.maxC) throw new RangeError(`${this.name}: ${c} channels requested, BN has ${this.maxC}`);
    const head = (t: tf.Tensor1D) => (c === this.maxC ? tf.clone(t) : tf.slice(t, [0], [c]));
    if (stats && (stats.mean.length !== c || stats.var.length !== c)) {
      throw new SubnetNormError(`SubnetNorm stats for ${this.name} have ${stats.mean.length}/${stats.var.length} values, the subnet uses ${c} channels`);
    }
    return {
      gamma: head(this.gamma),
      beta: head(this.beta),
      mean: stats ? tf.tensor1d(stats.mean) : head(this.mean),
      variance: stats ? tf.tensor1d(stats.var) : head(this.variance),
    };
  }

  tensors(): tf.Tensor[] {
    return [this.gamma, this.beta, this.mean, this.variance];
  }
}
