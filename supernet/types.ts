/**
 * Contracts shared by the whole model side. Nothing here knows about HTTP or scheduling.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';

export type ArchName = 'ofa-resnet50' | 'ofa-mbv3-w1.0' | 'ofa-mbv3-w1.2';
export const ARCH_NAMES: readonly ArchName[] = ['ofa-resnet50', 'ofa-mbv3-w1.0', 'ofa-mbv3-w1.2'];

/** OFA MobileNetV3 sub-network, exactly OFA's `set_active_subnet` dict plus the resolution. */
export interface MbV3SubnetConfig { ks: number[]; e: number[]; d: number[]; image_size: number }
/** OFA ResNet50 sub-network: `d` 5 ints, `e` 18 floats, `w` 6 width *indices*, plus the resolution. */
export interface ResNetSubnetConfig { d: number[]; e: number[]; w: number[]; image_size: number }
export type SubnetConfig = MbV3SubnetConfig | ResNetSubnetConfig;

/** A tensor as read from a checkpoint, before it becomes a tf tensor. Shapes are PyTorch's (OIHW etc.). */
export interface RawTensor {
  shape: number[];
  dtype: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
}
/** OFA state_dict names (no `module.` prefix) -> tensor. */
export type StateDict = Map<string, RawTensor>;

/** Expected shape of every state_dict entry of an architecture, in OFA's order. */
export type StateDictSpec = Array<{ name: string; shape: number[]; dtype: 'float32' | 'int64' }>;

/** Running statistics of one BatchNorm layer (biased variance, as OFA stores it). */
export interface BnStats { mean: Float32Array; var: Float32Array }
/** SubnetNorm table: subnet key (see `Supernet.key`) -> supernet BN module name (e.g. `blocks.5.conv.depth_conv.bn.bn`) -> stats. */
export type SubnetNormTable = Map<string, Map<string, BnStats>>;

/** Thrown for a config that does not describe a sub-network of this supernet; names the field and value. */
export class SubnetConfigError extends Error {
  constructor(readonly field: string, readonly value: unknown, reason: string) {
    super(`invalid subnet config: ${field}=${JSON.stringify(value)}: ${reason}`);
    this.name = 'SubnetConfigError';
  }
}

/**
 * A sub-network whose weights are sliced, kernel-transformed and BN-folded: a static model.
 * `forward` is synchronous (wrap in tf.tidy) and takes NHWC input of the subnet's resolution.
 */
export interface MaterializedSubnet {
  readonly key: string;
  /** Bytes of its weights (its size as a static model). */
  readonly bytes: number;
  /** Bytes it adds to the supernet's: weights that share the supernet's storage do not count (default `bytes`). */
  readonly ownBytes?: number;
  forward(xNHWC: tf.Tensor4D): tf.Tensor2D;
  /** What `export-subnet` saves: a JSON-able topology plus named weight tensors (owned by this subnet). */
  artifacts(): StaticArtifacts;
  dispose(): void;
}

/**
 * A static sub-network as saved on disk (tfjs weights-manifest format + this topology).
 * Each architecture provides `staticSubnetFromArtifacts(a)` that rebuilds a MaterializedSubnet from it
 * without any supernet (like OFA's get_active_subnet()).
 */
export interface StaticArtifacts {
  arch: ArchName;
  config: SubnetConfig;
  /** Architecture-specific, JSON-serialisable description of the static layers. */
  topology: unknown;
  weights: Map<string, tf.Tensor>;
}

export interface Supernet {
  readonly arch: ArchName;
  /** Validate an untrusted object as a config of this supernet; throws SubnetConfigError. */
  validate(config: unknown): SubnetConfig;
  /** Canonical, stable string for a config (used as cache and SubnetNorm key). */
  key(config: SubnetConfig): string;
  /** Slice + fold the sub-network's weights (per-subnet BN statistics if known, else the shared ones). */
  materialize(config: SubnetConfig): MaterializedSubnet;
  /**
   * Optional: what `materialize(config).ownBytes` would be, without materialising. Engines use it to decide whether
   * to cache a sub-network before paying for it.
   */
  materializedBytes?(config: SubnetConfig): number;
  /**
   * Optional: logits of `config` without keeping a materialised copy (synchronous; the caller owns the result):
   * each layer's weights are cut just before it runs and freed right after, so the memory high-water mark grows
   * by one layer, not by the whole sub-network. Same numbers as `materialize(config).forward(x)`.
   */
  forwardOnce?(config: SubnetConfig, xNHWC: tf.Tensor4D): tf.Tensor2D;
  /** Sub-network BN statistics per OFA's set_running_statistics over the given NHWC batches. */
  calibrate(config: SubnetConfig, batchesNHWC: tf.Tensor4D[]): Map<string, BnStats>;
  /** Per-subnet BN statistics the engine uses (SubnetNorm). */
  readonly subnetNorm: SubnetNormTable;
  dispose(): void;
}

export function parseArch(s: string | undefined): ArchName {
  if (s !== undefined && (ARCH_NAMES as readonly string[]).includes(s)) return s as ArchName;
  throw new Error(`unknown architecture ${JSON.stringify(s)}: expected one of ${ARCH_NAMES.join(', ')}`);
}
