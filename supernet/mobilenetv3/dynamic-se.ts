/**
 * DynamicSE: squeeze-excite of max width M; with C active channels it uses S = make_divisible(C // 4, 8) and the
 * prefixes `Wr[:S, :C]`, `br[:S]`, `We[:C, :S]`, `be[:C]`. Stored as matmul kernels ([in, out]).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearToInOut, rawToTensor } from '../ops/index.ts';
import type { StateDict } from '../types.ts';
import { seChannels } from './arch.ts';
import { takeRaw } from './state-dict.ts';

export interface SeWeights {
  reduceKernel: tf.Tensor2D;
  reduceBias: tf.Tensor1D;
  expandKernel: tf.Tensor2D;
  expandBias: tf.Tensor1D;
}

export class DynamicSE {
  private constructor(
    readonly name: string,
    readonly maxC: number,
    private readonly w: SeWeights,
  ) {}

  /** `name` is the SE module, e.g. `blocks.5.conv.depth_conv.se`. */
  static fromStateDict(sd: StateDict, name: string, c: number): DynamicSE {
    const s = seChannels(c);
    const r = `${name}.fc.reduce`;
    const e = `${name}.fc.expand`;
    return new DynamicSE(name, c, {
      reduceKernel: linearToInOut(`${r}.weight`, takeRaw(sd, `${r}.weight`, [s, c, 1, 1])),
      reduceBias: rawToTensor(`${r}.bias`, takeRaw(sd, `${r}.bias`, [s])) as tf.Tensor1D,
      expandKernel: linearToInOut(`${e}.weight`, takeRaw(sd, `${e}.weight`, [c, s, 1, 1])),
      expandBias: rawToTensor(`${e}.bias`, takeRaw(sd, `${e}.bias`, [c])) as tf.Tensor1D,
    });
  }

  /** The SE weights for C active channels (new tensors). */
  materialize(c: number): SeWeights {
    if (c > this.maxC) throw new RangeError(`${this.name}: ${c} channels requested, has ${this.maxC}`);
    const s = seChannels(c);
    return {
      reduceKernel: tf.slice(this.w.reduceKernel, [0, 0], [c, s]),
      reduceBias: tf.slice(this.w.reduceBias, [0], [s]),
      expandKernel: tf.slice(this.w.expandKernel, [0, 0], [s, c]),
      expandBias: tf.slice(this.w.expandBias, [0], [c]),
    };
  }

  tensors(): tf.Tensor[] {
    return Object.values(this.w);
  }
}
