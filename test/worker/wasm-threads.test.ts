/**
 * Threaded WASM through the shim, each backend in its own worker thread as `serve` runs them: the thread count
 * took effect (XNNPACK's own pool reports it, beyond the cores/2 cap tfjs applies), logits are bit-identical to
 * the stock single-threaded build, warm-up reports every shape's first call, and a CLI process that used
 * threads exits by itself.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { paretoSet } from '../../supernet/archs.ts';
import type { ImageItem } from '../../src/worker/protocol.ts';
import { ThreadWorker } from '../../src/worker/threads.ts';
import { ROOT, tempCheckpoint } from '../helpers/server-process.ts';

const ARCH = 'ofa-mbv3-w1.0';
const SUBNETS = paretoSet(ARCH).slice(0, 3).map((p) => ({ id: p.id, config: { ...p.config, image_size: 96 } }));
let ckpt = '';
const workers: ThreadWorker[] = [];

const start = async (threads: number, warmup: number[] = []): Promise<ThreadWorker> => {
  const w = await ThreadWorker.start(`t${threads}`, { checkpoint: ckpt, arch: ARCH, backend: 'wasm', cacheMiB: 64, subnets: SUBNETS,
    warmupBatches: warmup, wasmThreads: threads });
  workers.push(w);
  return w;
};

const images = (n: number, seed: number): ImageItem[] => Array.from({ length: n }, (_, k) => {
  const data = new Float32Array(96 * 96 * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 7919 + k * 104729 + i * 0.37);
  return { data, height: 96, width: 96 };
});

test.before(async () => { ckpt = await tempCheckpoint(ARCH, 4); });
test.after(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await rm(dirname(ckpt), { recursive: true, force: true });
});

test('the thread count takes effect, also above the cores/2 cap; warm-up reports each shape', async () => {
  const [one, two, three] = await Promise.all([start(1, [1, 2]), start(2), start(3)]);
  assert.is(one.info.wasmThreads, 1);
  assert.is(two.info.wasmThreads, 2);
  assert.is(three.info.wasmThreads, 3);
  assert.is(one.info.backend, 'wasm');
  const shapes = one.info.warmup!.shapes;
  assert.equal(shapes.map((s) => `${s.subnetId}x${s.batch}`), SUBNETS.flatMap((s) => [`${s.id}x1`, `${s.id}x2`]));
  assert.ok(shapes.every((s) => s.firstMs > 0));
});

test('logits are bit-identical with 1, 2 and 3 threads (every sub-network, batch 1 and 3)', async () => {
  const [one, two, three] = workers;
  let job = 0;
  for (const s of SUBNETS) {
    for (const n of [1, 3]) {
      const run = (w: ThreadWorker) => w.runBatch({ jobId: job++, subnetId: s.id, items: images(n, s.id + n) });
      const [a, b, c] = await Promise.all([run(one!), run(two!), run(three!)]);
      for (const r of [a, b, c]) assert.is(r.error, undefined, r.error);
      assert.is(a.logits!.length, n * 1000);
      assert.equal(Array.from(b.logits!), Array.from(a.logits!), `subnet ${s.id} batch ${n}, 2 threads`);
      assert.equal(Array.from(c.logits!), Array.from(a.logits!), `subnet ${s.id} batch ${n}, 3 threads`);
    }
  }
});

test('a CLI process that ran on 2 WASM threads exits by itself (code 0), with the same logits as 1 thread', async () => {
  const input = join(dirname(ckpt), 'x.bin');
  const x = images(2, 1);
  const all = new Float32Array(2 * 3 * 128 * 128);
  for (let i = 0; i < all.length; i++) all[i] = x[0]!.data[i % x[0]!.data.length]!;
  await writeFile(input, new Uint8Array(all.buffer));
  const outputs: Float32Array[] = [];
  for (const threads of ['1', '2']) {
    const output = join(dirname(ckpt), `y${threads}.bin`);
    const child = spawn(process.execPath, [join(ROOT, 'bin/superserve.mjs'), 'run-subnet', '--checkpoint', ckpt, '--pareto', '0',
      '--backend', 'wasm', '--wasm-threads', threads, '--input', input, '--output', output], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.once('exit', (c, s) => res([c, s])));
    clearTimeout(timer);
    assert.is(signal, null, `--wasm-threads ${threads} did not exit by itself:\n${err}`);
    assert.is(code, 0, err);
    assert.match(err, new RegExp(`backend: wasm, ${threads} thread`));
    assert.ok(existsSync(output));
    const b = await readFile(output);
    outputs.push(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  }
  assert.equal(Array.from(outputs[1]!), Array.from(outputs[0]!));
});

test.run();
