/**
 * Starts the in-process inference workers (worker threads) of `serve`, and makes sure a latency profile
 * for this backend and checkpoint exists (measuring it on the first worker when it does not).
 * @module
 */
import { paretoSet, type ParetoSubnet } from '../../supernet/archs.ts';
import type { ArchName } from '../../supernet/types.ts';
import { DEFAULT_PROFILE_OPTIONS, type ProfileJson, type ProfileOptions } from '../profiler/measure.ts';
import type { WorkerInfo, WorkerInit } from '../worker/protocol.ts';
import { ThreadWorker } from '../worker/threads.ts';
import { readUsableProfile, writeProfile } from './profile-store.ts';
import { progressBar } from './progress.ts';

export interface LocalWorkerOptions {
  checkpoint: string;
  arch: ArchName;
  backend: string;
  workers: number;
  cacheMiB: number;
  /** Batch sizes every worker warms up for every sub-network before it serves. */
  warmupBatches: number[];
  profileOptions?: ProfileOptions;
  /** Measure again even when a usable profile exists. */
  reprofile?: boolean;
  log: (msg: string) => void;
}

export interface LocalWorkers {
  workers: ThreadWorker[];
  /** Starts one more warmed-up worker thread (used to replace a thread that died). */
  spawn(name: string): Promise<ThreadWorker>;
  profile: ProfileJson;
  subnets: ParetoSubnet[];
  info: WorkerInfo;
}

export async function startLocalWorkers(o: LocalWorkerOptions): Promise<LocalWorkers> {
  const subnets = paretoSet(o.arch);
  const init = (warmupBatches: number[]): WorkerInit => ({
    checkpoint: o.checkpoint, arch: o.arch, backend: o.backend, cacheMiB: o.cacheMiB,
    subnets: subnets.map((s) => ({ id: s.id, config: s.config })), warmupBatches,
  });
  const t0 = performance.now();
  const first = await ThreadWorker.start('thread-0', init([]));
  o.log(`worker thread-0 up in ${((performance.now() - t0) / 1000).toFixed(1)} s (backend ${first.info.backend}${first.info.untrained ? ', UNTRAINED random weights' : ''})`);
  const stored = o.reprofile ? { reason: 'reprofile requested' } : await readUsableProfile(o.checkpoint, first.info.backend, first.info.checkpointHash);
  let profile = stored.profile;
  if (profile === undefined) {
    o.log(`profiling ${subnets.length} sub-networks (${stored.reason})`);
    const bar = progressBar('profiling');
    try {
      profile = await first.profile(subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, config: s.config })),
        o.profileOptions ?? DEFAULT_PROFILE_OPTIONS, (d, t, l) => bar.update(d, t, l));
    } finally {
      bar.stop();
    }
    o.log(`profile written to ${await writeProfile(o.checkpoint, profile)}`);
  } else {
    o.log(`using stored profile (${o.checkpoint}/profile.json, backend ${profile.backend})`);
    await warm(first, subnets, o.warmupBatches);
  }
  const rest = await Promise.all(Array.from({ length: o.workers - 1 }, (_, i) => ThreadWorker.start(`thread-${i + 1}`, init(o.warmupBatches))));
  return {
    workers: [first, ...rest], profile, subnets, info: first.info,
    spawn: (name) => ThreadWorker.start(name, init(o.warmupBatches)),
  };
}

/** Pays the first-call cost (operator creation) of each (sub-network, batch size) before serving. */
async function warm(w: ThreadWorker, subnets: ParetoSubnet[], batches: number[]): Promise<void> {
  let job = -1000;
  for (const s of subnets) {
    const r = Number(s.config.image_size);
    for (const b of batches) {
      const items = Array.from({ length: b }, () => ({ data: new Float32Array(r * r * 3), height: r, width: r }));
      await w.runBatch({ jobId: job--, subnetId: s.id, items });
    }
  }
}
