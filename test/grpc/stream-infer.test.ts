/**
 * ModelStreamInfer (Triton's bidirectional stream) with a grpc-js client: answers carry their request's id,
 * a bad request is answered in the stream with the unary call's words and the stream goes on, per-request
 * SLOs and the stream's deadline as for ModelInfer, cancelling the stream removes its queued requests from
 * the real scheduler, and a server shutdown ends an open stream once its requests are answered. Also the
 * repository calls, which answer as HTTP does.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { credentials, status, type ClientDuplexStream, type ServiceError as GrpcError } from '@grpc/grpc-js';
import { inferenceClient } from '../../src/grpc/proto.ts';
import { startGrpcServer } from '../../src/grpc/server.ts';
import type { StreamInferResponse } from '../../src/grpc/stream-infer.ts';
import { createPolicy, Scheduler, systemClock, type LatencyProfile } from '../../src/scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../../src/serving/dispatcher.ts';
import { LocalInferenceService } from '../../src/serving/service.ts';
import type { ModelMetadata } from '../../src/serving/types.ts';
import { FakeService } from '../http/fake-service.ts';
import { ManualWorker } from '../helpers/manual-worker.ts';
import { call, grpcHarness, grpcRequest, type Spec } from './helpers.ts';

type Stream = ClientDuplexStream<unknown, StreamInferResponse>;

const image = (v: number): Spec => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], fp32: new Array(768).fill(v) }] });
const waitFor = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
};

/** Everything the stream answers until it ends (OK or with an error status). */
function collect(stream: Stream): { answers: StreamInferResponse[]; ended: Promise<GrpcError | undefined> } {
  const answers: StreamInferResponse[] = [];
  const ended = new Promise<GrpcError | undefined>((resolve) => {
    stream.on('data', (a: StreamInferResponse) => answers.push(a));
    stream.on('error', (e: GrpcError) => resolve(e));
    stream.on('end', () => resolve(undefined));
  });
  return { answers, ended };
}

test('a stream of 32 requests, one invalid in the middle: 32 answers by id, the bad one as error_message with the unary words, the stream goes on', async () => {
  const h = await grpcHarness();
  try {
    const stream = h.client.ModelStreamInfer!() as Stream;
    const { answers, ended } = collect(stream);
    const bad = { ...grpcRequest(image(0), true), inputs: [{ name: 'nope', datatype: 'FP32', shape: [1, 3, 16, 16], parameters: {} }] };
    for (let i = 0; i < 32; i++) {
      const req = i === 16 ? bad : grpcRequest(i === 8 ? { ...image(i), parameters: { slo_ms: 50 } } : image(i), true);
      stream.write({ ...req, id: `r${i}` });
    }
    stream.end();
    assert.is(await ended, undefined, 'half-closed by the client: every answer, then OK');
    assert.is(answers.length, 32);
    assert.equal(new Set(answers.map((a) => a.infer_response.id)), new Set(Array.from({ length: 32 }, (_, i) => `r${i}`)));
    const failed = answers.filter((a) => a.error_message !== '');
    assert.is(failed.length, 1);
    assert.is(failed[0]!.infer_response.id, 'r16');
    const unary = await call(h.client, 'ModelInfer', bad);
    assert.is(unary.err?.code, status.INVALID_ARGUMENT);
    assert.is(failed[0]!.error_message, unary.err?.details, 'the same words as the unary call');
    for (const a of answers.filter((x) => x.error_message === '')) {
      const i = Number(a.infer_response.id!.slice(1));
      assert.is(a.infer_response.outputs!.length, 7, 'no outputs named: all of them');
      const logits = new Float32Array(new Uint8Array(a.infer_response.raw_output_contents![0]!).buffer.slice(0));
      assert.is(logits[0], i, `answer ${a.infer_response.id} is its own request's (channel mean ${i})`);
    }
    assert.is(h.service.calls.length, 31, 'the invalid request never reached the service');
    assert.equal(h.service.calls.map((c) => c.ticket.sloMs).sort((a, b) => a - b), [50, ...new Array(30).fill(100)], 'slo_ms per request, else the default');
    assert.is(h.statistics.snapshot('ofa-fake', '1').inference_stats.fail.count, 2, 'the streamed and the unary invalid request');
  } finally { await h.close(); }
});

test('the stream deadline tightens each request SLO as a unary deadline does', async () => {
  const h = await grpcHarness();
  try {
    const stream = h.client.ModelStreamInfer!({ deadline: new Date(Date.now() + 5000) }) as Stream;
    const { answers, ended } = collect(stream);
    stream.write({ ...grpcRequest(image(1), true), id: 'a' });
    stream.write({ ...grpcRequest({ ...image(2), parameters: { slo_ms: 20 } }, true), id: 'b' });
    stream.end();
    assert.is(await ended, undefined);
    assert.is(answers.length, 2);
    const slo = Object.fromEntries(h.service.calls.map((c) => [c.batch.data[0], c.ticket.sloMs]));
    assert.ok(slo[1]! <= 1000 && slo[1]! > 0, `no slo_ms: the deadline left, capped at max_slo_ms (${slo[1]})`);
    assert.is(slo[2], 20, 'slo_ms tighter than the deadline');
  } finally { await h.close(); }
});

test('admission as for a unary call: a refused request is answered in the stream with the unary words, and the next one is served', async () => {
  const h = await grpcHarness();
  try {
    const stream = h.client.ModelStreamInfer!() as Stream;
    const { answers, ended } = collect(stream);
    h.service.ready = false;
    stream.write({ ...grpcRequest(image(1), true), id: 'refused' });
    await waitFor(() => answers.length === 1, 'the refusal is answered in the stream');
    h.service.ready = true;
    stream.write({ ...grpcRequest(image(2), true), id: 'served' });
    stream.end();
    assert.is(await ended, undefined);
    h.service.ready = false;
    const unary = await call(h.client, 'ModelInfer', grpcRequest(image(1), true));
    assert.is(unary.err?.code, status.UNAVAILABLE);
    assert.equal(answers.map((a) => [a.infer_response.id, a.error_message]), [['refused', unary.err?.details], ['served', '']]);
  } finally { await h.close(); }
});

const PROFILE: LatencyProfile = { batchSizes: [1, 2], subnets: [{ id: 0, accuracy: 70, latencyMs: { 1: 10, 2: 12 } }] };

test('cancelling the stream mid-way removes its queued requests from the scheduler; what was answered stays answered', async () => {
  const scheduler = new Scheduler<ItemPayload>({ clock: systemClock, policy: createPolicy('fixed:0', PROFILE), profile: PROFILE });
  const dispatcher = new Dispatcher(scheduler, systemClock);
  const worker = new ManualWorker('w');
  dispatcher.addWorker(worker);
  const meta = { ...new FakeService().metadata(), subnets: [{ id: 0, accuracy: 70, config: {}, imageSize: 16 }], imageSize: 16 } as ModelMetadata;
  const service = new LocalInferenceService('ofa-fake', systemClock, () => meta);
  service.attach({ dispatcher, accuracyOf: () => 70, hasSubnet: (id) => id === 0 });
  const server = await startGrpcServer({ service, limits: { defaultSloMs: 5000, maxSloMs: 10_000 }, port: 0, host: '127.0.0.1' });
  const client = new (inferenceClient())(`127.0.0.1:${server.port}`, credentials.createInsecure()) as unknown as Record<string, Function> & { close(): void };
  try {
    const stream = client.ModelStreamInfer!() as Stream;
    const { answers, ended } = collect(stream);
    stream.write({ ...grpcRequest(image(1), true), id: 'first' });
    await waitFor(() => worker.jobs.length === 1, 'the first request runs');
    worker.finish();
    await waitFor(() => answers.length === 1, 'the first request is answered in the stream');
    assert.is(answers[0]!.infer_response.id, 'first');
    for (let i = 0; i < 5; i++) stream.write({ ...grpcRequest(image(1), true), id: `q${i}` });
    await waitFor(() => worker.jobs.length === 1 && scheduler.size === 4, 'one runs, four wait in the queue');
    assert.is(service.openRequests, 5);
    stream.cancel();
    assert.is((await ended)?.code, status.CANCELLED);
    await waitFor(() => scheduler.size === 0 && service.openRequests === 0, 'queued requests removed, the running one abandoned');
    worker.finish();
    assert.is(worker.jobs.length, 0, 'no cancelled request reached the worker');
    assert.is(answers.length, 1);
  } finally {
    client.close();
    await server.close();
  }
});

test('server shutdown ends an open stream once its requests are answered', async () => {
  const h = await grpcHarness();
  try {
    h.service.hold = true;
    const stream = h.client.ModelStreamInfer!() as Stream;
    const { answers, ended } = collect(stream);
    stream.write({ ...grpcRequest(image(3), true), id: 'held' });
    await h.service.arrivals(1);
    const closed = h.closeServer();
    await new Promise((r) => setTimeout(r, 50));
    assert.is(answers.length, 0);
    h.service.release();
    assert.is(await ended, undefined, 'ended OK by the server');
    assert.equal(answers.map((a) => [a.infer_response.id, a.error_message]), [['held', '']]);
    await closed;
  } finally { await h.close(); }
});

test('RepositoryModelLoad / Unload: FAILED_PRECONDITION with the words HTTP answers with 400', async () => {
  const h = await grpcHarness();
  try {
    for (const action of ['load', 'unload'] as const) {
      const http = await h.app.request(`/v2/repository/models/ofa-fake/${action}`, { method: 'POST' });
      assert.is(http.status, 400);
      const r = await call(h.client, action === 'load' ? 'RepositoryModelLoad' : 'RepositoryModelUnload', { model_name: 'ofa-fake' });
      assert.is(r.err?.code, status.FAILED_PRECONDITION);
      assert.is(r.err?.details, (await http.json()).error);
      assert.match(r.err?.details ?? '', new RegExp(`explicit model ${action} is not allowed`));
    }
  } finally { await h.close(); }
});

test.run();
