/**
 * BN re-calibration per OFA's `set_running_statistics`: run the sub-network with every BN normalising by its
 * batch's own mean and biased variance, and average those per BN, weighted by batch size.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormWith, conv2dTorch, depthwiseConv2dTorch, applyActivation } from '../ops/index.ts';
import type { BnStats } from '../types.ts';
import { forwardMbV3, type ConvBnActRunner, type WeightGetter } from './static-forward.ts';
import { SubnetInputError } from './static-subnet.ts';
import type { MbV3Topology } from './topology.ts';

interface Accumulator { mean: Float64Array; variance: Float64Array; n: number }

/** Conv (unfolded kernel) -> batch-statistics BN (recorded) -> activation. */
function batchStatsRunner(w: WeightGetter, record: (bn: string, mean: Float32Array, variance: Float32Array) => void): ConvBnActRunner {
  return (x, layer) => {
    const op = layer.depthwise ? depthwiseConv2dTorch : conv2dTorch;
    const y = op(x, w(`${layer.name}.kernel`) as tf.Tensor4D, { stride: layer.stride });
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    record(layer.bn, mean.dataSync() as Float32Array, variance.dataSync() as Float32Array);
    const bn = { gamma: w(`${layer.name}.gamma`) as tf.Tensor1D, beta: w(`${layer.name}.beta`) as tf.Tensor1D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
    return applyActivation(batchNormWith(y, bn), layer.act);
  };
}

/**
 * `raw` holds the subnet's unfolded weights (`.kernel`, `.gamma`, `.beta` per conv layer, plus SE / head weights).
 * Returns supernet BN name -> {mean, var} of the active channels.
 */
export function calibrateMbV3(topology: MbV3Topology, raw: Map<string, tf.Tensor>, batchesNHWC: tf.Tensor4D[]): Map<string, BnStats> {
  if (!Array.isArray(batchesNHWC) || batchesNHWC.length === 0) throw new SubnetInputError('calibration needs at least one batch');
  const r = topology.image_size;
  for (const [i, b] of batchesNHWC.entries()) {
    if (b.rank !== 4 || b.shape[1] !== r || b.shape[2] !== r || b.shape[3] !== 3 || b.shape[0] < 1) {
      throw new SubnetInputError(`calibration batch ${i} must be NHWC [N,${r},${r},3], got [${b.shape.join(',')}]`);
    }
  }
  const get: WeightGetter = (name) => {
    const t = raw.get(name);
    if (!t) throw new Error(`calibration: no weight ${name}`);
    return t;
  };
  const acc = new Map<string, Accumulator>();
  for (const batch of batchesNHWC) {
    const n = batch.shape[0];
    const record = (bn: string, mean: Float32Array, variance: Float32Array) => {
      let a = acc.get(bn);
      if (!a) acc.set(bn, (a = { mean: new Float64Array(mean.length), variance: new Float64Array(mean.length), n: 0 }));
      for (let c = 0; c < mean.length; c++) {
        a.mean[c] = a.mean[c]! + n * mean[c]!;
        a.variance[c] = a.variance[c]! + n * variance[c]!;
      }
      a.n += n;
    };
    tf.tidy(() => { forwardMbV3(topology, get, batch, batchStatsRunner(get, record)); });
  }
  const out = new Map<string, BnStats>();
  for (const [bn, a] of acc) {
    out.set(bn, { mean: Float32Array.from(a.mean, (v) => v / a.n), var: Float32Array.from(a.variance, (v) => v / a.n) });
  }
  return out;
}
