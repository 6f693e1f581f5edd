/**
 * SubNetAct on top of one resident supernet: run a batch on any sub-network, using the bounded cache of
 * materialised sub-networks when the sub-network is (or can be made) resident, else slicing for this batch only.
 * Both paths run the same materialised code, so they give the same numbers.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { SubnetCache } from './subnet-cache.ts';
import type { MaterializedSubnet, SubnetConfig, Supernet } from './types.ts';

export interface EngineOptions {
  /** Budget of the materialised-subnet cache in MiB; 0 disables caching (slice every batch). */
  cacheBudgetMiB?: number;
}

export const DEFAULT_CACHE_MIB = 512;

export class SubnetEngine {
  readonly cache: SubnetCache;

  constructor(readonly supernet: Supernet, opts: EngineOptions = {}) {
    this.cache = new SubnetCache((opts.cacheBudgetMiB ?? DEFAULT_CACHE_MIB) * 1024 * 1024);
  }

  /** Logits [N, classes] of `config` on NHWC input. Synchronous: the caller owns the returned tensor. */
  run(x: tf.Tensor4D, config: SubnetConfig): tf.Tensor2D {
    const key = this.supernet.key(config);
    const cached = this.cache.get(key);
    if (cached !== undefined) return tf.tidy(() => cached.forward(x));
    const m = this.materialize(config);
    const y = tf.tidy(() => m.forward(x));
    if (!this.cache.put(m)) m.dispose();
    return y;
  }

  /** Materialises outside any caller's tf.tidy scope: the sliced weights must outlive it (they may be cached). */
  private materialize(config: SubnetConfig): MaterializedSubnet {
    const m = this.supernet.materialize(config);
    for (const t of m.artifacts().weights.values()) tf.keep(t);
    return m;
  }

  /** Forces the slice-per-batch path (used by benchmarks to compare against the cached one). */
  runUncached(x: tf.Tensor4D, config: SubnetConfig): tf.Tensor2D {
    const m = this.materialize(config);
    try {
      return tf.tidy(() => m.forward(x));
    } finally {
      m.dispose();
    }
  }

  /** Runs `config` on NCHW float32 data (the fixtures' and run-subnet's layout); returns logits. */
  async runNCHW(data: Float32Array, n: number, config: SubnetConfig): Promise<{ logits: Float32Array; classes: number }> {
    const r = config.image_size;
    const y = tf.tidy(() => this.run(tf.transpose(tf.tensor4d(data, [n, 3, r, r]), [0, 2, 3, 1]), config));
    try {
      return { logits: (await y.data()) as Float32Array, classes: y.shape[1] };
    } finally {
      y.dispose();
    }
  }

  dispose(): void {
    this.cache.clear();
    this.supernet.dispose();
  }
}
