/**
 * A materialised ResNet50 sub-network: a static plan plus its own sliced, BN-folded weights; also rebuilt from saved
 * artifacts without any supernet (`staticSubnetFromArtifacts`, like OFA's `get_active_subnet()`).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dTorch } from '../ops/index.ts';
import type { MaterializedSubnet, ResNetSubnetConfig, StaticArtifacts } from '../types.ts';
import { activePlan } from './active-plan.ts';
import { resnetKey, validateResNetConfig } from './config.ts';
import { forwardPlan } from './forward.ts';
import { fromNetConfig, StaticTopologyError, toNetConfig } from './net-config.ts';
import { planWeightShapes, type ResNetPlan } from './plan.ts';

export class StaticResNet50 implements MaterializedSubnet {
  readonly key: string;
  readonly bytes: number;
  readonly ownBytes: number;
  private disposed = false;

  /**
   * Takes ownership of `weights` (named as `planWeightShapes(plan)`, checked here). `sharedBytes` of them share
   * the supernet's storage (tf.clone): they are not counted in `bytes`, the memory this sub-network adds.
   */
  constructor(readonly config: ResNetSubnetConfig, readonly plan: ResNetPlan, private readonly weights: Map<string, tf.Tensor>,
    sharedBytes = 0) {
    this.key = resnetKey(config);
    const shapes = planWeightShapes(plan);
    for (const [name, shape] of shapes) {
      const t = weights.get(name);
      if (t === undefined) throw new StaticTopologyError(`weights lack ${name} (shape [${shape.join(', ')}])`);
      if (t.dtype !== 'float32' || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new StaticTopologyError(`weight ${name} is ${t.dtype} [${t.shape.join(', ')}], expected float32 [${shape.join(', ')}]`);
      }
    }
    for (const name of weights.keys()) {
      if (!shapes.has(name)) throw new StaticTopologyError(`unexpected weight ${name} for this topology`);
    }
    this.bytes = [...weights.values()].reduce((s, t) => s + t.size * 4, 0);
    this.ownBytes = this.bytes - sharedBytes;
  }

  private w<R extends tf.Rank>(name: string): tf.Tensor<R> {
    return this.weights.get(name) as tf.Tensor<R>;
  }

  forward(xNHWC: tf.Tensor4D): tf.Tensor2D {
    if (this.disposed) throw new Error(`sub-network ${this.key} was disposed`);
    checkInput(this.key, this.config.image_size, xNHWC);
    const cls = this.plan.classifier.name;
    return tf.tidy(() => forwardPlan(this.plan, xNHWC,
      (spec, x) => conv2dTorch(x, this.w<tf.Rank.R4>(`${spec.name}.weight`), {
        stride: spec.stride, bias: this.w<tf.Rank.R1>(`${spec.name}.bias`), activation: spec.relu ? 'relu' : 'none',
      }),
      (x) => tf.fused.matMul({ a: x, b: this.w<tf.Rank.R2>(`${cls}.weight`), bias: this.w<tf.Rank.R1>(`${cls}.bias`) }) as tf.Tensor2D));
  }

  /** Topology (OFA net config + weight format) and this sub-network's own weight tensors (do not dispose them). */
  artifacts(): StaticArtifacts {
    return { arch: 'ofa-resnet50', config: this.config, topology: toNetConfig(this.plan), weights: new Map(this.weights) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.weights.values()) t.dispose();
  }
}

/** Throws unless `x` is NHWC [N, r, r, 3]. */
export function checkInput(key: string, r: number, x: tf.Tensor4D): void {
  const [, h, w, c] = x.shape;
  if (x.rank !== 4 || h !== r || w !== r || c !== 3) {
    throw new Error(`sub-network ${key} expects NHWC input [N, ${r}, ${r}, 3], got [${x.shape.join(', ')}]`);
  }
}

/**
 * Rebuilds a sub-network from saved artifacts; takes ownership of `a.weights` (clone them first to keep a second
 * owner alive). Throws if the topology is malformed, disagrees with the config, or the weights do not fit it.
 */
export function staticSubnetFromArtifacts(a: StaticArtifacts): MaterializedSubnet {
  if (a.arch !== 'ofa-resnet50') throw new StaticTopologyError(`artifacts are for ${String(a.arch)}, not ofa-resnet50`);
  const config = validateResNetConfig(a.config);
  const plan = fromNetConfig(a.topology);
  if (JSON.stringify(toNetConfig(plan)) !== JSON.stringify(toNetConfig(activePlan(config).plan))) {
    throw new StaticTopologyError(`topology does not describe the sub-network of config ${resnetKey(config)}`);
  }
  return new StaticResNet50(config, plan, a.weights);
}
