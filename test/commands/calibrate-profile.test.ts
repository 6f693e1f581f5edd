/**
 * `calibrate --images` on real PNG/JPEG files and `profile` on a small random checkpoint: the files each
 * command writes into the checkpoint, and how the engine then uses them. Needs no fixtures.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { selectBackend } from '../../supernet/backend.ts';
import { readCheckpoint } from '../../supernet/checkpoint/checkpoint-dir.ts';
import { paretoSet } from '../../supernet/archs.ts';
import { runCli } from '../helpers/capture-cli.ts';
import { tempCheckpoint } from '../helpers/server-process.ts';

let ckpt = '';
let out = '';
const quiet = async (argv: string[]): Promise<number> => {
  const r = await runCli(argv);
  out = r.output;
  return r.code;
};

test.before(async () => {
  await selectBackend('wasm');
  ckpt = await tempCheckpoint('ofa-mbv3-w1.0', 5);
});

test('calibrate --images stores per-subnet BN statistics computed from the decoded images', async () => {
  const dir = join(ckpt, '..', 'images');
  await mkdir(dir, { recursive: true });
  for (let k = 0; k < 3; k++) {
    const w = 40 + k * 8, h = 36;
    const png = new PNG({ width: w, height: h });
    for (let i = 0; i < w * h; i++) { png.data[4 * i] = (i * (k + 3)) % 256; png.data[4 * i + 1] = (i * 5) % 256; png.data[4 * i + 2] = (k * 90) % 256; png.data[4 * i + 3] = 255; }
    await writeFile(join(dir, `img${k}.png`), PNG.sync.write(png));
  }
  const rgba = Buffer.alloc(32 * 32 * 4, 200);
  await writeFile(join(dir, 'img3.jpg'), jpeg.encode({ data: rgba, width: 32, height: 32 }, 90).data);
  await writeFile(join(dir, 'notes.txt'), 'ignored: not an image');
  const subnets = join(dir, '..', 'subnets.json');
  const config = { ...paretoSet('ofa-mbv3-w1.0')[0]!.config, image_size: 64 };
  await writeFile(subnets, JSON.stringify({ subnets: [{ config }] }));
  assert.is(await quiet(['calibrate', ckpt, '--images', dir, '--subnets', subnets, '--batch-size', '2']), 0, out);
  assert.match(out, /on 4 images/);
  const ck = await readCheckpoint(ckpt);
  assert.is(ck.subnetNorm.size, 1);
  const stats = [...ck.subnetNorm.values()][0]!;
  assert.ok(stats.size > 10, `BN layers: ${stats.size}`);
  for (const [name, s] of stats) {
    assert.is(s.mean.length, s.var.length, name);
    assert.ok(s.mean.every(Number.isFinite) && s.var.every((v) => Number.isFinite(v) && v >= 0), name);
  }
  const first = stats.get('first_conv.bn') ?? [...stats.values()][0]!;
  assert.ok(first.var.some((v) => v > 0), 'statistics come from real, varied inputs');
});

test('profile writes profile.json in the authors\' field layout for the active backend', async () => {
  assert.is(await quiet(['profile', ckpt, '--batches', '1,2', '--repeats', '2', '--max-seconds', '0.2']), 0, out);
  const file = join(ckpt, 'profile.json');
  assert.ok(existsSync(file));
  const p = JSON.parse(await readFile(file, 'utf8')) as { backend: string; models: Array<{ id: number; accuracy: number; config: unknown; latency_and_batch_ns: Array<{ batch_size: number; mean: number; std: number; p99: number }> }> };
  assert.is(p.backend, 'wasm');
  assert.is(p.models.length, paretoSet('ofa-mbv3-w1.0').length);
  for (const m of p.models) {
    assert.equal(m.latency_and_batch_ns.map((x) => x.batch_size), [1, 2]);
    for (const x of m.latency_and_batch_ns) assert.ok(x.mean > 0 && x.p99 >= x.mean * 0.5 && x.std >= 0, JSON.stringify(x));
  }
  assert.is(await quiet(['profile', join(ckpt, 'missing')]), 2);
  assert.match(out, /does not exist/);
  assert.is(await quiet(['profile', ckpt, '--batches', 'x']), 2);
});

test.run();
