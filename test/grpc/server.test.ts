/**
 * The non-infer gRPC endpoints against their HTTP twins (same content), the standard health service,
 * statistics counting requests of both protocols, and a graceful close that answers in-flight calls.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { nhwc, post } from '../http/helpers.ts';
import { call, grpcHarness, grpcRequest, httpBody, type Spec } from './helpers.ts';

const ONE: Spec = { inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [1, 16, 16, 3], fp32: nhwc(1, 16, 16, () => 0.5) }] };
const json = async (res: Response | Promise<Response>) => (await res).json();

test('ServerLive/ServerReady/ModelReady follow the service; unknown model is NOT_FOUND', async () => {
  const h = await grpcHarness();
  try {
    assert.equal((await call(h.client, 'ServerLive', {})).res, { live: true });
    assert.equal((await call(h.client, 'ServerReady', {})).res, { ready: true });
    assert.equal((await call(h.client, 'ModelReady', { name: 'ofa-fake' })).res, { ready: true });
    assert.equal((await call(h.client, 'ModelReady', { name: 'ofa-fake', version: '1' })).res, { ready: true });
    h.service.ready = false;
    assert.equal((await call(h.client, 'ServerReady', {})).res, { ready: false });
    assert.equal((await call(h.client, 'ModelReady', { name: 'ofa-fake' })).res, { ready: false });
    assert.equal((await call(h.client, 'ServerLive', {})).res, { live: true });
    const unknown = await call(h.client, 'ModelReady', { name: 'x' });
    assert.equal([unknown.err?.code, unknown.err?.details], [status.NOT_FOUND, "unknown model 'x' (serving 'ofa-fake')"]);
    assert.is((await call(h.client, 'ModelReady', { name: 'ofa-fake', version: '3' })).err?.code, status.NOT_FOUND);
  } finally { await h.close(); }
});

test('ServerMetadata, ModelMetadata and ModelConfig carry what HTTP returns', async () => {
  const h = await grpcHarness({ limits: { defaultSloMs: 100, maxSloMs: 1000, maxBatch: 32 } }, { maxBatch: 32 });
  try {
    assert.equal((await call(h.client, 'ServerMetadata', {})).res, await json(h.app.request('/v2')));
    const meta = (await call(h.client, 'ModelMetadata', { name: 'ofa-fake' })).res;
    const { parameters: _p, ...httpMeta } = await json(h.app.request('/v2/models/ofa-fake'));
    assert.equal(meta, httpMeta);
    const { config } = (await call(h.client, 'ModelConfig', { name: 'ofa-fake' })).res;
    const httpConfig = await json(h.app.request('/v2/models/ofa-fake/config'));
    assert.is(config.max_batch_size, 32);
    assert.equal(config.input, httpConfig.input);
    assert.equal(config.output, httpConfig.output);
    assert.equal(config.dynamic_batching.default_queue_policy, httpConfig.dynamic_batching.default_queue_policy);
    assert.equal(config.parameters, httpConfig.parameters);
    assert.equal(config.version_policy, { latest: { num_versions: 1 }, policy_choice: 'latest' });
    assert.equal(config.instance_group, httpConfig.instance_group);
    assert.is((await call(h.client, 'ModelConfig', { name: 'nope' })).err?.code, status.NOT_FOUND);
  } finally { await h.close(); }
});

test('ModelStatistics counts requests of both protocols, as HTTP /stats reports them', async () => {
  const h = await grpcHarness();
  try {
    assert.is((await call(h.client, 'ModelInfer', grpcRequest(ONE, true))).err, undefined);
    assert.is((await post(h.app, httpBody(ONE))).status, 200);
    assert.is((await call(h.client, 'ModelInfer', grpcRequest({ inputs: [{ ...ONE.inputs[0]!, name: 'foo' }] }, false))).err?.code, status.INVALID_ARGUMENT);
    const { model_stats: [s] } = (await call(h.client, 'ModelStatistics', { name: 'ofa-fake' })).res;
    assert.equal([s.name, s.version, s.inference_count, s.execution_count], ['ofa-fake', '1', 2, 2]);
    assert.equal([s.inference_stats.success.count, s.inference_stats.fail.count], [2, 1]);
    assert.equal([s.inference_stats.compute_input.count, s.inference_stats.compute_output.count], [2, 2], 'input preparation and reply encoding, per answered request, both protocols');
    assert.ok(s.inference_stats.compute_output.ns > 0, 'encoding measured (FakeService has a virtual clock: its preparation and failure times are 0 here)');
    assert.equal(s.inference_stats.queue, { count: 2, ns: 3e6 });
    assert.equal(s.batch_stats.map((b: { batch_size: number; compute_infer: { count: number } }) => [b.batch_size, b.compute_infer.count]), [[1, 2]]);
    const http = await json(h.app.request('/v2/models/ofa-fake/stats'));
    assert.equal(s, http.model_stats[0]);
    assert.equal((await call(h.client, 'ModelStatistics', {})).res.model_stats, [s], 'no name: every model');
    assert.is((await call(h.client, 'ModelStatistics', { name: 'x' })).err?.code, status.NOT_FOUND);
  } finally { await h.close(); }
});

test('RepositoryIndex lists the model with its state; ready filter', async () => {
  const h = await grpcHarness();
  try {
    assert.equal((await call(h.client, 'RepositoryIndex', {})).res, { models: [{ name: 'ofa-fake', version: '1', state: 'READY', reason: '' }] });
    h.service.ready = false;
    assert.equal((await call(h.client, 'RepositoryIndex', { ready: true })).res, { models: [] });
  } finally { await h.close(); }
});

test('grpc.health.v1: Check follows readiness, unknown services are NOT_FOUND, Watch streams changes', async () => {
  const h = await grpcHarness();
  try {
    assert.equal((await call(h.health, 'Check', { service: '' })).res, { status: 'SERVING' });
    assert.equal((await call(h.health, 'Check', { service: 'inference.GRPCInferenceService' })).res, { status: 'SERVING' });
    assert.is((await call(h.health, 'Check', { service: 'other' })).err?.code, status.NOT_FOUND);
    const seen: string[] = [];
    const stream = h.health.Watch!({ service: '' });
    stream.on('data', (m: { status: string }) => seen.push(m.status));
    stream.on('error', () => {});
    const until = async (n: number) => { for (let i = 0; i < 400 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10)); };
    await until(1);
    h.service.ready = false;
    await until(2);
    assert.equal(seen, ['SERVING', 'NOT_SERVING']);
    assert.equal((await call(h.health, 'Check', { service: '' })).res, { status: 'NOT_SERVING' });
    stream.cancel();
  } finally { await h.close(); }
});

test('close() answers the in-flight call, ends health watches, then refuses new calls', async () => {
  const h = await grpcHarness();
  h.service.hold = true;
  const inflight = call(h.client, 'ModelInfer', grpcRequest(ONE, true));
  await h.service.arrivals(1);
  const watch = h.health.Watch!({ service: '' });
  let watchEnded = false;
  watch.on('data', () => {});
  watch.on('end', () => { watchEnded = true; });
  watch.on('error', () => { watchEnded = true; });
  const closing = h.closeServer();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(h.service.isDraining);
  h.service.release();
  const r = await inflight;
  assert.is(r.err, undefined, 'the accepted call is answered');
  await closing;
  assert.ok(watchEnded);
  const late = await call(h.client, 'ServerLive', {});
  assert.is(late.err?.code, status.UNAVAILABLE, 'closed');
  await h.close();
});

test.run();
