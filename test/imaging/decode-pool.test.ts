/**
 * The decode pool on real worker threads: same floats as inline decoding, the same ImageDecodeError for a
 * bad image (with its index), a bounded queue, and close() answering what runs, refusing what waits and
 * ending the threads.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { decodeImage, ImageDecodeError, preprocessOfa } from '../../src/imaging/index.ts';
import { createDecodePool, DecodePoolError } from '../../src/imaging/decode-pool.ts';
import { ServiceError } from '../../src/serving/types.ts';

function rgba(width: number, height: number, seed: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([(i * 7 + seed) % 256, (i * 13 + 2 * seed) % 256, (i * 3) % 256, 255], i * 4);
  return data;
}
const png = (w: number, h: number, seed: number) => {
  const p = new pngjs.PNG({ width: w, height: h });
  p.data = Buffer.from(rgba(w, h, seed));
  return new Uint8Array(pngjs.PNG.sync.write(p));
};
const jpg = (w: number, h: number, seed: number) => new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba(w, h, seed) }, 90).data);
const inline = (bytes: Uint8Array, size: number) => preprocessOfa(decodeImage(bytes), size);

function sameFloats(got: Float32Array, want: Float32Array, what: string) {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.unreachable(`${what}: [${i}] ${got[i]} != ${want[i]}`);
}

test('the pool decodes PNG and JPEG to exactly the inline floats, over two threads', async () => {
  const pool = createDecodePool({ threads: 2 });
  try {
    assert.is(pool.threads, 2);
    const images = [png(64, 40, 1), jpg(50, 70, 2), png(33, 33, 3)];
    const bytesBefore = images.map((b) => b.slice());
    const got = await pool.preprocessAll(images, 32);
    got.forEach((p, i) => sameFloats(p, inline(images[i]!, 32), `image ${i}`));
    images.forEach((b, i) => assert.equal(b, bytesBefore[i], 'caller\'s bytes are left intact (copied, not transferred)'));
    sameFloats(await pool.preprocess(images[1]!, 48), inline(images[1]!, 48), 'single, size 48');
  } finally { await pool.close(); }
});

test('a bad image rejects with the same ImageDecodeError as inline, naming its index; the pool keeps working', async () => {
  const pool = createDecodePool();
  try {
    const bad = new TextEncoder().encode('hello world');
    let inlineMessage = '';
    try { decodeImage(bad); } catch (e) { inlineMessage = (e as Error).message; }
    const err = await pool.preprocessAll([png(20, 20, 1), bad], 16).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ImageDecodeError, `got ${String(err)}`);
    assert.is((err as ImageDecodeError).message, inlineMessage);
    assert.is((err as ImageDecodeError).index, 1);
    const truncated = await pool.preprocess(png(40, 40, 2).subarray(0, 60), 16).then(() => null, (e: unknown) => e);
    assert.ok(truncated instanceof ImageDecodeError && /undecodable PNG/.test(truncated.message), String(truncated));
    sameFloats(await pool.preprocess(jpg(30, 20, 3), 16), inline(jpg(30, 20, 3), 16), 'after errors');
  } finally { await pool.close(); }
});

test('bounded queue: a request that would overfill it is refused whole with queue_full', async () => {
  const pool = createDecodePool({ threads: 1, maxQueue: 2 });
  try {
    const a = png(300, 300, 1);
    const first = pool.preprocessAll([a, a, a], 16); // one runs at once, two wait
    assert.is(pool.queued, 2);
    const err = await pool.preprocess(a, 16).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ServiceError && err.kind === 'queue_full', String(err));
    assert.match((err as Error).message, /2 images waiting, limit 2/);
    assert.is((await first).length, 3);
    assert.is(pool.queued, 0);
  } finally { await pool.close(); }
});

test('close(): the running image is answered, waiting ones are refused, threads end, later calls refused', async () => {
  const pool = createDecodePool({ threads: 2 });
  assert.is(pool.alive, 2);
  const img = png(200, 150, 4);
  const running = pool.preprocessAll([img, img], 24);
  const waiting = pool.preprocess(img, 24).then(() => null, (e: unknown) => e);
  await pool.close();
  assert.is((await running).length, 2);
  const refused = await waiting;
  assert.ok(refused instanceof ServiceError && refused.kind === 'shutting_down', String(refused));
  assert.is(pool.alive, 0, 'threads ended');
  const late = await pool.preprocess(img, 24).then(() => null, (e: unknown) => e);
  assert.ok(late instanceof ServiceError && late.kind === 'shutting_down');
  await pool.close(); // idempotent
});

test('bad options are refused', () => {
  assert.throws(() => createDecodePool({ threads: 0 }), (e: unknown) => e instanceof DecodePoolError && /threads must be an integer >= 1/.test((e as Error).message));
  assert.throws(() => createDecodePool({ maxQueue: 1.5 }), /maxQueue must be an integer >= 1/);
});

test.run();
