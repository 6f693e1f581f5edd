/**
 * The infer route with a preparation pool (AppDeps.prepPool): BYTES images decoded off the event loop and large
 * JSON bodies parsed off it give the same batch and reply as inline; the same 400s; pixel budgets refuse an image
 * from its header before any decoding.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import { createPrepPool } from '../../src/intake/prep/prep-pool.ts';
import { fp32Body, harness, nhwc, post } from './helpers.ts';

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

const prepPool = createPrepPool({ threads: 2, maxImagePixels: 1e7, now: () => performance.now() });
await prepPool.ready();
/** Generous latency targets: these tests compare results, never speed (the pool refuses work it cannot finish in time). */
const SLOW_OK = { defaultSloMs: 30_000, maxSloMs: 60_000 };

test('pool and inline decoding give the same batch and the same reply', async () => {
  const body = bytesBody([pngB64(64, 40, 1), { b64: jpegB64(50, 70, 2) }, pngB64(30, 90, 3)]);
  const viaPool = harness({ prepPool, ...SLOW_OK });
  const inline = harness(SLOW_OK);
  const [a, b] = [await post(viaPool.app, body), await post(inline.app, body)];
  assert.is(a.status, 200);
  assert.equal(await a.json(), await b.json());
  const [pb, ib] = [viaPool.service.calls[0]!.batch, inline.service.calls[0]!.batch];
  assert.equal([pb.n, pb.height, pb.width], [3, 48, 48]);
  assert.equal(Array.from(pb.data), Array.from(ib.data));
});

test('a JSON body above the inline limit is parsed on the pool: same batch, same reply, same 400s', async () => {
  const body = fp32Body([4, 48, 48, 3], nhwc(4, 48, 48, (b, y, x, c) => (b + y * 0.01 + x * 0.001 + c) / 7)); // ~0.5 MB of JSON
  const viaPool = harness({ prepPool, ...SLOW_OK });
  const inline = harness(SLOW_OK);
  const [a, b] = [await post(viaPool.app, body), await post(inline.app, body)];
  assert.is(a.status, 200);
  assert.equal(await a.json(), await b.json());
  assert.equal(Array.from(viaPool.service.calls[0]!.batch.data), Array.from(inline.service.calls[0]!.batch.data));
  const bad = { ...body, parameters: { slo_ms: 'soon' } };
  const [ea, eb] = [await post(viaPool.app, bad), await post(inline.app, bad)];
  assert.is(ea.status, 400);
  assert.equal(await ea.json(), await eb.json());
});

test('an undecodable image is the same 400 through the pool, and the app keeps serving', async () => {
  const body = bytesBody([pngB64(20, 20, 1), Buffer.from('not an image').toString('base64')]);
  const viaPool = harness({ prepPool, ...SLOW_OK });
  const [a, b] = [await post(viaPool.app, body), await post(harness(SLOW_OK).app, body)];
  assert.is(a.status, 400);
  const [ea, eb] = [await a.json(), await b.json()];
  assert.equal(ea, eb);
  assert.match(ea.error, /input 'image': data\[1\]: image is neither JPEG nor PNG/);
  assert.is(viaPool.service.calls.length, 0);
  assert.is((await post(viaPool.app, bytesBody([pngB64(20, 20, 1)]))).status, 200);
});

test('pixel budgets: an image over the per-image budget, or a request over the per-request budget, is refused from its header', async () => {
  const h = harness({ prepPool, pixelBudget: { maxImagePixels: 100 * 100, maxRequestPixels: 150 * 100 } });
  const tooBig = await post(h.app, bytesBody([pngB64(20, 20, 1), pngB64(101, 100, 2)]));
  assert.is(tooBig.status, 400);
  assert.match((await tooBig.json()).error, /data\[1\]: image is 101x100 = 10100 pixels, above the per-image budget of 10000/);
  const tooMany = await post(h.app, bytesBody([pngB64(100, 100, 1), { b64: jpegB64(100, 60, 2) }]));
  assert.is(tooMany.status, 400);
  assert.match((await tooMany.json()).error, /the 2 images hold 16000 pixels, above the per-request budget of 15000/);
  assert.is(h.service.calls.length, 0);
  assert.match(await h.metrics.render(), /superserve_refused_total\{[^}]*reason="bad_request"[^}]*\} 2/);
});

test('close the shared pool', async () => {
  await prepPool.close();
  assert.is(prepPool.alive, 0);
});

test.run();
