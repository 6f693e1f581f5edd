/**
 * The dashboard's routes and SSE stream through the real HTTP app (createApp), on a virtual clock with ticks
 * driven by the test: the page and every asset it references, init + samples on the stream, slow clients
 * dropped, too many clients refused, close() ending streams, memory bounded over a simulated hour.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDashboard } from '../../src/dashboard/dashboard.ts';
import { createApp } from '../../src/http/app.ts';
import { startHttpServer } from '../../src/http/serve.ts';
import { createMetrics } from '../../src/metrics.ts';
import { VirtualClock } from '../../src/scheduler/index.ts';
import type { ServingSnapshot } from '../../src/serving/events.ts';
import { FakeService } from '../http/fake-service.ts';

const snapshot = (): ServingSnapshot => ({ queued: 7, inFlight: 1, latencyFactor: 1.1, workers: [{ name: 'w0', kind: 'thread', state: 'busy', backend: 'fake', batch: { subnetId: 1, size: 1 } }] });

function setup(opts: { maxClients?: number; maxBacklogBytes?: number } = {}) {
  const clock = new VirtualClock(0);
  const service = new FakeService();
  const dashboard = createDashboard({ now: () => clock.now(), snapshot, model: () => service.metadata(), sloMs: 250, timer: false, windowS: 60, ...opts });
  const app = createApp({ service, metrics: createMetrics(), defaultSloMs: 250, dashboard });
  const step = (ms = 1000) => { clock.set(clock.now() + ms); return dashboard.tick(); };
  return { clock, service, dashboard, app, step };
}

/** Reads SSE messages from a stream until `count` have arrived. */
async function readMessages(reader: ReadableStreamDefaultReader<Uint8Array>, count: number, buffered: { text: string }): Promise<Array<{ event: string; data: any }>> {
  const out: Array<{ event: string; data: any }> = [];
  const decoder = new TextDecoder();
  for (;;) {
    let i: number;
    while ((i = buffered.text.indexOf('\n\n')) >= 0) {
      const block = buffered.text.slice(0, i);
      buffered.text = buffered.text.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) out.push({ event, data: JSON.parse(data) });
      if (out.length === count) return out;
    }
    const { done, value } = await reader.read();
    if (done) return out;
    buffered.text += decoder.decode(value, { stream: true });
  }
}

test('GET /dashboard serves the page; every script and stylesheet it references is served', async () => {
  const { app, dashboard } = setup();
  const page = await app.request('/dashboard');
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  const html = await page.text();
  const refs = [...html.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(refs.length >= 5, refs.join());
  for (const ref of refs) {
    const r = await app.request(ref);
    assert.is(r.status, 200, ref);
    assert.ok((await r.text()).length > 100, ref);
  }
  assert.ok(!/https?:\/\//.test(html), 'no external resource');
  const missing = await app.request('/dashboard/assets/nope.js');
  assert.is(missing.status, 404);
  assert.type((await missing.json()).error, 'string');
  dashboard.close();
});

test('the stream starts with init (history, model, columns) and sends one sample per tick', async () => {
  const { app, dashboard, step } = setup();
  dashboard.events.arrived!(0, 1);
  dashboard.events.answered!(0, { images: [{ subnetId: 1, accuracy: 0.79, batchSize: 1, queueMs: 1, computeMs: 2, finishedAt: 0 }], latencyMs: 40, deadlineMet: true });
  step();
  const res = await app.request('/dashboard/events', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/event-stream/);
  assert.is(res.headers.get('content-encoding'), null, 'the stream is never compressed (a compressor would hold messages back)');
  const reader = res.body!.getReader();
  const buf = { text: '' };
  const [init] = await readMessages(reader, 1, buf);
  assert.is(init!.event, 'init');
  const m = init!.data;
  assert.equal(m.names.slice(0, 3), ['t', 'arriving', 'answered']);
  assert.ok(m.names.includes('mix:0') && m.names.includes('mix:1'));
  assert.is(m.frame.columns.answered.length, 1);
  assert.is(m.frame.columns.answered[0], 1);
  assert.is(m.frame.columns.attainment[0], 100);
  assert.is(m.frame.sloMs, 250);
  assert.is(m.model.untrained, true);
  assert.is(m.model.policy, 'slackfit');
  assert.equal(m.frame.subnets, [{ id: 0, accuracy: 0.75 }, { id: 1, accuracy: 0.79 }]);
  assert.is(m.live.totals.answered, 1);
  assert.is(m.live.workers[0].name, 'w0');

  dashboard.events.arrived!(1000, 1);
  dashboard.events.refused!(1000, 'queue_full', 1);
  step();
  const [sample] = await readMessages(reader, 1, buf);
  assert.is(sample!.event, 'sample');
  const row = Object.fromEntries(m.names.map((n: string, i: number) => [n, sample!.data.row[i]]));
  assert.equal([row.arriving, row.answered, row.refused, row.queued, row.latencyFactor, row.busy], [1, 0, 1, 7, 1.1, 1]);
  assert.is(row.attainment, 50, 'one on time, one refused in the window');
  assert.is(sample!.data.live.errors.find((e: any) => e.reason === 'queue_full').total, 1);
  dashboard.close();
  const rest = await readMessages(reader, 1, buf);
  assert.equal(rest, [], 'close() ends the stream');
});

test('a client that does not read is dropped once its backlog passes the limit; others keep streaming', async () => {
  const { app, dashboard, step } = setup({ maxBacklogBytes: 8 * 1024 });
  const stalled = await app.request('/dashboard/events');
  const reading = await app.request('/dashboard/events');
  const reader = reading.body!.getReader();
  const buf = { text: '' };
  await readMessages(reader, 1, buf);
  let got = 0;
  for (let i = 0; i < 60; i++) { step(); got += (await readMessages(reader, 1, buf)).length; }
  assert.is(got, 60);
  assert.equal(dashboard.clients(), { open: 1, dropped: 1 });
  const r = stalled.body!.getReader();
  let bytes = 0;
  for (;;) { const { done, value } = await r.read(); if (done) break; bytes += value.byteLength; }
  assert.ok(bytes < 8 * 1024 + 4096, `the stalled stream ended after its backlog was discarded (${bytes} bytes)`);
  dashboard.close();
});

test('too many clients get 503; after close() new streams get 503', async () => {
  const { app, dashboard } = setup({ maxClients: 2 });
  const a = await app.request('/dashboard/events');
  const b = await app.request('/dashboard/events');
  const c = await app.request('/dashboard/events');
  assert.equal([a.status, b.status, c.status], [200, 200, 503]);
  assert.match((await c.json()).error, /too many/);
  dashboard.close();
  const d = await app.request('/dashboard/events');
  assert.is(d.status, 503);
  await a.body!.cancel(); await b.body!.cancel();
});

test('a connected dashboard does not hold up server shutdown once closed', async () => {
  const { app, dashboard, step } = setup();
  const service = new FakeService();
  const http = await startHttpServer({ app, port: 0, host: '127.0.0.1', service, drainTimeoutMs: 60_000 });
  const res = await fetch(`http://127.0.0.1:${http.port}/dashboard/events`);
  const reader = res.body!.getReader();
  const buf = { text: '' };
  await readMessages(reader, 1, buf);
  step();
  assert.is((await readMessages(reader, 1, buf))[0]!.event, 'sample');
  const t0 = Date.now();
  dashboard.close();
  await http.close();
  assert.ok(Date.now() - t0 < 30_000, 'closed without waiting for the 60 s drain timeout');
  assert.equal(await readMessages(reader, 1, buf), []);
});

test('an hour of simulated uptime keeps windowS / resolution samples and a bounded state', async () => {
  const { app, dashboard, step } = setup();
  for (let t = 0; t < 3600; t++) {
    for (let i = 0; i < 20; i++) {
      dashboard.events.arrived!(t * 1000, 1);
      dashboard.events.answered!(t * 1000, { images: [{ subnetId: i % 2, accuracy: 0.75, batchSize: 4, queueMs: 1, computeMs: 2, finishedAt: 0 }], latencyMs: 10 + i, deadlineMet: true });
    }
    dashboard.events.batchFinished!(t * 1000, { worker: 'w0', subnetId: t % 2, size: 20, computeMs: 5, wallMs: 5, ok: true });
    step();
  }
  assert.is(dashboard.sampleCount, 60);
  const state = await (await app.request('/dashboard/state')).json();
  assert.is(state.frame.columns.t.length, 60);
  assert.is(state.live.totals.answered, 72_000);
  dashboard.close();
});

test.run();
