/**
 * BYTES images decoded on a DecodePool passed through AppDeps: the same batch and reply as inline decoding,
 * the same 400 for an undecodable image, and 503 + Retry-After when the decode queue is full.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import { createDecodePool } from '../../src/imaging/decode-pool.ts';
import { harness, post } from './helpers.ts';

function rgba(w: number, h: number, seed: number) {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([(i * 5 + seed) % 256, (i * 11) % 256, (seed * 40) % 256, 255], i * 4);
  return data;
}
const pngB64 = (w: number, h: number, seed: number) => {
  const p = new pngjs.PNG({ width: w, height: h });
  p.data = rgba(w, h, seed);
  return pngjs.PNG.sync.write(p).toString('base64');
};
const jpegB64 = (w: number, h: number, seed: number) => Buffer.from(jpeg.encode({ width: w, height: h, data: rgba(w, h, seed) }, 90).data).toString('base64');
const bytesBody = (data: unknown[]) => ({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [data.length], data }] });

const pool = createDecodePool({ threads: 2 });

test('pool and inline decoding give the same batch and the same reply', async () => {
  const body = bytesBody([pngB64(64, 40, 1), { b64: jpegB64(50, 70, 2) }, pngB64(30, 90, 3)]);
  const viaPool = harness({ decodePool: pool });
  const inline = harness();
  const [a, b] = [await post(viaPool.app, body), await post(inline.app, body)];
  assert.is(a.status, 200);
  assert.equal(await a.json(), await b.json());
  const [pb, ib] = [viaPool.service.calls[0]!.batch, inline.service.calls[0]!.batch];
  assert.equal([pb.n, pb.height, pb.width], [3, 48, 48]);
  assert.equal(Array.from(pb.data), Array.from(ib.data));
});

test('an undecodable image is the same 400 through the pool, and the app keeps serving', async () => {
  const body = bytesBody([pngB64(20, 20, 1), Buffer.from('not an image').toString('base64')]);
  const viaPool = harness({ decodePool: pool });
  const [a, b] = [await post(viaPool.app, body), await post(harness().app, body)];
  assert.is(a.status, 400);
  const [ea, eb] = [await a.json(), await b.json()];
  assert.equal(ea, eb);
  assert.match(ea.error, /input 'image': data\[1\]: image is neither JPEG nor PNG/);
  assert.is(viaPool.service.calls.length, 0);
  assert.is((await post(viaPool.app, bytesBody([pngB64(20, 20, 1)]))).status, 200);
});

test('decode queue full: 503 with Retry-After, counted as REJECTED', async () => {
  const small = createDecodePool({ threads: 1, maxQueue: 1 });
  try {
    const h = harness({ decodePool: small });
    const big = pngB64(900, 700, 1);
    const first = post(h.app, bytesBody([big, big, big])); // one decodes, two wait (admitted: the queue was empty)
    const until = Date.now() + 10_000;
    while (small.queued < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 1));
    assert.is(small.queued, 2);
    const res = await post(h.app, bytesBody([pngB64(20, 20, 2)]));
    assert.is(res.status, 503);
    assert.is(res.headers.get('retry-after'), '1');
    assert.match((await res.json()).error, /image decode queue is full/);
    assert.is((await first).status, 200);
    assert.match(await h.metrics.render(), /nv_inference_request_failure\{[^}]*reason="REJECTED"[^}]*\} 1/);
  } finally { await small.close(); }
});

test('close the shared pool', async () => {
  await pool.close();
  assert.is(pool.alive, 0);
});

test.run();
