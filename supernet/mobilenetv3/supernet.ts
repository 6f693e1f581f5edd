/**
 * The OFA-MobileNetV3 supernet behind the `Supernet` contract: validate/key configs, materialize sub-networks
 * (SubNetAct: LayerSelect + WeightSlice + SubnetNorm, BN folded) and re-calibrate their BN statistics.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type {
  ArchName, BnStats, MaterializedSubnet, MbV3SubnetConfig, StateDict, SubnetConfig, SubnetNormTable, Supernet,
} from '../types.ts';
import { mbv3Arch, type MbV3Arch, type MbV3Width } from './arch.ts';
import type { BuildContext } from './build-context.ts';
import { calibrateMbV3 } from './calibrate.ts';
import { mbv3Key, validateMbV3Config } from './config.ts';
import { OfaMbV3Net } from './ofa-mbv3-net.ts';
import { StaticMbV3Subnet } from './static-subnet.ts';
import type { MbV3Topology } from './topology.ts';

class MbV3Supernet implements Supernet {
  readonly arch: ArchName;
  private readonly spec: MbV3Arch;
  private net: OfaMbV3Net | null;

  constructor(width: MbV3Width, sd: StateDict, readonly subnetNorm: SubnetNormTable) {
    this.spec = mbv3Arch(width);
    this.arch = this.spec.arch;
    this.net = new OfaMbV3Net(this.spec, sd);
  }

  validate(config: unknown): MbV3SubnetConfig {
    return validateMbV3Config(config);
  }

  key(config: SubnetConfig): string {
    return mbv3Key(this.spec, this.validate(config));
  }

  /** Cut the subnet's weights (folded for serving, or raw for calibration) with its SubnetNorm stats if known. */
  private cut(config: SubnetConfig, fold: boolean): { key: string; topology: MbV3Topology; weights: Map<string, tf.Tensor> } {
    const net = this.net;
    if (!net) throw new Error(`${this.arch} supernet was disposed`);
    const c = this.validate(config);
    const key = mbv3Key(this.spec, c);
    const norm = this.subnetNorm.get(key);
    let topology: MbV3Topology | undefined;
    const record = tf.tidy(() => {
      const ctx: BuildContext = { fold, stats: (bn) => norm?.get(bn), weights: {} };
      topology = net.build(c, ctx);
      return ctx.weights;
    });
    return { key, topology: topology!, weights: new Map(Object.entries(record)) };
  }

  materialize(config: SubnetConfig): MaterializedSubnet {
    const { key, topology, weights } = this.cut(config, true);
    return new StaticMbV3Subnet(key, topology, weights);
  }

  calibrate(config: SubnetConfig, batchesNHWC: tf.Tensor4D[]): Map<string, BnStats> {
    const { topology, weights } = this.cut(config, false);
    try {
      return calibrateMbV3(topology, weights, batchesNHWC);
    } finally {
      tf.dispose([...weights.values()]);
    }
  }

  dispose(): void {
    this.net?.dispose();
    this.net = null;
  }
}

/**
 * Load an OFA MobileNetV3 supernet (`ofa_mbv3_d234_e346_k357_w1.0` / `w1.2`) from its state_dict (OFA names,
 * PyTorch shapes; converted to tf layouts once here). `subnetNorm` is kept by reference: entries added later are
 * used by later materialize() calls.
 */
export function createMbV3Supernet(width: 1.0 | 1.2, sd: StateDict, subnetNorm: SubnetNormTable): Supernet {
  return new MbV3Supernet(width, sd, subnetNorm);
}
