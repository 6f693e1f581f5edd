/**
 * Eval-mode BatchNorm as a per-channel affine map, from plain arrays: `scale = γ/√(σ²+eps)`, `shift = β − μ·scale`,
 * over the first C channels (WeightSlice), with per-subnet statistics when given (SubnetNorm).
 * @module
 */
import { BN_EPS } from '../ops/index.ts';
import type { BnStats } from '../types.ts';

export class SubnetNormError extends Error {
  override name = 'SubnetNormError';
}

export interface BnParams {
  gamma: Float32Array;
  beta: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
}

/** Per-channel (scale, shift) of the first `channels` channels; `stats` (length = channels) replace the running ones. */
export function bnScaleShift(bn: BnParams, channels: number, stats: BnStats | undefined, bnName: string):
{ scale: Float32Array; shift: Float32Array } {
  if (stats !== undefined && (stats.mean.length !== channels || stats.var.length !== channels)) {
    throw new SubnetNormError(`SubnetNorm statistics of ${bnName} have ${stats.mean.length}/${stats.var.length} `
      + `mean/var values; the sub-network uses ${channels} channels`);
  }
  const mean = stats?.mean ?? bn.runningMean;
  const variance = stats?.var ?? bn.runningVar;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = bn.gamma[c]! / Math.sqrt(variance[c]! + BN_EPS);
    scale[c] = s;
    shift[c] = bn.beta[c]! - mean[c]! * s;
  }
  return { scale, shift };
}
