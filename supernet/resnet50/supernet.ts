/**
 * The OFA-ResNet50 supernet with SubNetAct: one resident set of full-size weights; LayerSelect (first base+d blocks
 * per stage, stem residual block iff d[0] = 2), WeightSlice (width indices, expand ratios, prefix channels, sliced
 * classifier), SubnetNorm (per-subnet BN statistics, else the checkpoint's) and elastic resolution.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dTorch } from '../ops/index.ts';
import type {
  BnStats, MaterializedSubnet, ResNetSubnetConfig, StateDict, SubnetConfig, SubnetNormTable, Supernet,
} from '../types.ts';
import { activePlan } from './active-plan.ts';
import { calibratePlan } from './calibrate.ts';
import { resnetKey, validateResNetConfig } from './config.ts';
import { BLOCK_SPECS, STAGE_OUT_WIDTHS } from './constants.ts';
import type { DynamicConvBn } from './dynamic-conv-bn.ts';
import { forwardPlan } from './forward.ts';
import { BottleneckBlock, InputStem, LinearClassifier, type Binding } from './modules.ts';
import type { ResNetPlan } from './plan.ts';
import { checkInput, StaticResNet50 } from './static-subnet.ts';

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
    let sharedBytes = 0;
    try {
      for (const [spec, layer] of bindings) {
        const { filter, bias, shared } = layer.materialize(spec.inC, spec.outC, norm?.get(layer.bnName));
        weights.set(`${spec.name}.weight`, filter);
        weights.set(`${spec.name}.bias`, bias);
        if (shared) sharedBytes += filter.size * 4;
      }
      const { weight, bias, shared } = this.classifier.materialize(plan.classifier.inF);
      weights.set(`${plan.classifier.name}.weight`, weight);
      weights.set(`${plan.classifier.name}.bias`, bias);
      if (shared) sharedBytes += weight.size * 4;
      return new StaticResNet50(valid, plan, weights, sharedBytes);
    } catch (e) {
      for (const t of weights.values()) t.dispose();
      throw e;
    }
  }

  materializedBytes(config: SubnetConfig): number {
    const { config: valid, plan, bindings } = this.activate(config);
    const norm = this.subnetNorm.get(resnetKey(valid));
    let bytes = 0;
    for (const [spec, layer] of bindings) {
      const whole = layer.prefolded && norm === undefined && spec.inC === layer.maxIn && spec.outC === layer.maxOut;
      bytes += (whole ? 0 : spec.kernel * spec.kernel * spec.inC * spec.outC * 4) + spec.outC * 4;
    }
    const inF = plan.classifier.inF;
    return bytes + (inF === this.classifier.maxIn ? 0 : inF * this.classifier.bias.size * 4) + this.classifier.bias.size * 4;
  }

  forwardOnce(config: SubnetConfig, xNHWC: tf.Tensor4D): tf.Tensor2D {
    const { config: valid, plan, bindings } = this.activate(config);
    checkInput(resnetKey(valid), valid.image_size, xNHWC);
    const norm = this.subnetNorm.get(resnetKey(valid));
    const layers = new Map(bindings.map(([spec, layer]) => [spec.name, layer] as const));
    return tf.tidy(() => forwardPlan(plan, xNHWC,
      (spec, x) => {
        const layer = layers.get(spec.name)!;
        const { filter, bias } = layer.materialize(spec.inC, spec.outC, norm?.get(layer.bnName));
        try {
          return conv2dTorch(x, filter, { stride: spec.stride, bias, activation: spec.relu ? 'relu' : 'none' });
        } finally {
          // Freeing them now (not at the end of the tidy) also frees tfjs-wasm's operator for them: one layer at a time.
          filter.dispose();
          bias.dispose();
        }
      },
      (x) => {
        const { weight, bias } = this.classifier.materialize(plan.classifier.inF);
        try {
          return tf.fused.matMul({ a: x, b: weight, bias }) as tf.Tensor2D;
        } finally {
          weight.dispose();
          bias.dispose();
        }
      }));
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
