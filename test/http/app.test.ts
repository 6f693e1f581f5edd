/**
 * Health, metadata and /metrics routes of the app through `app.request()`.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ServiceError } from '../../src/serving/types.ts';
import { fp32Body, harness, metricValue, nhwc, post } from './helpers.ts';

test('live is 200 with an empty body; ready follows the service (200 / 400, empty body)', async () => {
  const { app, service } = harness();
  let res = await app.request('/v2/health/live');
  assert.is(res.status, 200);
  assert.is(await res.text(), '');
  assert.is((await app.request('/v2/health/ready')).status, 200);
  assert.is((await app.request('/v2/models/ofa-fake/ready')).status, 200);
  assert.is((await app.request('/v2/models/ofa-fake/versions/1/ready')).status, 200);
  service.ready = false;
  res = await app.request('/v2/health/ready');
  assert.is(res.status, 400);
  assert.is(await res.text(), '');
  assert.is((await app.request('/v2/models/ofa-fake/ready')).status, 400);
  assert.is((await app.request('/v2/health/live')).status, 200, 'live while not ready');
  res = await app.request('/v2/models/other/ready');
  assert.is(res.status, 404);
  assert.match((await res.json()).error, /unknown model 'other'/);
});

test('GET /v2 names the server; GET /v2/models lists the model with readiness', async () => {
  const { app, service } = harness({ serverName: 'superserve', serverVersion: '9.9.9' });
  assert.equal(await (await app.request('/v2')).json(), { name: 'superserve', version: '9.9.9', extensions: ['binary_tensor_data', 'classification', 'model_configuration', 'model_repository', 'statistics', 'parameters'] });
  assert.equal(await (await app.request('/v2/models')).json(), { models: [{ name: 'ofa-fake', ready: true }] });
  service.ready = false;
  assert.equal(await (await app.request('/v2/models')).json(), { models: [{ name: 'ofa-fake', ready: false }] });
});

test('GET /v2/models/{m}: V2 metadata plus SuperServe parameters', async () => {
  const { app } = harness();
  const res = await app.request('/v2/models/ofa-fake');
  assert.is(res.status, 200);
  const body = await res.json();
  assert.is(body.name, 'ofa-fake');
  assert.equal(body.versions, ['1']);
  assert.is(body.platform, 'superserve_tfjs');
  assert.equal(body.inputs, [
    { name: 'input', datatype: 'FP32', shape: [-1, 3, -1, -1] },
    { name: 'input_nhwc', datatype: 'FP32', shape: [-1, -1, -1, 3] },
    { name: 'image', datatype: 'BYTES', shape: [-1] },
  ], 'each accepted layout is its own input, so a client building requests from metadata picks a valid one');
  assert.equal(body.outputs, [
    { name: 'logits', datatype: 'FP32', shape: [-1, -1] }, { name: 'top5', datatype: 'INT64', shape: [-1, 5] },
    { name: 'subnet_id', datatype: 'INT64', shape: [-1] }, { name: 'accuracy', datatype: 'FP32', shape: [-1] },
    { name: 'batch_size', datatype: 'INT64', shape: [-1] }, { name: 'queue_ms', datatype: 'FP32', shape: [-1] },
    { name: 'compute_ms', datatype: 'FP32', shape: [-1] },
  ], 'every output a request may name');
  assert.match(body.parameters.inputs, /^exactly one of: input \(FP32: normalised images, NCHW/);
  assert.equal(body.parameters.subnets, [{ id: 0, accuracy: 0.75, image_size: 32 }, { id: 1, accuracy: 0.79, image_size: 48 }]);
  assert.is(body.parameters.image_size, 48);
  assert.is(body.parameters.untrained, true);
  assert.equal(body.parameters.workers, { total: 2, alive: 1 });
  assert.is((await app.request('/v2/models/ofa-fake/versions/1')).status, 200);
  assert.is((await app.request('/v2/models/ofa-fake/versions/3')).status, 404);
  assert.is((await app.request('/v2/models/nope')).status, 404);
});

test('GET /metrics: Prometheus text with Triton names reflecting what happened', async () => {
  const { app, service } = harness();
  const good = fp32Body([2, 16, 16, 3], nhwc(2, 16, 16, () => 1));
  assert.is((await post(app, good)).status, 200);
  assert.is((await post(app, { ...good, parameters: { slo_ms: 1, subnet: 0 } })).status, 200);
  service.failWith = new ServiceError('queue_full', 'full', 1);
  assert.is((await post(app, good)).status, 503);
  const res = await app.request('/metrics');
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  const l = '{model="ofa-fake",version="1"}';
  assert.is(metricValue(text, `nv_inference_request_success${l}`), 2);
  assert.is(metricValue(text, 'nv_inference_request_failure{model="ofa-fake",version="1",reason="REJECTED"}'), 1);
  assert.is(metricValue(text, `nv_inference_count${l}`), 4);
  assert.is(metricValue(text, `nv_inference_exec_count${l}`), 2);
  assert.is(metricValue(text, `nv_inference_queue_duration_us${l}`), 3000);
  assert.is(metricValue(text, `superserve_slo_met_total${l}`), 1);
  assert.is(metricValue(text, `superserve_slo_missed_total${l}`), 2, 'one late answer, one rejection');
  assert.ok(Math.abs(metricValue(text, `superserve_slo_attainment${l}`)! - 1 / 3) < 1e-9);
  assert.is(metricValue(text, 'superserve_subnet_choice_total{model="ofa-fake",version="1",subnet="0"}'), 1);
  assert.is(metricValue(text, 'superserve_subnet_choice_total{model="ofa-fake",version="1",subnet="1"}'), 1);
});

test.run();
