/**
 * `superserve profile <checkpoint dir>`: measure each Pareto sub-network at every batch size of the table
 * (CPU backends 1-8, GPU 1-32) in a worker thread, in the mode and thread layout the engine serves in, and
 * write <checkpoint>/profile.json, keyed by backend, adapter and layout (serve reuses it when they match).
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { paretoSet } from '../../supernet/archs.ts';
import { parseArch } from '../../supernet/types.ts';
import { describeBackend } from '../../supernet/backend.ts';
import type { ProfileRequest } from '../profiler/measure.ts';
import { describeKey, profileKey, writeProfile } from '../serving/profile-store.ts';
import { progressBar } from '../serving/progress.ts';
import { chooseThreadLayout, workersForBackend } from '../serving/thread-layout.ts';
import { ThreadWorker } from '../worker/threads.ts';
import { intFlag, numFlag, parseFlags, runCommand, UsageError } from './args.ts';
import { ENGINE_FLAG, parseEngineFlag } from './engine-flag.ts';
import type { EngineName } from '../worker/protocol.ts';
import { archOfCheckpoint } from './checkpoint-arch.ts';

const USAGE = 'usage: superserve profile <checkpoint dir> [--arch A] [--backend B] [--batches 1,2,4,8] [--repeats N] [--max-seconds S] [--quick]\n' +
  '       [--engine tfjs|ort|auto]   (auto: both engines, each into its own file)\n' +
  '       [--workers N] [--wasm-threads N]   (the layout serve will run; default from the cores)';

export function run(argv: string[]): Promise<number> {
  return runCommand('profile', async () => {
    const { values, positionals } = parseFlags(argv, { arch: { type: 'string' }, backend: { type: 'string' },
      batches: { type: 'string' }, repeats: { type: 'string' }, 'max-seconds': { type: 'string' }, quick: { type: 'boolean' },
      workers: { type: 'string' }, 'wasm-threads': { type: 'string' }, ...ENGINE_FLAG }, USAGE, true);
    if (values.help) { console.log(USAGE); return 0; }
    const dir = positionals[0];
    if (dir === undefined || positionals.length !== 1) throw new UsageError(`give exactly one checkpoint directory\n${USAGE}`);
    if (!existsSync(dir)) throw new UsageError(`checkpoint directory ${dir} does not exist`);
    const arch = values.arch === undefined ? await archOfCheckpoint(dir) : parseArch(values.arch);
    const request: ProfileRequest = {
      mode: values.quick === true ? 'quick' : 'full',
      ...(values.batches !== undefined ? { batchSizes: values.batches.split(',').map((b) => intFlag(b, 'batches', 1, 256)!) } : {}),
      ...(values.repeats !== undefined ? { repeats: intFlag(values.repeats, 'repeats', 1, 1000)! } : {}),
      ...(values['max-seconds'] !== undefined ? { maxSecondsPerPoint: numFlag(values['max-seconds'], 'max-seconds', 0)! } : {}),
    };
    const workers = intFlag(values.workers, 'workers', 1, 64);
    const wasmThreads = intFlag(values['wasm-threads'], 'wasm-threads', 1, 64);
    const layout = chooseThreadLayout(availableParallelism(), { ...(workers !== undefined ? { workers } : {}), ...(wasmThreads !== undefined ? { wasmThreads } : {}) });
    const engine = parseEngineFlag(values.engine);
    const subnets = paretoSet(arch);
    const worker = await ThreadWorker.start('profiler', {
      checkpoint: dir, arch, backend: values.backend ?? process.env.SUPERSERVE_BACKEND ?? 'auto', cacheMiB: 'auto',
      subnets: subnets.map((s) => ({ id: s.id, config: s.config })), warmupBatches: [], wasmThreads: layout.wasmThreads, engine,
    });
    const engines: EngineName[] = engine === 'auto' ? ['tfjs', 'ort'] : [engine];
    const bar = progressBar('profiling');
    try {
      for (const e of engines) {
        await worker.setEngine(e);
        const key = profileKey(worker.info, workersForBackend(layout, worker.info.backend, workers));
        const on = e === 'ort' ? `ONNX Runtime (${worker.info.ort?.provider} x ${worker.info.ort?.threads})` : 'tfjs';
        console.error(`profiling ${subnets.length} sub-networks of ${arch} on ${on}, ${describeBackend({ name: worker.info.backend, adapter: worker.info.adapter, wasmThreads: worker.info.wasmThreads })} for ${describeKey(key)}`);
        const profile = await worker.profile(subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, config: s.config })), request,
          (d, t, l) => bar.update(d, t, l));
        bar.stop();
        profile.key = key;
        console.error(`wrote ${await writeProfile(dir, profile)}`);
        for (const m of profile.models) {
          console.log(`${engines.length > 1 ? `${e} ` : ''}subnet ${m.id} (${m.accuracy} %): ${m.latency_and_batch_ns.map((p) => `b${p.batch_size} ${(p.mean / 1e6).toFixed(1)} ms${p.source === 'interpolated' ? '*' : ''}`).join(', ')}`);
        }
      }
    } finally {
      bar.stop();
      await worker.close();
    }
    return 0;
  });
}
