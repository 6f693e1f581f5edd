/**
 * DynamicSeparableConv2d: a depthwise conv stored as [K,K,M,1] with OFA's elastic kernel: the k×k filter of the
 * first C channels is the centre of the next larger filter times a learned matrix, chained 7 -> 5 -> 3
 * (`F5 = crop5(W7) · A7to5ᵀ`, `F3 = crop3(F5) · A5to3ᵀ`, per channel, spatial positions flattened row-major).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseOihwToHwc1, rawToTensor } from '../ops/index.ts';
import type { StateDict } from '../types.ts';
import type { ActiveConvDims } from './dynamic-conv.ts';
import { takeRaw } from './state-dict.ts';

export class DynamicSeparableConv2d {
  readonly depthwise = true;
  private constructor(
    readonly name: string,
    private readonly weight: tf.Tensor4D,
    /** `${K}to${K-2}` -> [(K-2)², (K-2)²], for every K above the smallest kernel size. */
    private readonly matrices: Map<string, tf.Tensor2D>,
  ) {}

  /**
   * `name` is the module prefix (e.g. `blocks.3.conv.depth_conv.conv`); the weight is `${name}.conv.weight` when the
   * layer is elastic (`ksList` has more than one size) and `${name}.weight` for block 0's fixed 3×3.
   */
  static fromStateDict(sd: StateDict, name: string, c: number, ksList: readonly number[]): DynamicSeparableConv2d {
    const sorted = [...ksList].sort((a, b) => a - b);
    const maxK = sorted[sorted.length - 1]!;
    const elastic = sorted.length > 1;
    const wName = elastic ? `${name}.conv.weight` : `${name}.weight`;
    const weight = depthwiseOihwToHwc1(wName, takeRaw(sd, wName, [c, 1, maxK, maxK]));
    const matrices = new Map<string, tf.Tensor2D>();
    for (let i = sorted.length - 1; i > 0; i--) {
      const big = sorted[i]!;
      const small = sorted[i - 1]!;
      const key = `${big}to${small}`;
      const mName = `${name}.${key}_matrix`;
      matrices.set(key, rawToTensor(mName, takeRaw(sd, mName, [small * small, small * small])) as tf.Tensor2D);
    }
    return new DynamicSeparableConv2d(name, weight, matrices);
  }

  get maxChannels(): number { return this.weight.shape[2]; }
  get maxKernel(): number { return this.weight.shape[0]; }

  /** The transformed k×k filter of the first C channels, [k,k,C,1] (a new tensor). */
  materialize(a: ActiveConvDims): tf.Tensor4D {
    const c = a.outC;
    if (a.inC !== c) throw new RangeError(`${this.name}: depthwise in and out channels must match (${a.inC} vs ${c})`);
    if (c > this.maxChannels) throw new RangeError(`${this.name}: ${c} channels requested, has ${this.maxChannels}`);
    return tf.tidy(() => {
      let f: tf.Tensor4D = c === this.maxChannels ? tf.clone(this.weight) : tf.slice(this.weight, [0, 0, 0, 0], [-1, -1, c, 1]);
      let size = this.maxKernel;
      while (size > a.k) {
        const key = `${size}to${size - 2}`;
        const m = this.matrices.get(key);
        if (!m) throw new RangeError(`${this.name}: kernel size ${a.k} is not available (no ${key} matrix)`);
        const s = size - 2;
        const crop = tf.slice(f, [1, 1, 0, 0], [s, s, c, 1]);
        f = tf.reshape(tf.matMul(m, tf.reshape(crop, [s * s, c])), [s, s, c, 1]);
        size = s;
      }
      if (size !== a.k) throw new RangeError(`${this.name}: kernel size ${a.k} is not available`);
      return f;
    });
  }

  tensors(): tf.Tensor[] {
    return [this.weight, ...this.matrices.values()];
  }
}
