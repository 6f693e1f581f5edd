/**
 * A materialized (static) MobileNetV3 sub-network: BN-folded weights + topology, runnable without the supernet.
 * `staticSubnetFromArtifacts` rebuilds one from exported artifacts (like OFA's get_active_subnet()).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MaterializedSubnet, StaticArtifacts } from '../types.ts';
import { archName, mbv3Arch, type MbV3Width } from './arch.ts';
import { mbv3Key, validateMbV3Config } from './config.ts';
import { expectedWeightShapes, type MbV3Topology } from './topology.ts';
import { foldedConvRunner, forwardMbV3 } from './static-forward.ts';

export class StaticArtifactsError extends Error {
  override name = 'StaticArtifactsError';
}

export class SubnetInputError extends Error {
  override name = 'SubnetInputError';
}

export class StaticMbV3Subnet implements MaterializedSubnet {
  readonly bytes: number;
  private disposed = false;

  /** Takes ownership of `weights` (must match `expectedWeightShapes(topology)`). */
  constructor(readonly key: string, private readonly topology: MbV3Topology, private readonly weights: Map<string, tf.Tensor>) {
    let bytes = 0;
    for (const t of weights.values()) bytes += t.size * 4;
    this.bytes = bytes;
  }

  get imageSize(): number { return this.topology.image_size; }

  forward(x: tf.Tensor4D): tf.Tensor2D {
    if (this.disposed) throw new Error(`subnet ${this.key} was disposed`);
    const r = this.topology.image_size;
    if (x.rank !== 4 || x.shape[1] !== r || x.shape[2] !== r || x.shape[3] !== 3) {
      throw new SubnetInputError(`subnet ${this.key} takes NHWC [N,${r},${r},3] input, got [${x.shape.join(',')}]`);
    }
    const get = (name: string): tf.Tensor => {
      const t = this.weights.get(name);
      if (!t) throw new StaticArtifactsError(`subnet ${this.key} has no weight ${name}`);
      return t;
    };
    return tf.tidy(() => forwardMbV3(this.topology, get, x, foldedConvRunner(get)));
  }

  /** Topology (a deep copy) + this subnet's own weight tensors: valid until dispose(); do not dispose them. */
  artifacts(): StaticArtifacts {
    return {
      arch: archName(this.topology.width),
      config: structuredClone(this.topology.config),
      topology: structuredClone(this.topology),
      weights: new Map(this.weights),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...this.weights.values()]);
    this.weights.clear();
  }
}

function widthOf(arch: unknown): MbV3Width {
  if (arch === 'ofa-mbv3-w1.0') return 1.0;
  if (arch === 'ofa-mbv3-w1.2') return 1.2;
  throw new StaticArtifactsError(`artifacts are for arch ${JSON.stringify(arch)}, not an OFA MobileNetV3 (ofa-mbv3-w1.0 / ofa-mbv3-w1.2)`);
}

/**
 * Rebuild a runnable subnet from artifacts (e.g. loaded from disk). The weights are cloned (buffers shared, cheap):
 * the caller keeps ownership of `a.weights`.
 */
export function staticSubnetFromArtifacts(a: StaticArtifacts): MaterializedSubnet {
  const width = widthOf(a.arch);
  const t = a.topology as Partial<MbV3Topology> | null;
  if (typeof t !== 'object' || t === null || t.name !== 'MobileNetV3' || t.format !== 1 || !Array.isArray(t.blocks)) {
    throw new StaticArtifactsError('topology is not a MobileNetV3 topology (format 1)');
  }
  if (t.width !== width) throw new StaticArtifactsError(`topology width ${String(t.width)} does not match arch ${a.arch}`);
  const topology = t as MbV3Topology;
  let config;
  try {
    config = validateMbV3Config(a.config);
  } catch (err) {
    throw new StaticArtifactsError(`artifacts config is invalid: ${(err as Error).message}`);
  }
  if (topology.image_size !== config.image_size) {
    throw new StaticArtifactsError(`topology image_size ${topology.image_size} != config image_size ${config.image_size}`);
  }
  const expected = expectedWeightShapes(topology);
  for (const [name, shape] of expected) {
    const w = a.weights.get(name);
    if (!w) throw new StaticArtifactsError(`missing weight ${name} (shape [${shape.join(',')}])`);
    if (w.dtype !== 'float32') throw new StaticArtifactsError(`weight ${name} is ${w.dtype}, expected float32`);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new StaticArtifactsError(`weight ${name} has shape [${w.shape.join(',')}], expected [${shape.join(',')}]`);
    }
  }
  for (const name of a.weights.keys()) {
    if (!expected.has(name)) throw new StaticArtifactsError(`unexpected weight ${name}`);
  }
  const weights = new Map<string, tf.Tensor>();
  for (const name of expected.keys()) weights.set(name, tf.clone(a.weights.get(name)!));
  return new StaticMbV3Subnet(mbv3Key(mbv3Arch(width), config), structuredClone(topology), weights);
}
