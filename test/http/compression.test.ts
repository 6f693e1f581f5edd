/**
 * Content-Encoding gzip / deflate request bodies and Accept-Encoding replies on the infer route, with the
 * body limit applied to the decompressed size (a compression bomb is refused with 413, never inflated whole).
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { inflateLimited } from '../../src/http/compression.ts';
import { startHttpServer } from '../../src/http/serve.ts';
import { request as httpRequest } from 'node:http';
import { fp32Body, harness, INFER, nhwc, post, type Harness } from './helpers.ts';

const BODY = JSON.stringify(fp32Body([2, 16, 16, 3], nhwc(2, 16, 16, (b, y, x, c) => (b + 1) * (c + 1) + (x - y) / 16), { id: 'z' }));

function postEncoded(app: Harness['app'], body: Uint8Array<ArrayBuffer>, encoding: string, headers: Record<string, string> = {}) {
  return app.request(INFER, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding, ...headers }, body });
}

async function expectError(res: Response, status: number, message: RegExp) {
  assert.is(res.status, status, await res.clone().text());
  assert.match((await res.json()).error, message);
}

for (const [name, encode] of [['gzip', gzipSync], ['deflate', deflateSync], ['x-gzip', gzipSync]] as const) {
  test(`Content-Encoding: ${name} request gives the same batch and reply as the plain body`, async () => {
    const h = harness();
    const plain = await post(h.app, BODY);
    const zipped = await postEncoded(h.app, encode(BODY), name);
    assert.is(zipped.status, 200, await zipped.clone().text());
    assert.equal(await zipped.json(), await plain.json());
    const [a, b] = h.service.calls;
    assert.equal(Array.from(b!.batch.data), Array.from(a!.batch.data));
  });
}

test('deflate also accepts raw deflate (RFC 1951) bodies, as some clients send', async () => {
  const h = harness();
  const res = await postEncoded(h.app, deflateRawSync(BODY), 'deflate');
  assert.is(res.status, 200, await res.clone().text());
});

test('Accept-Encoding: replies are compressed (gzip preferred, deflate when asked), JSON and binary', async () => {
  const h = harness();
  const plain = await (await post(h.app, BODY)).text();
  const gz = await h.app.request(INFER, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': 'deflate, gzip' }, body: BODY });
  assert.is(gz.headers.get('content-encoding'), 'gzip');
  assert.match(gz.headers.get('vary') ?? '', /Accept-Encoding/);
  assert.is(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString(), plain);
  const df = await h.app.request(INFER, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': 'deflate' }, body: BODY });
  assert.is(df.headers.get('content-encoding'), 'deflate');
  assert.is(inflateSync(Buffer.from(await df.arrayBuffer())).toString(), plain);
  const none = await post(h.app, BODY);
  assert.is(none.headers.get('content-encoding'), null, 'no Accept-Encoding, no compression');
  const binBody = JSON.stringify({ ...JSON.parse(BODY), parameters: { binary_data_output: true } });
  const bin = await h.app.request(INFER, { method: 'POST', headers: { 'accept-encoding': 'gzip' }, body: binBody });
  assert.is(bin.headers.get('content-encoding'), 'gzip');
  const raw = gunzipSync(Buffer.from(await bin.arrayBuffer()));
  const n = Number(bin.headers.get('inference-header-content-length'));
  assert.is(JSON.parse(raw.subarray(0, n).toString()).outputs[0].parameters.binary_data_size, 48, 'header length counts the uncompressed JSON');
  assert.is(raw.byteLength - n, 48 + 80 + 16 + 8 + 16 + 8 + 8, 'every output, binary');
});

test('a compression bomb is refused with 413 once the decompressed size passes the limit; nothing reaches the service', async () => {
  const h = harness({ bodyLimitBytes: 64 * 1024 });
  const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)); // 20 MiB of spaces, about 20 KiB compressed
  assert.ok(bomb.byteLength < 64 * 1024);
  await expectError(await postEncoded(h.app, bomb, 'gzip'), 413, /decompressed request body exceeds the limit of 65536 bytes/);
  await expectError(await postEncoded(h.app, deflateSync(Buffer.alloc(5 * 1024 * 1024)), 'deflate'), 413, /decompressed request body exceeds the limit/);
  assert.is(h.service.calls.length, 0);
  assert.is((await postEncoded(h.app, gzipSync(BODY), 'gzip')).status, 200, 'still serving, and a body under the limit passes');
});

test('inflateLimited stops reading the stream at the limit', async () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (pulled >= bomb.byteLength) { ctrl.close(); return; }
      ctrl.enqueue(bomb.subarray(pulled, pulled + 256));
      pulled += 256;
    },
  });
  const err = await inflateLimited('gzip', stream, 100_000).then(() => undefined, (e: unknown) => e);
  assert.match(String(err), /decompressed request body exceeds the limit of 100000 bytes/);
  assert.ok(pulled < bomb.byteLength, `read ${pulled} of ${bomb.byteLength} compressed bytes`);
  assert.is((await inflateLimited('gzip', [gzipSync('x'.repeat(100))], 100)).toString(), 'x'.repeat(100), 'exactly at the limit passes');
});

test('a compressed body over the limit before inflating is 413 too', async () => {
  const h = harness({ bodyLimitBytes: 1000 });
  const noise = gzipSync(Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)));
  await expectError(await postEncoded(h.app, noise, 'gzip'), 413, /exceeds the limit of 1000 bytes/);
});

test('corrupt gzip is 400, an unknown Content-Encoding is 415; the server keeps serving', async () => {
  const h = harness();
  await expectError(await postEncoded(h.app, new TextEncoder().encode(BODY), 'gzip'), 400, /request body is not valid gzip data/);
  const cut = gzipSync(BODY);
  await expectError(await postEncoded(h.app, new Uint8Array(cut.subarray(0, cut.byteLength - 10)), 'gzip'), 400, /not valid gzip data/);
  await expectError(await postEncoded(h.app, gzipSync(BODY), 'br'), 415, /Content-Encoding 'br' is not supported \(use gzip, deflate or identity\)/);
  assert.is(h.service.calls.length, 0);
  assert.is((await postEncoded(h.app, new TextEncoder().encode(BODY), 'identity')).status, 200);
});

test('over a real socket (Node request read directly): gzip round trip, a bomb gets 413 and the keep-alive connection keeps serving', async () => {
  const h = harness({ bodyLimitBytes: 256 * 1024 });
  const server = await startHttpServer({ app: h.app, port: 0, host: '127.0.0.1', service: h.service });
  const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
  const send = (body: Buffer, encoding: string) => new Promise<{ status: number; body: string; socket: unknown }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path: INFER, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': body.byteLength } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, socket: req.socket }));
    });
    req.on('error', reject);
    req.end(body);
  });
  try {
    const ok = await send(gzipSync(BODY), 'gzip');
    assert.is(ok.status, 200, ok.body);
    assert.equal(JSON.parse(ok.body), await (await post(h.app, BODY)).json());
    const bomb = await send(gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)), 'gzip');
    assert.is(bomb.status, 413);
    assert.match(JSON.parse(bomb.body).error, /decompressed request body exceeds the limit of 262144 bytes/);
    const bad = await send(Buffer.from('not gzip at all'), 'deflate');
    assert.is(bad.status, 400);
    const again = await send(deflateSync(BODY), 'deflate');
    assert.is(again.status, 200, again.body);
    assert.is(again.socket, ok.socket, 'the same keep-alive connection served all of them');
  } finally {
    agent.destroy();
    await server.close();
  }
});

test.run();
