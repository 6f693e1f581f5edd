/**
 * The real `superserve serve` process under overload and at shutdown (no timing is asserted; bounds only limit
 * waiting):
 * - an open-loop burst at 10x its profiled capacity over keep-alive connections: every request gets exactly one
 *   HTTP answer (200, 503 or 504, never a reset socket), and /v2/health/live answers during the burst;
 * - SIGTERM while a PNG is being decoded (held until SIGTERM by test/helpers/hold-decode-until-sigterm.mjs, preloaded)
 *   and a JPEG waits behind it: both are answered 503 "server is shutting down" (neither had reached the service,
 *   which drains only what it accepted), never a reset socket; exit code 0;
 * - a busy port: exit code 1 with a clear message.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { fp32Bytes, frameBinaryBody, INFERENCE_HEADER_CONTENT_LENGTH } from '../../src/protocol/v2-binary.ts';
import { runBurst } from '../../src/replay/burst.ts';
import { freePort, ROOT, startServer, tempCheckpoint, type ServerProcess } from '../helpers/server-process.ts';

const SLO_MS = 1000;
const HOLD = join(ROOT, 'test/helpers/hold-decode-until-sigterm.mjs');
const HELD_LINE = 'hold-decode-until-sigterm: a decode is held until SIGTERM';
let server: ServerProcess | undefined;
let ckpt: string;

test.before(async () => {
  ckpt = await tempCheckpoint('ofa-mbv3-w1.0', 4);
});

test.after(async () => { if (server?.child.exitCode === null) await server.stop('SIGKILL'); });

/** From the profile the server measured: images/s of the sub-network's best batch, and its batch-1 latency (ms). */
async function profiled(subnetId: number): Promise<{ capacity: number; batch1Ms: number }> {
  const p = JSON.parse(await readFile(join(ckpt, 'profile.json'), 'utf8')) as { models: Array<{ id: number; latency_and_batch_ns: Array<{ batch_size: number; mean: number }> }> };
  const points = p.models.find((x) => x.id === subnetId)!.latency_and_batch_ns;
  return { capacity: Math.max(...points.map((q) => q.batch_size / (q.mean / 1e9))), batch1Ms: points.find((q) => q.batch_size === 1)!.mean / 1e6 };
}

test('an open-loop burst at 10x capacity over keep-alive connections: every request is answered exactly once', async () => {
  // The hold preload only touches image decodes, which the burst (tensor inputs) has none of: the next test uses it.
  server = await startServer(['--checkpoint', ckpt, '--policy', 'fixed:5', '--slo-ms', String(SLO_MS),
    '--profile-batches', '1,2,4,8', '--profile-repeats', '2', '--decode-threads', '1'], undefined, undefined, { args: ['--import', HOLD] });
  const { capacity, batch1Ms } = await profiled(5);
  const rate = 10 * capacity;
  const sloMs = Math.max(SLO_MS, 5 * batch1Ms); // servable on this machine, however slow it profiled
  const side = 64; // the worker resizes to the sub-network's resolution: small bodies keep the client fast
  const bytes = fp32Bytes(new Float32Array(side * side * 3).fill(0.2));
  const { body, headerLength } = frameBinaryBody({
    inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [1, side, side, 3], parameters: { binary_data_size: bytes.byteLength } }],
    parameters: { slo_ms: sloMs },
  }, [bytes]);
  const seconds = Math.max(3, Math.min(8, 4000 / rate));
  const r = await runBurst({
    url: server.url, path: '/v2/models/superserve/infer', body, ratePerS: rate, seconds, sloMs, probeEveryMs: 200,
    headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) },
  });
  const achieved = r.sent / ((r.fates.at(-1)!.sentAt - r.fates[0]!.sentAt) / 1000);
  console.log(`  capacity ${capacity.toFixed(1)} img/s, SLO ${sloMs.toFixed(0)} ms; sent ${r.sent} at ${achieved.toFixed(0)} req/s; answers ${JSON.stringify(r.byStatus)}; ` +
    `unanswered ${JSON.stringify(r.unanswered)}; refusal lateness p99 ${r.refusalLatenessMs.p99.toFixed(0)} ms; live p99 ${r.live.p99.toFixed(0)} ms (${r.live.failed}/${r.live.probes} failed)`);
  assert.equal(r.unanswered, {}, 'no request without an HTTP answer');
  assert.is(r.answered, r.sent);
  for (const status of Object.keys(r.byStatus)) assert.ok(['200', '503', '504'].includes(status), `status ${status}`);
  assert.ok((r.byStatus['200'] ?? 0) > 0, 'some requests were served');
  assert.ok((r.byStatus['503'] ?? 0) + (r.byStatus['504'] ?? 0) > 0, 'the overload was shed');
  assert.ok(r.live.probes - r.live.failed > 0, '/v2/health/live answered during the burst');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const refused = [...metrics.matchAll(/^superserve_refused_total\{[^}]*reason="(\w+)"[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[2]), 0);
  const ok = Number(/^nv_inference_request_success\{[^}]*\} (\d+)/m.exec(metrics)?.[1]);
  assert.is(ok + refused, r.sent, '/metrics counted every answer');
});

function pngOf(side: number): Buffer {
  const p = new pngjs.PNG({ width: side, height: side });
  p.data = Buffer.alloc(side * side * 4, 90);
  return pngjs.PNG.sync.write(p);
}

test('SIGTERM while a PNG is being decoded and a JPEG waits behind it: both are answered 503 shutting down, exit 0', async () => {
  assert.ok(server, 'server from the previous test');
  const rgba = Buffer.alloc(64 * 48 * 4, 128);
  const jpg = Buffer.from(jpeg.encode({ data: rgba, width: 64, height: 48 }, 90).data);
  const bodyOf = (img: Buffer) => JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [img.toString('base64')] }], parameters: { slo_ms: 60_000 } });
  const post = (body: string) => fetch(`${server!.url}/v2/models/superserve/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    .then(async (r) => ({ status: r.status, body: await r.text() }), (e: Error) => ({ status: 0, body: e.message }));
  const png = post(bodyOf(pngOf(256)));
  for (const until = Date.now() + 60_000; !server!.output().includes(HELD_LINE);) {
    assert.ok(Date.now() < until, `the PNG's decode was never handed to a thread:\n${server!.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const jpegReq = post(bodyOf(jpg));
  await new Promise((r) => setTimeout(r, 300)); // time for the JPEG to queue (had it not, it is refused all the same)
  const code = server!.stop('SIGTERM');
  const answers = await Promise.all([png, jpegReq]);
  for (const a of answers) assert.ok(a.status === 503 && /server is shutting down/.test(a.body), `503 shutting down (got ${a.status}: ${a.body.slice(0, 200)})`);
  assert.is(await code, 0, server!.output());
});

test('a busy port: exit code 1 with a clear message, not a hang', async () => {
  const port = await freePort();
  const blocker = createServer().listen(port, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  try {
    const child = spawn(process.execPath, [join(ROOT, 'bin/superserve.mjs'), 'serve', '--checkpoint', ckpt, '--port', String(port), '--host', '127.0.0.1'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); resolve(null); }, 60_000);
      child.once('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    assert.is(code, 1, out);
    assert.match(out, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
  } finally {
    blocker.close();
  }
});

test.run();
