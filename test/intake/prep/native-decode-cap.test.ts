/**
 * libvips decodes run on libuv's thread pool, which a terminated JS thread cannot stop: the prep pool must not
 * start a replacement decode while a killed thread's native decode still runs. Counted by wrapping the Worker
 * class the pool uses: a decode is in progress from the job's postMessage until its reply, or, for a thread
 * terminated mid-decode, until that thread's exit (Node lets a terminated thread exit only once the threadpool
 * work it queued has finished).
 * @module
 */
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pngjs from 'pngjs';
import type { EncodedImages } from '../../../src/intake/image-batch.ts';
import { createPrepPool } from '../../../src/intake/prep/prep-pool.ts';
import { ServiceError } from '../../../src/serving/types.ts';

const blackPng = (side: number) => {
  const p = new pngjs.PNG({ width: side, height: side });
  p.data = Buffer.alloc(side * side * 4);
  return new Uint8Array(pngjs.PNG.sync.write(p));
};
const images = (items: Uint8Array[], size = 32): EncodedImages => ({ inputName: 'image', items, size });
const clock = () => performance.now();

let decoding = 0;
let peak = 0;
const Original = workerThreads.Worker;
class CountingWorker extends Original {
  #busy = false;
  #watching = false;
  override postMessage(msg: unknown, transfer?: readonly workerThreads.TransferListItem[]): void {
    if (!this.#watching) {
      this.#watching = true;
      this.on('message', (m: { type?: string }) => { if (m?.type === 'decoded' || m?.type === 'failed') this.#end(); });
      this.once('exit', () => this.#end());
    }
    if ((msg as { kind?: string })?.kind === 'decode' && !this.#busy) { this.#busy = true; peak = Math.max(peak, ++decoding); }
    super.postMessage(msg, transfer);
  }
  #end(): void { if (this.#busy) { this.#busy = false; decoding--; } }
}

test.before(() => { workerThreads.Worker = CountingWorker; syncBuiltinESMExports(); });
test.after(() => { workerThreads.Worker = Original; syncBuiltinESMExports(); });

test('a decode killed at its deadline keeps its thread\'s place until libvips is done: decodes never outnumber the threads', async () => {
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e8, now: clock });
  try {
    await pool.ready();
    const huge = blackPng(8000); // 64 MP: far longer than the 50 ms budget below on any machine
    const killed = pool.decode(images([huge]), { deadline: clock() + 50 }).then(() => null, (e: unknown) => e);
    const next = [pool.decode(images([blackPng(64)]), { deadline: clock() + 600_000 }), pool.decode(images([blackPng(48)]), { deadline: clock() + 600_000 })];
    const err = await killed;
    assert.ok(err instanceof ServiceError && err.kind === 'deadline', String(err));
    for (const batch of await Promise.all(next)) assert.is(batch.n, 1);
    assert.is(pool.restarts, 1, 'the thread decoding past its deadline was terminated');
    assert.is(decoding, 0);
    assert.is(peak, 1, `at most one native decode at a time on one thread (peak ${peak})`);
  } finally { await pool.close(); }
});

test.run();
