/**
 * What runs inside an inference worker, whatever carries its messages: selects the backend, loads the
 * supernet once, warms up the served sub-networks (recording what each first call cost) and runs batches.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../supernet/backend.ts';
import { gpuPoolStats, trimGpuPool } from '../../supernet/backends/webgpu.ts';
import { totalmem } from 'node:os';
import { autoCacheBudget } from '../../supernet/cache-budget.ts';
import { DEFAULT_CACHE_MIB } from '../../supernet/defaults.ts';
import { SubnetEngine } from '../../supernet/engine.ts';
import { collectGarbage } from '../../supernet/gc.ts';
import { loadModel } from '../../supernet/load.ts';
import type { OrtSubnetRunner } from '../../supernet/onnx/ort-runner.ts';
import type { SubnetConfig, Supernet } from '../../supernet/types.ts';
import { checkpointIdentity } from './nats-identity.ts';
import { startOrtRunner } from './ort-setup.ts';
import type { BatchJob, BatchReply, EngineName, EngineStats, ImageItem, WarmupReport, WorkerInfo, WorkerInit } from './protocol.ts';

export const DEFAULT_GPU_POOL_MIB = 2048;

export class EngineHost {
  /** First-call cost per `${subnetId}x${batch}` shape this worker has run. */
  readonly firstCalls = new Map<string, number>();

  /** ONNX Runtime sessions of the Pareto sub-networks (engine ort or auto). */
  private ort: OrtSubnetRunner | undefined;

  private constructor(
    readonly engine: SubnetEngine,
    readonly info: WorkerInfo,
    private readonly configs: Map<number, SubnetConfig>,
    private readonly gpuPoolBytes: number,
  ) {}

  static async create(init: WorkerInit): Promise<EngineHost> {
    const backend = await selectBackend(init.backend, init.wasmThreads === undefined ? {} : { wasmThreads: init.wasmThreads });
    const model = await loadModel(init.checkpoint, init.arch);
    collectGarbage(); // the ~200 MB the weights were read into
    if (backend.name === 'webgpu') trimGpuPool(0); // the raw weights the supernet folded at load sit in the pool, free
    const configs = new Map(init.subnets.map((s) => [s.id, model.supernet.validate(s.config)] as const));
    const cache = cacheBudget(init, model.supernet, [...configs.values()]);
    const engine = new SubnetEngine(model.supernet, { cacheBudgetMiB: cache.budgetMiB });
    const firstId = configs.keys().next().value;
    if (firstId === undefined) throw new Error('worker has no sub-networks to serve');
    const host = new EngineHost(engine, {
      arch: model.arch, backend: backend.name, untrained: model.untrained, checkpoint: model.source,
      checkpointHash: (await checkpointIdentity(model.source, model.arch)).checkpointHash, numClasses: 0,
      ...(backend.adapter ? { adapter: backend.adapter } : {}), ...(backend.wasmThreads !== undefined ? { wasmThreads: backend.wasmThreads } : {}),
    }, configs, (init.gpuPoolMiB ?? DEFAULT_GPU_POOL_MIB) * 2 ** 20);
    host.info.cache = cache;
    const choice = init.engine ?? 'tfjs';
    if (choice !== 'tfjs') {
      const started = await startOrtRunner(model, configs, host.info, init.wasmThreads ?? 1, backend);
      host.ort = started.runner;
      host.info.ort = started.info;
    }
    host.info.engine = choice === 'ort' ? 'ort' : 'tfjs';
    host.info.numClasses = await host.firstCall(firstId, 1);
    host.info.warmup = await host.warmUp(init.warmupBatches);
    return host;
  }

  config(subnetId: number): SubnetConfig {
    const c = this.configs.get(subnetId);
    if (c === undefined) throw new Error(`unknown sub-network id ${subnetId}`);
    return c;
  }

  subnetIds(): number[] { return [...this.configs.keys()]; }

  /** Makes `engine` run the Pareto sub-networks from now on (ort needs the worker started with engine ort or auto). */
  setEngine(engine: EngineName): void {
    if (engine === 'ort' && this.ort === undefined) throw new Error('this worker holds no ONNX Runtime sessions (start it with engine ort or auto)');
    this.info.engine = engine;
    this.firstCalls.clear(); // first-call costs belong to the engine that paid them
  }

  /** The engine a batch of `config` runs on: ort only for a sub-network it holds a session for. */
  engineFor(config: SubnetConfig): EngineName {
    return this.info.engine === 'ort' && this.ort?.has(this.engine.supernet.key(config)) === true ? 'ort' : 'tfjs';
  }

  /** Logits of one NHWC batch (images resized to the sub-network's resolution) on the engine that serves `config`. */
  private async forward(items: ImageItem[], config: SubnetConfig): Promise<{ logits: Float32Array; classes: number; engine: EngineName }> {
    const r = config.image_size;
    if (this.engineFor(config) === 'ort') {
      const { logits, classes } = await this.ort!.run(this.engine.supernet.key(config), nchwBatch(items, r), items.length, r);
      return { logits, classes, engine: 'ort' };
    }
    const y = tf.tidy(() => this.engine.run(stackImages(items, r), config));
    try {
      return { logits: (await y.data()) as Float32Array, classes: y.shape[1], engine: 'tfjs' };
    } finally {
      y.dispose();
      this.boundGpuPool();
    }
  }

  /**
   * Runs (sub-network, batch) once unless this worker already has, recording what that first call cost
   * (WASM: operator creation and heap growth; WebGPU: shader compilation, seconds per shape). Returns the classes.
   */
  async firstCall(subnetId: number, batch: number): Promise<number> {
    const c = this.config(subnetId);
    const r = c.image_size;
    const zero = new Float32Array(r * r * 3);
    const t0 = performance.now();
    const { classes } = await this.forward(Array.from({ length: batch }, () => ({ data: zero, height: r, width: r })), c);
    if (!this.firstCalls.has(`${subnetId}x${batch}`)) this.firstCalls.set(`${subnetId}x${batch}`, performance.now() - t0);
    return classes;
  }

  /** Pays the first call of every (served sub-network x batch size) before the worker reports ready. */
  async warmUp(batchSizes: number[]): Promise<WarmupReport> {
    const t0 = performance.now();
    const shapes: WarmupReport['shapes'] = [];
    for (const id of this.configs.keys()) {
      for (const b of batchSizes) {
        if (!this.firstCalls.has(`${id}x${b}`)) await this.firstCall(id, b);
        shapes.push({ subnetId: id, batch: b, firstMs: this.firstCalls.get(`${id}x${b}`)! });
      }
    }
    const pool = gpuPoolStats();
    return { shapes, totalMs: performance.now() - t0, ...(pool ? { gpuPool: { usedBytes: pool.usedBytes, allocatedBytes: pool.allocatedBytes } } : {}) };
  }

  stats(): EngineStats {
    const heap = (tf.findBackend('wasm') as unknown as { wasm?: { HEAPU8?: Uint8Array } } | null)?.wasm?.HEAPU8?.buffer.byteLength;
    const pool = gpuPoolStats();
    return {
      ...(heap !== undefined && this.info.backend === 'wasm' ? { wasmHeapBytes: heap } : {}),
      tensorBytes: tf.memory().numBytes, cacheBytes: this.engine.cache.bytes, cacheEntries: this.engine.cache.size,
      ...(pool ? { gpuPool: { usedBytes: pool.usedBytes, allocatedBytes: pool.allocatedBytes } } : {}),
      ...(this.ort ? { ort: { sessions: this.ort.size, modelBytes: this.ort.modelBytes } } : {}),
    };
  }

  /** tfjs-webgpu keeps every buffer it ever allocated; free ones beyond the bound are released. */
  private boundGpuPool(): void {
    if (this.info.backend === 'webgpu') trimGpuPool(this.gpuPoolBytes);
  }

  /** Runs one batch synchronously (the caller's thread is blocked for the forward pass). */
  async runBatch(job: BatchJob): Promise<BatchReply> {
    const t0 = performance.now();
    try {
      const { logits, classes, engine } = await this.forward(job.items, this.config(job.subnetId));
      return { jobId: job.jobId, logits, numClasses: classes, computeMs: performance.now() - t0, engine };
    } catch (e) {
      if (process.env.SUPERSERVE_DEBUG) console.error(e);
      return { jobId: job.jobId, numClasses: 0, computeMs: performance.now() - t0, error: (e as Error).message };
    }
  }
}

/**
 * The tfjs cache budget: the number asked for, or (auto) room for every served sub-network tfjs runs, so that none is
 * streamed: all of them on engine tfjs/auto, none of the Pareto set on ort (its sessions hold those), capped by memory.
 */
function cacheBudget(init: WorkerInit, supernet: Supernet, configs: SubnetConfig[]): { budgetMiB: number; why: string } {
  if (init.cacheMiB !== 'auto') return { budgetMiB: init.cacheMiB, why: `--cache-mib ${init.cacheMiB}` };
  if (init.engine === 'ort') return { budgetMiB: DEFAULT_CACHE_MIB, why: 'auto: ort serves the Pareto set; the default for the others' };
  const b = autoCacheBudget(supernet, configs, SubnetEngine.residentFactor(), totalmem());
  return {
    budgetMiB: b.budgetMiB,
    why: b.capped ? `auto: ${b.needMiB} MiB would keep all ${configs.length} served sub-networks resident; capped at ${b.budgetMiB} MiB (1/8 of memory), some are streamed`
      : `auto: all ${configs.length} served sub-networks resident`,
  };
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

/** The batch as one NCHW array (ONNX Runtime's layout); images of another size are resized as `stackImages` does. */
export function nchwBatch(items: ImageItem[], size: number): Float32Array {
  const plane = size * size;
  if (items.some((it) => it.height !== size || it.width !== size)) {
    const x = tf.tidy(() => tf.transpose(stackImages(items, size), [0, 3, 1, 2]));
    const data = x.dataSync() as Float32Array;
    x.dispose();
    return data;
  }
  const out = new Float32Array(items.length * 3 * plane);
  items.forEach((it, n) => {
    const src = it.data;
    const base = n * 3 * plane;
    for (let p = 0, q = 0; p < plane; p++, q += 3) {
      out[base + p] = src[q]!;
      out[base + plane + p] = src[q + 1]!;
      out[base + 2 * plane + p] = src[q + 2]!;
    }
  });
  return out;
}
