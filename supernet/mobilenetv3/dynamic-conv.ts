/**
 * DynamicConv2d: a regular conv stored at max size (HWIO); a subnet uses the prefix `W[:out, :in]`.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { convOihwToHwio } from '../ops/index.ts';
import type { StateDict } from '../types.ts';
import { takeRaw } from './state-dict.ts';

export interface ActiveConvDims {
  inC: number;
  outC: number;
  k: number;
}

export class DynamicConv2d {
  readonly depthwise = false;
  private constructor(readonly name: string, private readonly kernel: tf.Tensor4D) {}

  static fromStateDict(sd: StateDict, name: string, outC: number, inC: number, k: number): DynamicConv2d {
    return new DynamicConv2d(name, convOihwToHwio(name, takeRaw(sd, name, [outC, inC, k, k])));
  }

  get maxIn(): number { return this.kernel.shape[2]; }
  get maxOut(): number { return this.kernel.shape[3]; }
  get kernelSize(): number { return this.kernel.shape[0]; }

  /** `W[:outC, :inC]` as HWIO (a new tensor). The kernel size is fixed. */
  materialize(a: ActiveConvDims): tf.Tensor4D {
    if (a.inC > this.maxIn || a.outC > this.maxOut || a.k !== this.kernelSize) {
      throw new RangeError(`${this.name}: cannot take ${a.k}x${a.k} ${a.inC}->${a.outC} from ${this.kernelSize}x${this.kernelSize} ${this.maxIn}->${this.maxOut}`);
    }
    if (a.inC === this.maxIn && a.outC === this.maxOut) return tf.clone(this.kernel);
    return tf.slice(this.kernel, [0, 0, 0, 0], [a.k, a.k, a.inC, a.outC]);
  }

  tensors(): tf.Tensor[] {
    return [this.kernel];
  }
}
