/**
 * `superserve profile <checkpoint dir>`: measure each Pareto sub-network at batch 1, 2, 4, 8, 16 in a worker
 * thread, in the mode the engine serves in, and write <checkpoint>/profile.json.
 * @module
 */
import { existsSync } from 'node:fs';
import { paretoSet, parseArch } from '../../supernet/archs.ts';
import { DEFAULT_CACHE_MIB } from '../../supernet/engine.ts';
import { DEFAULT_PROFILE_OPTIONS } from '../profiler/measure.ts';
import { writeProfile } from '../serving/profile-store.ts';
import { progressBar } from '../serving/progress.ts';
import { ThreadWorker } from '../worker/threads.ts';
import { intFlag, numFlag, parseFlags, runCommand, UsageError } from './args.ts';
import { archOfCheckpoint } from './checkpoint-arch.ts';

const USAGE = 'usage: superserve profile <checkpoint dir> [--arch A] [--backend B] [--batches 1,2,4,8,16] [--repeats N] [--max-seconds S]';

export function run(argv: string[]): Promise<number> {
  return runCommand('profile', async () => {
    const { values, positionals } = parseFlags(argv, { arch: { type: 'string' }, backend: { type: 'string' },
      batches: { type: 'string' }, repeats: { type: 'string' }, 'max-seconds': { type: 'string' } }, USAGE, true);
    if (values.help) { console.log(USAGE); return 0; }
    const dir = positionals[0];
    if (dir === undefined || positionals.length !== 1) throw new UsageError(`give exactly one checkpoint directory\n${USAGE}`);
    if (!existsSync(dir)) throw new UsageError(`checkpoint directory ${dir} does not exist`);
    const arch = values.arch === undefined ? await archOfCheckpoint(dir) : parseArch(values.arch);
    const options = {
      batchSizes: values.batches === undefined ? DEFAULT_PROFILE_OPTIONS.batchSizes
        : values.batches.split(',').map((b) => intFlag(b, 'batches', 1, 256)!),
      repeats: intFlag(values.repeats, 'repeats', 2, 1000) ?? DEFAULT_PROFILE_OPTIONS.repeats,
      maxSecondsPerPoint: numFlag(values['max-seconds'], 'max-seconds', 0) ?? DEFAULT_PROFILE_OPTIONS.maxSecondsPerPoint,
    };
    const subnets = paretoSet(arch);
    const worker = await ThreadWorker.start('profiler', {
      checkpoint: dir, arch, backend: values.backend ?? process.env.SUPERSERVE_BACKEND ?? 'auto', cacheMiB: DEFAULT_CACHE_MIB,
      subnets: subnets.map((s) => ({ id: s.id, config: s.config })), warmupBatches: [],
    });
    console.error(`profiling ${subnets.length} sub-networks of ${arch} on backend ${worker.info.backend}`);
    const bar = progressBar('profiling');
    try {
      const profile = await worker.profile(subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, config: s.config })), options,
        (d, t, l) => bar.update(d, t, l));
      bar.stop();
      console.error(`wrote ${await writeProfile(dir, profile)}`);
      for (const m of profile.models) {
        console.log(`subnet ${m.id} (${m.accuracy} %): ${m.latency_and_batch_ns.map((p) => `b${p.batch_size} ${(p.mean / 1e6).toFixed(1)} ms`).join(', ')}`);
      }
    } finally {
      bar.stop();
      await worker.close();
    }
    return 0;
  });
}
