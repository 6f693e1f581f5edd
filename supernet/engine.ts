/**
 * SubNetAct on top of one resident supernet: run a batch on any sub-network, from the bounded cache of
 * materialised sub-networks when it is (or can be made) resident, else streamed: each layer's weights cut just
 * before it runs and freed right after (or, for a supernet that cannot stream, materialised for this batch only).
 * All paths run the same weights through the same ops, so they give the same numbers.
 *
 * The cache is budgeted in resident bytes. On WASM a cached conv filter costs three times its size: the tensor,
 * XNNPACK's packed copy, and the transposed copy tfjs-wasm keeps next to it for the operator's lifetime
 * (tfjs-backend-wasm conv2d_impl.cc, 4.22.0; measured: 180 MiB of 3x3 filters grew the heap by 386 MiB once run).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_CACHE_MIB } from './defaults.ts';
import { SubnetCache } from './subnet-cache.ts';
import type { MaterializedSubnet, SubnetConfig, Supernet } from './types.ts';

export interface EngineOptions {
  /** Budget of the materialised-subnet cache in MiB of resident memory; 0 disables caching (stream every batch). */
  cacheBudgetMiB?: number;
}


export class SubnetEngine {
  readonly cache: SubnetCache;

  constructor(readonly supernet: Supernet, opts: EngineOptions = {}) {
    this.cache = new SubnetCache((opts.cacheBudgetMiB ?? DEFAULT_CACHE_MIB) * 1024 * 1024);
  }

  /** Resident bytes per materialised byte on the active backend (see the module doc). */
  static residentFactor(): number {
    return tf.getBackend() === 'wasm' ? 3 : 1;
  }

  /** Logits [N, classes] of `config` on NHWC input. Synchronous: the caller owns the returned tensor. */
  run(x: tf.Tensor4D, config: SubnetConfig): tf.Tensor2D {
    const key = this.supernet.key(config);
    const cached = this.cache.get(key);
    if (cached !== undefined) return tf.tidy(() => cached.forward(x));
    const estimate = this.supernet.materializedBytes?.(config);
    if (estimate !== undefined) {
      if (estimate * SubnetEngine.residentFactor() > this.cache.budgetBytes) return this.runUncached(x, config);
      this.cache.makeRoom(estimate * SubnetEngine.residentFactor());
    }
    const m = this.materialize(config);
    const y = tf.tidy(() => m.forward(x));
    if (!this.cache.put(m, (m.ownBytes ?? m.bytes) * SubnetEngine.residentFactor())) m.dispose();
    return y;
  }

  /** Materialises outside any caller's tf.tidy scope: the sliced weights must outlive it (they may be cached). */
  private materialize(config: SubnetConfig): MaterializedSubnet {
    const m = this.supernet.materialize(config);
    for (const t of m.artifacts().weights.values()) tf.keep(t);
    return m;
  }

  /** The path without the cache: streamed layer by layer where the supernet can, else materialised for this batch. */
  runUncached(x: tf.Tensor4D, config: SubnetConfig): tf.Tensor2D {
    if (this.supernet.forwardOnce !== undefined) return this.supernet.forwardOnce(config, x);
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
