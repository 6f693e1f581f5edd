/**
 * worker_threads transport: one inference thread per worker, inputs and logits transferred, not copied.
 * @module
 */
import { isMainThread, Worker } from 'node:worker_threads';
import { prepareAdapterEnvironment } from '../../supernet/backends/webgpu-adapter.ts';
import type { ProfileJson, ProfileRequest } from '../profiler/measure.ts';
import type { BatchJob, BatchReply, EngineName, EngineStats, WarmupReport, WorkerInfo, WorkerInit } from './protocol.ts';
import type { FromWorker, ToWorker } from './thread-messages.ts';
import type { WorkerTransport } from './transport.ts';

const BOOT = new URL('./thread-boot.mjs', import.meta.url);

export class ThreadWorker implements WorkerTransport {
  private readonly pending = new Map<number, { resolve: (r: BatchReply) => void; reject: (e: Error) => void }>();
  private readonly deathCallbacks: Array<(reason: string) => void> = [];
  /** The one control request (profile, warm-up) in flight; batches are not sent meanwhile. */
  private control: { resolve: (r: ProfileJson | WarmupReport | EngineStats | WorkerInfo) => void; reject: (e: Error) => void; progress: (d: number, t: number, l: string) => void } | undefined;
  private dead: string | undefined;
  private closing = false;

  private constructor(readonly name: string, private readonly worker: Worker, readonly info: WorkerInfo) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.die(`worker thread error: ${e.message}`));
    worker.on('exit', (code) => this.die(`worker thread exited with code ${code}`));
  }

  static async start(name: string, init: WorkerInit): Promise<ThreadWorker> {
    if (isMainThread) prepareAdapterEnvironment(); // GPU drivers read the real environment, which threads cannot set
    const worker = new Worker(BOOT);
    const info = await new Promise<WorkerInfo>((resolve, reject) => {
      const onMsg = (m: FromWorker): void => {
        if (m.type === 'ready') { cleanup(); resolve(m.info); }
        else if (m.type === 'fatal') { cleanup(); reject(new Error(`worker ${name} failed to start: ${m.error}`)); }
      };
      const onExit = (code: number): void => { cleanup(); reject(new Error(`worker ${name} exited during start (code ${code})`)); };
      const onErr = (e: Error): void => { cleanup(); reject(e); };
      const cleanup = (): void => { worker.off('message', onMsg); worker.off('exit', onExit); worker.off('error', onErr); };
      worker.on('message', onMsg);
      worker.on('exit', onExit);
      worker.on('error', onErr);
      worker.postMessage({ type: 'init', init } satisfies ToWorker);
    }).catch(async (e: Error) => { await worker.terminate(); throw e; });
    return new ThreadWorker(name, worker, info);
  }

  runBatch(job: BatchJob): Promise<BatchReply> {
    if (this.dead !== undefined) return Promise.reject(new Error(`worker ${this.name} is dead: ${this.dead}`));
    return new Promise((resolve, reject) => {
      this.pending.set(job.jobId, { resolve, reject });
      const transfer = job.items.map((i) => i.data.buffer as ArrayBuffer).filter((b, i, all) => all.indexOf(b) === i);
      this.worker.postMessage({ type: 'batch', job } satisfies ToWorker, transfer);
    });
  }

  profile(subnets: Array<{ id: number; accuracy: number; config: unknown }>, request: ProfileRequest,
    progress: (done: number, total: number, label: string) => void = () => {}): Promise<ProfileJson> {
    return this.request({ type: 'profile', subnets, request }, progress) as Promise<ProfileJson>;
  }

  /** Runs the first call of every (sub-network x batch) this worker has not run yet; reports what each cost. */
  warmUp(batches: number[]): Promise<WarmupReport> {
    return this.request({ type: 'warmup', batches }) as Promise<WarmupReport>;
  }

  /** Makes `engine` run the Pareto sub-networks (ort: the worker must hold ONNX Runtime sessions); updates `info`. */
  async setEngine(engine: EngineName): Promise<WorkerInfo> {
    const info = await this.request({ type: 'engine', engine }) as WorkerInfo;
    this.info.engine = info.engine;
    return info;
  }

  /** Where the worker's memory goes (WASM heap, tensors, cache, GPU pool). */
  stats(): Promise<EngineStats> {
    return this.request({ type: 'stats' }) as Promise<EngineStats>;
  }

  private request(msg: ToWorker, progress: (d: number, t: number, l: string) => void = () => {}): Promise<ProfileJson | WarmupReport | EngineStats | WorkerInfo> {
    if (this.dead !== undefined) return Promise.reject(new Error(`worker ${this.name} is dead: ${this.dead}`));
    if (this.control !== undefined) return Promise.reject(new Error(`worker ${this.name} is busy with another control request`));
    return new Promise((resolve, reject) => {
      this.control = { resolve, reject, progress };
      this.worker.postMessage(msg);
    });
  }

  /** `cb` runs when the thread dies; at once (next microtask) when it died before anyone asked. */
  onDeath(cb: (reason: string) => void): void {
    this.deathCallbacks.push(cb);
    const dead = this.dead;
    if (dead !== undefined && !this.closing) queueMicrotask(() => cb(dead));
  }

  /** Why the thread died, or undefined while it lives. */
  get deathReason(): string | undefined { return this.dead; }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'reply': {
        const p = this.pending.get(m.reply.jobId);
        this.pending.delete(m.reply.jobId);
        p?.resolve(m.reply);
        return;
      }
      case 'progress': this.control?.progress(m.done, m.total, m.label); return;
      case 'profile': this.settle(m.profile); return;
      case 'warmed': this.settle(m.report); return;
      case 'stats': this.settle(m.stats); return;
      case 'engine-set': this.settle(m.info); return;
      case 'fatal':
        if (this.control) { const c = this.control; this.control = undefined; c.reject(new Error(m.error)); return; }
        this.die(m.error);
        return;
      case 'ready': return;
    }
  }

  private settle(r: ProfileJson | WarmupReport | EngineStats | WorkerInfo): void {
    const c = this.control;
    this.control = undefined;
    c?.resolve(r);
  }

  private die(reason: string): void {
    if (this.dead !== undefined) return;
    this.dead = reason;
    const err = new Error(`worker ${this.name} died: ${reason}`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.control?.reject(err);
    this.control = undefined;
    if (!this.closing) for (const cb of this.deathCallbacks) cb(reason);
  }
}
