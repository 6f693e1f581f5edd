/**
 * What runs inside an inference worker, whatever carries its messages: selects the backend, loads the
 * supernet once, warms up the served sub-networks and runs batches.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../supernet/backend.ts';
import { SubnetEngine } from '../../supernet/engine.ts';
import { loadModel } from '../../supernet/load.ts';
import type { SubnetConfig } from '../../supernet/types.ts';
import { checkpointIdentity } from './nats-identity.ts';
import type { BatchJob, BatchReply, ImageItem, WorkerInfo, WorkerInit } from './protocol.ts';

export class EngineHost {
  private constructor(
    readonly engine: SubnetEngine,
    readonly info: WorkerInfo,
    private readonly configs: Map<number, SubnetConfig>,
  ) {}

  static async create(init: WorkerInit): Promise<EngineHost> {
    const backend = await selectBackend(init.backend);
    const model = await loadModel(init.checkpoint, init.arch);
    const engine = new SubnetEngine(model.supernet, { cacheBudgetMiB: init.cacheMiB });
    const configs = new Map(init.subnets.map((s) => [s.id, model.supernet.validate(s.config)] as const));
    const first = configs.values().next().value;
    if (first === undefined) throw new Error('worker has no sub-networks to serve');
    const probe = tf.tidy(() => engine.run(tf.zeros([1, first.image_size, first.image_size, 3]) as tf.Tensor4D, first));
    const numClasses = probe.shape[1];
    probe.dispose();
    const host = new EngineHost(engine, {
      arch: model.arch, backend: backend.name, untrained: model.untrained, checkpoint: model.source,
      checkpointHash: (await checkpointIdentity(model.source, model.arch)).checkpointHash, numClasses,
    }, configs);
    host.warmUp(init.warmupBatches);
    return host;
  }

  config(subnetId: number): SubnetConfig {
    const c = this.configs.get(subnetId);
    if (c === undefined) throw new Error(`unknown sub-network id ${subnetId}`);
    return c;
  }

  subnetIds(): number[] { return [...this.configs.keys()]; }

  /** The first call per (weights, batch shape) is slow on wasm (operator creation): pay it before serving. */
  warmUp(batchSizes: number[]): void {
    for (const [, c] of this.configs) {
      for (const b of batchSizes) {
        tf.tidy(() => this.engine.run(tf.zeros([b, c.image_size, c.image_size, 3]) as tf.Tensor4D, c)).dispose();
      }
    }
  }

  /** Runs one batch synchronously (the caller's thread is blocked for the forward pass). */
  async runBatch(job: BatchJob): Promise<BatchReply> {
    const t0 = performance.now();
    try {
      const config = this.config(job.subnetId);
      const y = tf.tidy(() => this.engine.run(stackImages(job.items, config.image_size), config));
      const logits = (await y.data()) as Float32Array;
      const numClasses = y.shape[1];
      y.dispose();
      return { jobId: job.jobId, logits, numClasses, computeMs: performance.now() - t0 };
    } catch (e) {
      if (process.env.SUPERSERVE_DEBUG) console.error(e);
      return { jobId: job.jobId, numClasses: 0, computeMs: performance.now() - t0, error: (e as Error).message };
    }
  }
}

/** Builds the NHWC batch, resizing (bilinear) any image whose size differs from the subnet's resolution. */
export function stackImages(items: ImageItem[], size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const parts = items.map((it) => {
      const t = tf.tensor4d(it.data, [1, it.height, it.width, 3]);
      return it.height === size && it.width === size ? t : tf.image.resizeBilinear(t, [size, size], false, true);
    });
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  });
}
