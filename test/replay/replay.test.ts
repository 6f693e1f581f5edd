import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { errorClass, pseudoImage, replay } from '../../src/replay/client.ts';
import { createApp } from '../../src/http/app.ts';
import { startHttpServer } from '../../src/http/serve.ts';
import { createMetrics } from '../../src/metrics.ts';
import { FakeService } from '../http/fake-service.ts';
import { run as replayCommand } from '../../src/commands/replay.ts';
import { validateSummary } from '../../src/sim/summary.ts';
import { poissonTrace } from '../../src/sim/traces.ts';
import { writeTraceFile } from '../../src/sim/trace-file.ts';

interface SeenBody {
  inputs: { shape: number[]; data?: number[]; parameters?: { binary_data_size?: number } }[];
  parameters: { slo_ms: number; binary_data_output?: boolean };
}

/**
 * A tiny real server in the V2 shape: answers after 3 ms; every 10th request gets a 503 queue-full. It reads the
 * binary tensor data extension by hand (JSON header, then little-endian float32) and answers binary-framed when
 * asked (JSON header plus 8 bytes), so the client's framing is checked independently of src/http.
 */
function startServer() {
  const seen = { posts: 0, shapes: new Set<string>(), slo: new Set<number>(), encodings: new Set<string>(), values: [] as number[] };
  const app = new Hono();
  app.get('/v2/models/:m', (c) => c.json({ name: c.req.param('m'), imageSize: 8, policy: 'slackfit', workers: { total: 2, alive: 2 }, subnets: [{ id: 0 }, { id: 5 }] }));
  app.post('/v2/models/:m/infer', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const headerLength = c.req.header('inference-header-content-length');
    const jsonEnd = headerLength === undefined ? raw.byteLength : Number(headerLength);
    const body = JSON.parse(new TextDecoder().decode(raw.subarray(0, jsonEnd))) as SeenBody;
    const input = body.inputs[0]!;
    let values: number[];
    if (headerLength === undefined) {
      values = input.data!;
      seen.encodings.add('json');
    } else {
      const size = input.parameters!.binary_data_size!;
      assert.is(raw.byteLength - jsonEnd, size, 'binary section is exactly binary_data_size');
      const view = new DataView(raw.buffer, raw.byteOffset + jsonEnd, size);
      values = Array.from({ length: size / 4 }, (_, i) => view.getFloat32(i * 4, true));
      seen.encodings.add(`binary${body.parameters.binary_data_output ? '+out' : ''}`);
    }
    const k = ++seen.posts;
    if (k === 1) seen.values = values;
    seen.shapes.add(`${input.shape.join('x')}:${values.length}`);
    seen.slo.add(body.parameters.slo_ms);
    await new Promise((r) => setTimeout(r, 3));
    if (k % 10 === 0) return c.json({ error: 'queue is full (12 waiting)' }, 503);
    const big = k % 2 === 0;
    const reply = { model_name: 'm', outputs: [], parameters: { subnet_id: big ? 5 : 0, accuracy: big ? 80.158 : 73.822, batch_size: big ? 1 : 4, queue_ms: 1, compute_ms: 2, deadline_met: true } };
    if (!body.parameters.binary_data_output) return c.json(reply);
    const json = new TextEncoder().encode(JSON.stringify(reply));
    return c.body(Buffer.concat([json, new Uint8Array(8).fill(0xff)]), 200, { 'inference-header-content-length': String(json.byteLength) });
  });
  return new Promise<{ url: string; seen: typeof seen; close: () => void }>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({ url: `http://127.0.0.1:${info.port}`, seen, close: () => server.close() });
    });
  });
}

test('replay on loopback: every request answered exactly once, errors classed, summary well-formed', async () => {
  const srv = await startServer();
  try {
    const trace = poissonTrace({ rate: 200, durationS: 1, seed: 4 });
    const r = await replay({ url: srv.url, model: 'm', arrivalsMs: trace.arrivalsMs, traceName: 'p', sloMs: 500 });
    const n = trace.arrivalsMs.length;
    assert.is(srv.seen.posts, n, 'server saw each request once');
    assert.equal([...srv.seen.shapes], [`1x3x8x8:${3 * 8 * 8}`]);
    assert.equal([...srv.seen.slo], [500]);
    assert.equal([...srv.seen.encodings], ['binary+out'], 'binary by default, outputs asked for as binary');
    assert.equal(srv.seen.values, pseudoImage(8, 1).map(Math.fround));
    assert.is(r.run.params?.encoding, 'binary');
    const x = r.run;
    assert.is(x.sent, n); assert.is(x.answered, n);
    assert.is(x.errors['503 queue is full'], Math.floor(n / 10));
    assert.is(x.ok, n - Math.floor(n / 10));
    assert.is(x.ok + Object.values(x.errors).reduce((a, b) => a + b, 0), n);
    assert.is(x.policy, 'slackfit'); assert.is(x.workers, 2);
    assert.equal(validateSummary({ runs: [x] }), []);
    assert.ok(x.p50_ms >= 3, `latency includes the server's 3 ms: ${x.p50_ms}`);
    const bigShare = x.subnet_mix['5']!;
    assert.ok(bigShare > 0.4 && bigShare < 0.6, `mix ${JSON.stringify(x.subnet_mix)}`);
    assert.ok(typeof x.params?.lag_p99_ms === 'number');
  } finally { srv.close(); }
});

test('encoding json sends the same image as JSON numbers', async () => {
  const srv = await startServer();
  try {
    const r = await replay({ url: srv.url, model: 'm', arrivalsMs: new Float64Array([0, 5, 10]), traceName: 'p', sloMs: 500, encoding: 'json' });
    assert.equal([...srv.seen.encodings], ['json']);
    assert.equal(srv.seen.values, pseudoImage(8, 1));
    assert.is(r.run.ok, 3);
    assert.is(r.run.params?.encoding, 'json');
  } finally { srv.close(); }
});

test('binary replay against the real HTTP app: every request served, the service sees the image in NHWC', async () => {
  const metrics = createMetrics({ model: 'ofa-fake', version: '1' });
  const service = new FakeService(metrics);
  const server = await startHttpServer({ app: createApp({ service, metrics, defaultSloMs: 100, maxSloMs: 1000 }), port: 0, host: '127.0.0.1', service });
  try {
    const r = await replay({ url: `http://127.0.0.1:${server.port}`, model: 'ofa-fake', arrivalsMs: new Float64Array([0, 2, 4, 6, 8]), traceName: 'p', sloMs: 200 });
    assert.is(r.run.ok, 5, JSON.stringify(r.run.errors));
    assert.is(r.imageSize, 48);
    assert.is(service.calls.length, 5);
    const s = 48;
    const nchw = pseudoImage(s, 1);
    const { batch, ticket } = service.calls[0]!;
    assert.equal([batch.n, batch.height, batch.width], [1, s, s]);
    assert.is(ticket.sloMs, 200);
    for (let p = 0; p < s * s; p++) for (let c = 0; c < 3; c++) {
      if (batch.data[p * 3 + c] !== Math.fround(nchw[c * s * s + p]!)) assert.unreachable(`pixel ${p} channel ${c}`);
    }
    assert.is(r.run.subnet_mix['1'], 1, 'subnet id read from the binary reply\'s JSON header');
  } finally { await server.close(); }
});

test('replay command writes summary.json, timeseries, plots and report.html; bad flags exit 2', async () => {
  const srv = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'ss-replay-'));
  try {
    writeTraceFile(join(dir, 't.trace'), poissonTrace({ rate: 100, durationS: 0.5, seed: 1 }));
    const rc = await replayCommand(['--url', srv.url, '--model', 'm', '--trace', join(dir, 't.trace'), '--slo-ms', '200', '--out', join(dir, 'out'), '--json']);
    assert.is(rc, 0);
    assert.equal([...srv.seen.encodings], ['json'], '--json sends JSON');
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    assert.equal(validateSummary(summary), []);
    assert.is(summary.runs.length, 1);
    assert.is(summary.runs[0].sent, summary.runs[0].answered);
    assert.ok(existsSync(join(dir, 'out', 'timeseries.csv')) && existsSync(join(dir, 'out', 'plots', 'accuracy.svg')));
    assert.match(readFileSync(join(dir, 'out', 'report.html'), 'utf8'), /id="report-data">\{"title":"replay t"/);
    assert.is(await replayCommand(['--url', 'nope', '--model', 'm', '--trace', 'x', '--out', dir]), 2);
    assert.is(await replayCommand(['--model', 'm']), 2);
  } finally { srv.close(); }
});

test('error classes drop numbers and detail', () => {
  assert.is(errorClass(503, '{"error":"queue is full (12 waiting)"}'), '503 queue is full');
  assert.is(errorClass(504, '{"error":"deadline cannot be met: slack 3.2 ms is below"}'), '504 deadline cannot be met');
  assert.is(errorClass(500, 'oops'), '500 oops');
});

test.run();
