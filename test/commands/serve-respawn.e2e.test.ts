/**
 * A worker thread that dies mid-batch is replaced, and the batch it held is re-queued: every request is answered.
 * The fault is injected from outside the production code: test/helpers/crash-worker-after-batches.mjs, preloaded.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ROOT, startServer, tempCheckpoint, type ServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess | undefined;

test.after(async () => { await server?.stop('SIGTERM'); });

test('a crashed worker thread is replaced and its requests are still answered', async () => {
  const ckpt = await tempCheckpoint('ofa-mbv3-w1.0', 3);
  server = await startServer(['--checkpoint', ckpt, '--policy', 'fixed:0', '--slo-ms', '60000', '--profile-batches', '1,2', '--profile-repeats', '2'],
    undefined, undefined, { args: ['--import', join(ROOT, 'test/helpers/crash-worker-after-batches.mjs')], env: { SUPERSERVE_CRASH_AFTER_BATCHES: '2' } });
  const meta = await (await fetch(`${server.url}/v2/models/superserve`)).json() as { parameters: { subnets: Array<{ image_size: number }> } };
  const r = meta.parameters.subnets[0]!.image_size;
  const body = JSON.stringify({ inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [1, r, r, 3], data: new Array(r * r * 3).fill(0.5) }] });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${server.url}/v2/models/superserve/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  assert.equal(statuses, [200, 200, 200, 200, 200], server.output());
  assert.match(server.output(), /starting a replacement/);
  assert.match(server.output(), /replacement worker .* is serving/);
});

test.run();
