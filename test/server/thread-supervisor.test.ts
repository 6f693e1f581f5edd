import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Worker } from 'node:worker_threads';
import { paretoSet } from '../../supernet/archs.ts';
import { superviseThreads } from '../../src/server/thread-supervisor.ts';
import type { Dispatcher } from '../../src/serving/dispatcher.ts';
import type { LocalWorkers } from '../../src/serving/local-workers.ts';
import type { WorkerInit } from '../../src/worker/protocol.ts';
import { ThreadWorker } from '../../src/worker/threads.ts';
import { mbv3Checkpoints, MBV3, type TmpCheckpoints } from '../worker/mbv3-checkpoint.ts';
import { waitFor } from '../worker/worker-process.ts';

let cks: TmpCheckpoints;
test.before(async () => { cks = await mbv3Checkpoints([3]); });
test.after(async () => { await cks.remove(); });

/** The thread under a ThreadWorker, to kill it from outside as a crash would. */
const threadOf = (w: ThreadWorker): Worker => (w as unknown as { worker: Worker }).worker;

test('a thread that dies before the dispatcher is attached is noticed, replaced, and never handed over', async () => {
  const init: WorkerInit = {
    checkpoint: cks.dirs[0]!, arch: MBV3, backend: 'wasm', cacheMiB: 32, wasmThreads: 1, warmupBatches: [],
    subnets: paretoSet(MBV3).map((p) => ({ id: p.id, config: p.config })),
  };
  const first = await ThreadWorker.start('thread-0', init);
  const local = { workers: [first], spawn: (name: string) => ThreadWorker.start(name, init) } as unknown as LocalWorkers;
  await threadOf(first).terminate(); // dies between start-up and attach
  const log: string[] = [];
  const sup = superviseThreads(local, { accepting: () => true, log: (m) => log.push(m) });
  try {
    await waitFor('the replacement', () => log.some((m) => /replacement worker thread-0\.r1 is serving/.test(m)), 60_000);
    assert.match(log[0]!, /worker thread-0 died \(worker thread exited with code 1\); starting a replacement/);
    const handed: string[] = [];
    sup.attach({ addWorker: (w: ThreadWorker) => handed.push(w.name) } as unknown as Dispatcher);
    assert.equal(handed, ['thread-0.r1']);
    assert.not.ok(sup.owns('thread-0'));
    assert.ok(sup.owns('thread-0.r1'));
  } finally {
    await sup.close();
  }
});

test('onDeath registered after the death still hears about it', async () => {
  const w = await ThreadWorker.start('late', {
    checkpoint: cks.dirs[0]!, arch: MBV3, backend: 'wasm', cacheMiB: 32, wasmThreads: 1, warmupBatches: [],
    subnets: paretoSet(MBV3).slice(0, 1).map((p) => ({ id: p.id, config: p.config })),
  });
  await threadOf(w).terminate();
  await waitFor('the death to be recorded', () => w.deathReason !== undefined, 10_000);
  const heard = await new Promise<string>((resolve) => w.onDeath(resolve));
  assert.match(heard, /exited with code 1/);
});

test.run();
