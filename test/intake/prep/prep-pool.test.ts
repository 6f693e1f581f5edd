/**
 * The request-preparation pool on real worker threads: the same floats and parse results as inline, the same
 * 400s, earliest-deadline-first order, deadline budgets (a stuck thread is replaced), cancellation, backlog
 * admission, a bounded queue, and close() answering what runs and refusing what waits.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { decodeImageFast, preprocessOfa } from '../../../src/imaging/index.ts';
import { RequestValidationError } from '../../../src/protocol/errors.ts';
import type { EncodedImages } from '../../../src/intake/image-batch.ts';
import { createPrepPool, PrepPoolError } from '../../../src/intake/prep/prep-pool.ts';
import { parseInferRequest } from '../../../src/protocol/v2-codec.ts';
import { ServiceError, type ModelMetadata } from '../../../src/serving/types.ts';

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
/** A large image that is cheap to make and slow to decode (one colour compresses to almost nothing). */
const blackPng = (side: number) => {
  const p = new pngjs.PNG({ width: side, height: side });
  p.data = Buffer.alloc(side * side * 4);
  return new Uint8Array(pngjs.PNG.sync.write(p));
};
const jpg = (w: number, h: number, seed: number) => new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba(w, h, seed) }, 90).data);
const inline = async (bytes: Uint8Array, size: number) => preprocessOfa(await decodeImageFast(bytes), size);
const images = (items: Uint8Array[], size = 32): EncodedImages => ({ inputName: 'image', items, size });
const clock = () => performance.now();
const far = () => clock() + 60_000;
const META = {
  name: 'm', versions: ['1'], platform: 'p', arch: 'ofa-mbv3-w1.0', backend: 'wasm', untrained: true, checkpoint: 'c', policy: 'slackfit',
  defaultSloMs: 100, subnets: [{ id: 0, accuracy: 70, config: {}, imageSize: 32 }], imageSize: 32, workers: { total: 1, alive: 1 },
} as ModelMetadata;
const LIMITS = { defaultSloMs: 100, maxSloMs: 1000 };

function sameFloats(got: Float32Array, want: Float32Array, what: string) {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.unreachable(`${what}: [${i}] ${got[i]} != ${want[i]}`);
}
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

test('decodes PNG and JPEG to exactly the inline floats over two threads; the caller\'s bytes stay intact', async () => {
  const pool = createPrepPool({ threads: 2, maxImagePixels: 1e7, now: clock });
  try {
    const items = [png(64, 40, 1), jpg(50, 70, 2), png(33, 33, 3)];
    const before = items.map((b) => b.slice());
    const batch = await pool.decode(images(items), { deadline: far() });
    assert.equal([batch.n, batch.height, batch.width], [3, 32, 32]);
    for (const [i, b] of items.entries()) sameFloats(batch.data.subarray(i * 32 * 32 * 3, (i + 1) * 32 * 32 * 3), await inline(b, 32), `image ${i}`);
    items.forEach((b, i) => assert.equal(b, before[i], 'copied, not transferred'));
  } finally { await pool.close(); }
});

test('parses a large JSON body to exactly what inline parsing gives, and rebuilds validation errors as 400s', async () => {
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e7, now: clock });
  try {
    const data = Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => (i % 97) / 10);
    const body = { inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [2, 32, 32, 3], data }], parameters: { slo_ms: 250 } };
    const json = new TextEncoder().encode(JSON.stringify(body));
    const viaPool = await pool.parse(json, undefined, META, LIMITS, { deadline: far() });
    const direct = parseInferRequest(body, META, LIMITS);
    assert.is(viaPool.timing.sloMs, 250);
    assert.equal(viaPool.outputs, direct.outputs);
    assert.ok(viaPool.input.kind === 'tensor' && direct.input.kind === 'tensor');
    if (viaPool.input.kind === 'tensor' && direct.input.kind === 'tensor') sameFloats(viaPool.input.batch.data, direct.input.batch.data, 'tensor');
    const bad = new TextEncoder().encode(JSON.stringify({ ...body, parameters: { slo_ms: -1 } }));
    const err = await failure(pool.parse(bad, undefined, META, LIMITS, { deadline: far() }));
    assert.instance(err, RequestValidationError);
    assert.match((err as Error).message, /slo_ms must be a number > 0/);
  } finally { await pool.close(); }
});

test('a parse still running at its deadline is answered 504 then; its thread finishes it and is kept', async () => {
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e7, now: clock });
  try {
    const n = 3_000_000; // ~20 MB of JSON numbers: far longer to parse than the 100 ms budget
    const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 1000, 1000], data: Array.from({ length: n }, (_, i) => (i % 97) / 10) }] };
    const json = new TextEncoder().encode(JSON.stringify(body));
    const err = await failure(pool.parse(json, undefined, META, { ...LIMITS, maxBatch: 8 }, { deadline: clock() + 100 }));
    assert.ok(err instanceof ServiceError && err.kind === 'deadline', String(err));
    assert.match((err as Error).message, /request parsing did not finish before the request's deadline/);
    const small = new TextEncoder().encode(JSON.stringify({ inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [1, 32, 32, 3], data: new Array(32 * 32 * 3).fill(0) }] }));
    const ok = await pool.parse(small, undefined, META, LIMITS, { deadline: far() });
    assert.ok(ok.input.kind === 'tensor');
    assert.is(pool.restarts, 0, 'no thread was terminated for a late parse');
    assert.is(pool.alive, 1);
  } finally { await pool.close(); }
});

test('an undecodable image is a 400 naming the input and index; the pool keeps working', async () => {
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e7, now: clock });
  try {
    const err = await failure(pool.decode(images([png(20, 20, 1), new TextEncoder().encode('hello world')]), { deadline: far() }));
    assert.instance(err, RequestValidationError);
    assert.match((err as Error).message, /^input 'image': data\[1\]: image is neither JPEG nor PNG/);
    const ok = await pool.decode(images([jpg(30, 20, 3)], 16), { deadline: far() });
    sameFloats(ok.data, await inline(jpg(30, 20, 3), 16), 'after an error');
  } finally { await pool.close(); }
});

test('waiting jobs leave in deadline order, not arrival order', async () => {
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e8, now: clock });
  try {
    const done: string[] = [];
    const big = blackPng(1500);
    const first = pool.decode(images([big]), { deadline: far() }).then(() => done.push('first'));
    const late = pool.decode(images([png(16, 16, 1)]), { deadline: far() + 10_000 }).then(() => done.push('late'));
    const early = pool.decode(images([png(16, 16, 2)]), { deadline: far() }).then(() => done.push('early'));
    await Promise.all([first, late, early]);
    assert.equal(done, ['first', 'early', 'late']);
  } finally { await pool.close(); }
});

test('budgets: a job still waiting at its deadline is answered then, unrun; one still running at its deadline loses its thread, which is replaced', async () => {
  // The pure-JS decoder (threads copy the environment when they start): seconds for the 16 MP image below on any
  // machine, where libvips may finish it within the 300 ms budget.
  process.env.SUPERSERVE_IMAGE_DECODER = 'js';
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e8, now: clock });
  delete process.env.SUPERSERVE_IMAGE_DECODER;
  try {
    const huge = blackPng(4000); // 16 MP: seconds to decode
    const settled: string[] = [];
    const stuck = failure(pool.decode(images([huge]), { deadline: clock() + 300 })).finally(() => settled.push('stuck'));
    const behind = failure(pool.decode(images([png(16, 16, 1)]), { deadline: clock() + 200 })).finally(() => settled.push('behind'));
    const e2 = await behind;
    assert.ok(e2 instanceof ServiceError && e2.kind === 'deadline', String(e2));
    assert.match((e2 as Error).message, /waited for a preparation thread until its deadline/);
    assert.is(pool.waiting, 0);
    const e1 = await stuck;
    assert.ok(e1 instanceof ServiceError && e1.kind === 'deadline', String(e1));
    assert.match((e1 as Error).message, /did not finish before the request's deadline/);
    assert.equal(settled, ['behind', 'stuck'], 'the waiting job was answered at its own deadline, before the running one ended');
    assert.is(pool.restarts, 1);
    const ok = await pool.decode(images([png(16, 16, 2)], 16), { deadline: far() });
    assert.is(ok.n, 1);
    assert.is(pool.alive, 1, 'the stuck thread was replaced');
  } finally { await pool.close(); }
});

test('a client that leaves has its waiting jobs dropped (cancelled)', async () => {
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e8, now: clock });
  try {
    const running = pool.decode(images([blackPng(1500)]), { deadline: far() });
    const ac = new AbortController();
    const waiting = failure(pool.decode(images([png(16, 16, 1)]), { deadline: far(), signal: ac.signal }));
    assert.is(pool.waiting, 1);
    ac.abort();
    const err = await waiting;
    assert.ok(err instanceof ServiceError && err.kind === 'cancelled', String(err));
    assert.is(pool.waiting, 0);
    await running;
  } finally { await pool.close(); }
});

test('backlog admission: a request that cannot be decoded by its deadline behind the waiting work is refused at once', async () => {
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e8, now: clock });
  try {
    const big = blackPng(2000); // 4 MP, estimated 80 ms before anything was measured
    const queued = [pool.decode(images([big]), { deadline: far() }), pool.decode(images([big, big]), { deadline: far() })];
    assert.is(pool.waiting, 2);
    const err = await failure(pool.decode(images([png(16, 16, 1)]), { deadline: clock() + 50 }));
    assert.ok(err instanceof ServiceError && err.kind === 'overloaded', String(err));
    assert.ok((err as ServiceError).retryAfterS! >= 1);
    await Promise.all(queued);
  } finally { await pool.close(); }
});

test('bounded queue: a request that would overfill it is refused whole with queue_full', async () => {
  const pool = createPrepPool({ threads: 1, maxWaiting: 2, maxImagePixels: 1e8, now: clock });
  try {
    const a = png(300, 300, 1);
    const first = pool.decode(images([a, a, a]), { deadline: far() }); // one runs, two wait
    assert.is(pool.waiting, 2);
    const err = await failure(pool.decode(images([a]), { deadline: far() }));
    assert.ok(err instanceof ServiceError && err.kind === 'queue_full', String(err));
    assert.match((err as Error).message, /2 jobs waiting, limit 2/);
    assert.is((await first).n, 3);
  } finally { await pool.close(); }
});

test('close(): the running job is answered, waiting ones are refused, threads end, later calls refused', async () => {
  const pool = createPrepPool({ threads: 1, maxImagePixels: 1e8, now: clock });
  const running = pool.decode(images([png(200, 150, 4)]), { deadline: far() });
  const waiting = failure(pool.decode(images([png(200, 150, 5)]), { deadline: far() }));
  await pool.close();
  assert.is((await running).n, 1);
  const refused = await waiting;
  assert.ok(refused instanceof ServiceError && refused.kind === 'shutting_down', String(refused));
  assert.is(pool.alive, 0);
  const late = await failure(pool.decode(images([png(20, 20, 1)]), { deadline: far() }));
  assert.ok(late instanceof ServiceError && late.kind === 'shutting_down');
  await pool.close(); // idempotent
});

test('bad options are refused', () => {
  assert.throws(() => createPrepPool({ threads: 0, maxImagePixels: 1, now: clock }), (e: unknown) => e instanceof PrepPoolError && /threads must be an integer >= 1/.test((e as Error).message));
  assert.throws(() => createPrepPool({ maxWaiting: 1.5, maxImagePixels: 1, now: clock }), /maxWaiting must be an integer >= 1/);
});

test.run();
