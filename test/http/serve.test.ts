/**
 * Real sockets on 127.0.0.1: an infer over HTTP, a client that disconnects (the service sees the
 * abort), graceful close (in-flight answered, new connections refused) and the signal wiring.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { createApp } from '../../src/http/app.ts';
import { installSignalHandlers, startHttpServer } from '../../src/http/serve.ts';
import { createMetrics } from '../../src/metrics.ts';
import { FakeService } from './fake-service.ts';
import { fp32Body, INFER, metricValue, nhwc } from './helpers.ts';

const BODY = JSON.stringify(fp32Body([1, 16, 16, 3], nhwc(1, 16, 16, (_b, _y, _x, c) => c + 0.5)));

async function start() {
  const metrics = createMetrics({ model: 'ofa-fake', version: '1' });
  const service = new FakeService(metrics);
  const app = createApp({ service, metrics, defaultSloMs: 100 });
  const server = await startHttpServer({ app, port: 0, host: '127.0.0.1', service });
  return { service, metrics, server };
}

/** POST over a fresh connection; resolves with status and body, rejects on socket errors. */
function postRaw(port: number, body: string): { done: Promise<{ status: number; body: string }>; req: http.ClientRequest } {
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: INFER, agent: false, headers: { 'content-type': 'application/json' } });
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.end(body);
  return { done, req };
}

/** Poll `cond` every 10 ms for at most `ms` (no timing assertion: only a bound on waiting). */
async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

test('infer over a real socket with fetch', async () => {
  const { server } = await start();
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}${INFER}`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } });
    assert.is(res.status, 200);
    const body = await res.json();
    assert.equal(body.outputs[0].data, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5]);
    assert.is((await fetch(`http://127.0.0.1:${server.port}/v2/health/ready`)).status, 200);
  } finally {
    await server.close();
  }
});

test('a client that disconnects has its queued request aborted in the service', async () => {
  const { service, metrics, server } = await start();
  service.hold = true;
  try {
    const { done, req } = postRaw(server.port, BODY);
    done.catch(() => {});
    await service.arrivals(1);
    assert.is(service.aborted.length, 0);
    req.destroy();
    assert.ok(await waitFor(() => service.aborted.length === 1), 'service saw the abort');
    const canceled = 'nv_inference_request_failure{model="ofa-fake",version="1",reason="CANCELED"}';
    let text = '';
    const until = Date.now() + 5000;
    while (metricValue(text = await metrics.render(), canceled) !== 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.is(metricValue(text, canceled), 1);
    // Still serving others.
    service.hold = false;
    const next = postRaw(server.port, BODY);
    assert.is((await next.done).status, 200);
  } finally {
    service.release();
    await server.close();
  }
});

test('close(): new connections refused, the in-flight request is answered, then it resolves', async () => {
  const { service, server } = await start();
  service.hold = true;
  const inFlight = postRaw(server.port, BODY);
  await service.arrivals(1);
  let closed = false;
  const closing = server.close().then(() => { closed = true; });
  const refused = await postRaw(server.port, BODY).done.then(() => null, (err: NodeJS.ErrnoException) => err.code);
  assert.is(refused, 'ECONNREFUSED');
  assert.is(closed, false, 'still draining while a request is in flight');
  assert.ok(service.isDraining, 'service.drain() was called');
  service.release();
  const answer = await inFlight.done;
  assert.is(answer.status, 200);
  assert.equal(JSON.parse(answer.body).outputs[0].data, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5]);
  await closing;
  assert.ok(closed);
});

test('installSignalHandlers: SIGTERM closes and exits 0; a second signal exits 1 at once', async () => {
  const events: string[] = [];
  const codes: number[] = [];
  let remove = () => {};
  const exited = new Promise<void>((resolve) => {
    remove = installSignalHandlers({
      close: async () => { events.push('close'); },
      exit: (code) => { codes.push(code); resolve(); },
    });
  });
  try {
    process.emit('SIGTERM', 'SIGTERM');
    await exited;
    assert.equal(events, ['close']);
    assert.equal(codes, [0]);
    process.emit('SIGINT', 'SIGINT');
    assert.equal(codes, [0, 1]);
  } finally {
    remove();
  }
});

test.run();
