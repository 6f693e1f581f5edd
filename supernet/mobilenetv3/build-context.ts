/**
 * What the dynamic modules write while a sub-network is being cut out of the supernet.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BnStats } from '../types.ts';

export interface BuildContext {
  /**
   * true: BN folded into `${layer}.kernel` + `${layer}.bias` (a servable static subnet).
   * false: raw sliced `${layer}.kernel` plus `.gamma`, `.beta`, `.mean`, `.var` (for BN re-calibration).
   */
  fold: boolean;
  /** Per-subnet statistics for a supernet BN name (SubnetNorm), or undefined to use the checkpoint's. */
  stats(bnName: string): BnStats | undefined;
  /** Output: static weight name -> new tensor. */
  weights: Record<string, tf.Tensor>;
}
