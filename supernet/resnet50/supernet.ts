/**
 * The OFA-ResNet50 supernet with SubNetAct: one resident set of full-size weights; LayerSelect (first base+d blocks
 * per stage, stem residual block iff d[0] = 2), WeightSlice (width indices, expand ratios, prefix channels, sliced
 * classifier), SubnetNorm (per-subnet BN statistics, else the checkpoint's) and elastic resolution.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type {
  BnStats, MaterializedSubnet, ResNetSubnetConfig, StateDict, SubnetConfig, SubnetNormTable, Supernet,
} from '../types.ts';
import { activePlan } from './active-plan.ts';
import { calibratePlan } from './calibrate.ts';
import { resnetKey, validateResNetConfig } from './config.ts';
import { BLOCK_SPECS, STAGE_OUT_WIDTHS } from './constants.ts';
import type { DynamicConvBn } from './dynamic-conv-bn.ts';
import { BottleneckBlock, InputStem, LinearClassifier, type Binding } from './modules.ts';
import type { ResNetPlan } from './plan.ts';
import { StaticResNet50 } from './static-subnet.ts';

class ResNet50Supernet implements Supernet {
  readonly arch = 'ofa-resnet50' as const;
  private readonly stem: InputStem;
  private readonly blocks: BottleneckBlock[];
  private readonly classifier: LinearClassifier;
  private disposed = false;

  constructor(sd: StateDict, readonly subnetNorm: SubnetNormTable) {
    let modules: { stem: InputStem; blocks: BottleneckBlock[]; classifier: LinearClassifier } | undefined;
    // Inside one tidy, a bad checkpoint entry frees the tensors already created; the returned ones are kept.
    tf.tidy(() => {
      const stem = new InputStem(sd);
      const blocks = BLOCK_SPECS.map((spec) => new BottleneckBlock(sd, spec));
      const classifier = new LinearClassifier(sd, Math.max(...STAGE_OUT_WIDTHS.at(-1)!));
      modules = { stem, blocks, classifier };
      return [stem, ...blocks, classifier].flatMap((m) => m.tensors());
    });
    ({ stem: this.stem, blocks: this.blocks, classifier: this.classifier } = modules!);
  }

  validate(config: unknown): ResNetSubnetConfig {
    return validateResNetConfig(config);
  }

  key(config: SubnetConfig): string {
    return resnetKey(validateResNetConfig(config));
  }

  /** The config's static plan and, per static conv layer, the supernet layer it slices. */
  private activate(config: SubnetConfig): { config: ResNetSubnetConfig; plan: ResNetPlan; bindings: Binding[] } {
    if (this.disposed) throw new Error('the ofa-resnet50 supernet was disposed');
    const valid = validateResNetConfig(config);
    const { plan, supernetBlocks } = activePlan(valid);
    const bindings = this.stem.bind(plan.stem);
    plan.blocks.forEach((b, n) => bindings.push(...this.blocks[supernetBlocks[n]!]!.bind(b)));
    return { config: valid, plan, bindings };
  }

  materialize(config: SubnetConfig): MaterializedSubnet {
    const { config: valid, plan, bindings } = this.activate(config);
    const norm: Map<string, BnStats> | undefined = this.subnetNorm.get(resnetKey(valid));
    const weights = new Map<string, tf.Tensor>();
    try {
      for (const [spec, layer] of bindings) {
        const { filter, bias } = layer.materialize(spec.inC, spec.outC, norm?.get(layer.bnName));
        weights.set(`${spec.name}.weight`, filter);
        weights.set(`${spec.name}.bias`, bias);
      }
      const { weight, bias } = this.classifier.materialize(plan.classifier.inF);
      weights.set(`${plan.classifier.name}.weight`, weight);
      weights.set(`${plan.classifier.name}.bias`, bias);
      return new StaticResNet50(valid, plan, weights);
    } catch (e) {
      for (const t of weights.values()) t.dispose();
      throw e;
    }
  }

  calibrate(config: SubnetConfig, batchesNHWC: tf.Tensor4D[]): Map<string, BnStats> {
    const { config: valid, plan, bindings } = this.activate(config);
    if (batchesNHWC.length === 0) throw new Error('calibrate needs at least one batch');
    const r = valid.image_size;
    for (const [i, x] of batchesNHWC.entries()) {
      const [n, h, w, c] = x.shape;
      if (x.rank !== 4 || n === 0 || h !== r || w !== r || c !== 3) {
        throw new Error(`calibration batch ${i} must be NHWC [N>0, ${r}, ${r}, 3], got [${x.shape.join(', ')}]`);
      }
    }
    const layers = new Map<string, DynamicConvBn>(bindings.map(([spec, layer]) => [spec.name, layer]));
    return calibratePlan(plan, layers, batchesNHWC);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of [this.stem, ...this.blocks, this.classifier]) m.dispose();
  }
}

/** Builds the supernet from an OFA `ofa_resnet50` state_dict (PyTorch names and shapes, float32). */
export function createResNet50Supernet(sd: StateDict, subnetNorm: SubnetNormTable): Supernet {
  return new ResNet50Supernet(sd, subnetNorm);
}
