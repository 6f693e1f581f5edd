/**
 * BN re-calibration of one sub-network, exactly OFA's `set_running_statistics`: every active BN normalises with its
 * batch's mean and BIASED variance over (N, H, W), and the result per BN is the batch-size-weighted average of the
 * per-batch means and of the per-batch variances. Statistics are accumulated in float64.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { BN_EPS } from '../ops/index.ts';
import type { BnStats } from '../types.ts';
import type { DynamicConvBn } from './dynamic-conv-bn.ts';
import { forwardPlan } from './forward.ts';
import type { ResNetPlan } from './plan.ts';

class StatsMeter {
  private readonly sums = new Map<string, { n: number; mean: Float64Array; var: Float64Array }>();

  /** Adds one batch's per-channel statistics of NHWC activations `y` (channels innermost). */
  add(bnName: string, y: Float32Array, batch: number, channels: number): { mean: Float32Array; var: Float32Array } {
    const count = y.length / channels;
    const mean = new Float64Array(channels);
    for (let i = 0; i < y.length; i += channels) for (let c = 0; c < channels; c++) mean[c]! += y[i + c]!;
    for (let c = 0; c < channels; c++) mean[c]! /= count;
    const variance = new Float64Array(channels);
    for (let i = 0; i < y.length; i += channels) {
      for (let c = 0; c < channels; c++) { const d = y[i + c]! - mean[c]!; variance[c]! += d * d; }
    }
    for (let c = 0; c < channels; c++) variance[c]! /= count;
    let s = this.sums.get(bnName);
    if (s === undefined) this.sums.set(bnName, s = { n: 0, mean: new Float64Array(channels), var: new Float64Array(channels) });
    s.n += batch;
    for (let c = 0; c < channels; c++) { s.mean[c]! += batch * mean[c]!; s.var[c]! += batch * variance[c]!; }
    return { mean: Float32Array.from(mean), var: Float32Array.from(variance) };
  }

  result(): Map<string, BnStats> {
    const out = new Map<string, BnStats>();
    for (const [name, s] of this.sums) {
      out.set(name, { mean: Float32Array.from(s.mean, (v) => v / s.n), var: Float32Array.from(s.var, (v) => v / s.n) });
    }
    return out;
  }
}

/** Runs every batch through `plan` with batch-statistics BN; returns the statistics per supernet BN module name. */
export function calibratePlan(plan: ResNetPlan, layers: Map<string, DynamicConvBn>, batchesNHWC: tf.Tensor4D[]): Map<string, BnStats> {
  const meter = new StatsMeter();
  for (const x of batchesNHWC) {
    const batch = x.shape[0];
    const out = tf.tidy(() => forwardPlan(plan, x, (spec, h) => {
      const layer = layers.get(spec.name);
      if (layer === undefined) throw new Error(`no supernet layer bound to ${spec.name}`);
      const y = tf.conv2d(h, layer.sliceFilter(spec.inC, spec.outC), spec.stride, Math.floor(spec.kernel / 2));
      const stats = meter.add(layer.bnName, y.dataSync() as Float32Array, batch, spec.outC);
      const { gamma, beta } = layer.bn;
      const z = tf.batchNorm(y, tf.tensor1d(stats.mean), tf.tensor1d(stats.var),
        tf.tensor1d(beta.subarray(0, spec.outC)), tf.tensor1d(gamma.subarray(0, spec.outC)), BN_EPS);
      return spec.relu ? tf.relu(z) : z;
    }, (pooled) => tf.clone(pooled)));
    out.dispose();
  }
  return meter.result();
}
