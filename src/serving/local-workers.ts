/**
 * Starts the in-process inference workers (worker threads) of `serve` in the machine's thread layout, and
 * makes sure a latency profile for this checkpoint, backend, adapter and layout exists (measuring a quick one
 * on the first worker when it does not: serving refines it later).
 * @module
 */
import { availableParallelism } from 'node:os';
import { paretoSet, type ParetoSubnet } from '../../supernet/archs.ts';
import { describeBackend } from '../../supernet/backend.ts';
import type { ArchName } from '../../supernet/types.ts';
import type { ProfileJson, ProfileRequest } from '../profiler/measure.ts';
import type { EngineChoice, EngineName, WarmupReport, WorkerInfo, WorkerInit } from '../worker/protocol.ts';
import { ThreadWorker } from '../worker/threads.ts';
import { chooseFasterEngine } from './engine-choice.ts';
import { describeKey, profileKey, profilePath, readUsableProfile, writeProfile } from './profile-store.ts';
import { progressBar } from './progress.ts';
import { chooseThreadLayout, isGpuBackend, workersForBackend } from './thread-layout.ts';

export interface LocalWorkerOptions {
  checkpoint: string;
  arch: ArchName;
  backend: string;
  /** Worker threads; default from the cores (thread-layout.ts), one on a GPU backend. */
  workers?: number;
  /** XNNPACK threads per worker on WASM; default from the cores. */
  wasmThreads?: number;
  /** Cores to lay out (default os.availableParallelism()). */
  cores?: number;
  cacheMiB: number | 'auto';
  /** Batch sizes every worker warms up for every sub-network before it serves (default: GPU every profiled size, CPU 1). */
  warmupBatches?: number[];
  /** How to measure when no usable profile is stored (default quick). */
  profileRequest?: ProfileRequest;
  /** Measure again even when a usable profile exists. */
  reprofile?: boolean;
  /** Engine of the Pareto sub-networks (default tfjs); auto: the faster by the two engines' profiles. */
  engine?: EngineChoice;
  log: (msg: string) => void;
}

export interface LocalWorkers {
  workers: ThreadWorker[];
  /** Starts one more warmed-up worker thread (used to replace a thread that died). */
  spawn(name: string): Promise<ThreadWorker>;
  profile: ProfileJson;
  subnets: ParetoSubnet[];
  info: WorkerInfo;
  layout: { workers: number; wasmThreads: number };
  /** The engine serving the Pareto sub-networks, and why. */
  engine: { name: EngineName; why: string };
}

export async function startLocalWorkers(o: LocalWorkerOptions): Promise<LocalWorkers> {
  const subnets = paretoSet(o.arch);
  const layout = chooseThreadLayout(o.cores ?? availableParallelism(), {
    ...(o.workers !== undefined ? { workers: o.workers } : {}), ...(o.wasmThreads !== undefined ? { wasmThreads: o.wasmThreads } : {}),
  });
  const init = (backend: string, warmupBatches: number[], engine: EngineChoice): WorkerInit => ({
    checkpoint: o.checkpoint, arch: o.arch, backend, cacheMiB: o.cacheMiB, wasmThreads: layout.wasmThreads,
    subnets: subnets.map((s) => ({ id: s.id, config: s.config })), warmupBatches, engine,
  });
  const t0 = performance.now();
  const choice = o.engine ?? 'tfjs';
  const first = await ThreadWorker.start('thread-0', init(o.backend, [], choice));
  const info = first.info;
  const workers = workersForBackend(layout, info.backend, o.workers);
  o.log(`worker thread-0 up in ${secs(t0)} s: ${describeBackend({ name: info.backend, adapter: info.adapter, wasmThreads: info.wasmThreads })}` +
    `${info.untrained ? ', UNTRAINED random weights' : ''}; layout ${workers} worker(s) x ${info.wasmThreads ?? 1} thread(s) (${layout.why})` +
    (info.cache ? `; tfjs cache ${info.cache.budgetMiB} MiB (${info.cache.why})` : '') +
    (info.ort ? `; ONNX Runtime: ${info.ort.sessions} Pareto sessions on ${info.ort.provider} x ${info.ort.threads} thread(s), ` +
      `${info.ort.cachedModels} model(s) from the cache, ready in ${(info.ort.exportMs / 1000).toFixed(1)} s` : ''));
  const ensureProfile = async (): Promise<ProfileJson> => {
    const key = profileKey(first.info, workers);
    const stored = o.reprofile ? { reason: 'reprofile requested' } : await readUsableProfile(o.checkpoint, key, info.checkpointHash);
    if (stored.profile !== undefined) {
      const p = stored.profile;
      o.log(`using stored profile (${profilePath(o.checkpoint, key.engine)}: ${describeKey(key)}${p.refined ? `, refined from ${p.refined.batches} served batches` : ''})`);
      return p;
    }
    const request = o.profileRequest ?? { mode: 'quick' };
    o.log(`profiling ${subnets.length} sub-networks (${request.mode}) for ${describeKey(key)}: ${stored.reason}`);
    const t1 = performance.now();
    const bar = progressBar('profiling');
    let measured: ProfileJson;
    try {
      measured = await first.profile(subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, config: s.config })), request,
        (d, t, l) => bar.update(d, t, l));
    } finally {
      bar.stop();
    }
    measured.key = key;
    o.log(`profiled in ${secs(t1)} s; written to ${await writeProfile(o.checkpoint, measured)}`);
    logFirstCalls(o.log, 'thread-0', measured);
    return measured;
  };
  let profile: ProfileJson;
  let engine: { name: EngineName; why: string };
  if (choice === 'auto') {
    await first.setEngine('tfjs');
    const tfjs = await ensureProfile();
    await first.setEngine('ort');
    const ort = await ensureProfile();
    const c = chooseFasterEngine(tfjs, ort);
    await first.setEngine(c.engine);
    profile = c.engine === 'ort' ? ort : tfjs;
    engine = { name: c.engine, why: `auto: ort runs the profiled batches ${c.speedup.toFixed(2)}x as fast as tfjs (geometric mean of ${c.points} points)` };
  } else {
    profile = await ensureProfile();
    engine = { name: choice, why: `--engine ${choice}` };
  }
  o.log(`engine ${engine.name} (${engine.why})`);
  const gpu = isGpuBackend(info.backend);
  const warmupBatches = o.warmupBatches ?? (gpu ? profile.options.tableBatches : [1]);
  const warmFirst = await first.warmUp(warmupBatches);
  logWarmup(o.log, 'thread-0', warmFirst);
  // The others run the backend the first one resolved ('auto' is decided once, so all workers match the profile).
  const rest = await Promise.all(Array.from({ length: workers - 1 }, (_, i) => ThreadWorker.start(`thread-${i + 1}`, init(info.backend, warmupBatches, engine.name))));
  for (const w of rest) if (w.info.warmup) logWarmup(o.log, w.name, w.info.warmup);
  return {
    workers: [first, ...rest], profile, subnets, info, layout: { workers, wasmThreads: info.wasmThreads ?? 1 }, engine,
    spawn: (name) => ThreadWorker.start(name, init(info.backend, warmupBatches, engine.name)),
  };
}

function secs(t0: number): string {
  return ((performance.now() - t0) / 1000).toFixed(1);
}

function logWarmup(log: (m: string) => void, name: string, w: WarmupReport): void {
  if (w.shapes.length === 0) return;
  const worst = w.shapes.reduce((a, b) => (b.firstMs > a.firstMs ? b : a));
  const pool = w.gpuPool ? `; GPU buffer pool ${mib(w.gpuPool.allocatedBytes)} MiB (${mib(w.gpuPool.usedBytes)} MiB live)` : '';
  log(`${name} warm: ${w.shapes.length} shapes in ${(w.totalMs / 1000).toFixed(1)} s (slowest first call: subnet ${worst.subnetId} batch ${worst.batch}, ${worst.firstMs.toFixed(0)} ms)${pool}`);
}

/** On GPU backends the first call of a shape is its shader compilation: the profile records it per shape. */
function logFirstCalls(log: (m: string) => void, name: string, p: ProfileJson): void {
  const firsts = p.models.flatMap((m) => m.latency_and_batch_ns.filter((x) => x.first_ms !== undefined).map((x) => `${m.id}x${x.batch_size} ${x.first_ms!.toFixed(0)}`));
  if (firsts.length > 0) log(`${name} first-call ms per (subnet x batch): ${firsts.join(', ')}`);
}

function mib(b: number): string {
  return (b / 2 ** 20).toFixed(0);
}
