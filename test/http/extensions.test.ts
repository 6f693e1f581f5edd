/**
 * Triton's extensions over HTTP: classification outputs, statistics after known requests, model
 * configuration and the repository index.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ServiceError } from '../../src/serving/types.ts';
import { fp32Body, harness, nhwc, post } from './helpers.ts';

// Image 0: channel means [1, 2, 3] -> logits [1, 2, 3, -1, -2, -3]; image 1: [0.5, 0.25, 4].
const DATA = nhwc(2, 16, 16, (b, _y, _x, c) => (b === 0 ? c + 1 : [0.5, 0.25, 4][c]!));
const LABELS = ['red', 'green', 'blue', 'not red', 'not green', 'not blue'];

test('classification: class_count / classification on logits -> BYTES [N,k] "score:index:label", best first', async () => {
  const { app } = harness({ labels: LABELS });
  let res = await post(app, fp32Body([2, 16, 16, 3], DATA, { outputs: [{ name: 'logits', parameters: { classification: 2 } }, { name: 'top5' }] }));
  assert.is(res.status, 200, await res.clone().text());
  let body = await res.json();
  assert.equal(body.outputs[0], { name: 'logits', datatype: 'BYTES', shape: [2, 2], data: ['3.000000:2:blue', '2.000000:1:green', '4.000000:2:blue', '0.500000:0:red'] });
  assert.equal(body.outputs[1].name, 'top5');
  res = await post(app, fp32Body([2, 16, 16, 3], DATA, { outputs: [{ name: 'logits', parameters: { class_count: 9 } }] }));
  body = await res.json();
  assert.equal(body.outputs[0].shape, [2, 6], 'k is capped by the class count');
  assert.equal(body.outputs[0].data.slice(3, 6), ['-1.000000:3:not red', '-2.000000:4:not green', '-3.000000:5:not blue']);
});

test('classification without a label per class is "score:index"; binary classification output is length-prefixed UTF-8', async () => {
  const { app } = harness(); // the default ImageNet labels do not fit 6 classes
  const res = await post(app, fp32Body([2, 16, 16, 3], DATA, { outputs: [{ name: 'logits', parameters: { classification: 1, binary_data: true } }] }));
  assert.is(res.status, 200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const n = Number(res.headers.get('inference-header-content-length'));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, n)));
  assert.equal(header.outputs, [{ name: 'logits', datatype: 'BYTES', shape: [2, 1], parameters: { binary_data_size: 4 + 10 + 4 + 10 } }]);
  const view = new DataView(bytes.buffer, n);
  assert.is(view.getUint32(0, true), 10);
  assert.is(new TextDecoder().decode(bytes.subarray(n + 4, n + 14)), '3.000000:2');
  assert.is(new TextDecoder().decode(bytes.subarray(n + 18, n + 28)), '4.000000:2');
});

test('statistics: Triton JSON shape, counts and durations after known requests; /v2/models/stats is not a model', async () => {
  const h = harness();
  const one = fp32Body([1, 16, 16, 3], nhwc(1, 16, 16, () => 0.5));
  assert.is((await post(h.app, one)).status, 200);
  assert.is((await post(h.app, fp32Body([2, 16, 16, 3], DATA))).status, 200);
  assert.is((await post(h.app, one)).status, 200);
  assert.is((await post(h.app, { inputs: [{ ...one.inputs[0], name: 'foo' }] })).status, 400);
  h.service.failWith = new ServiceError('queue_full', 'full', 1);
  assert.is((await post(h.app, one)).status, 503);
  const res = await h.app.request('/v2/models/ofa-fake/stats');
  assert.is(res.status, 200);
  const { model_stats: [s, ...rest] } = await res.json();
  assert.is(rest.length, 0);
  assert.equal([s.name, s.version, s.last_inference, s.inference_count, s.execution_count], ['ofa-fake', '1', 1_700_000_000_000, 4, 3]);
  const st = s.inference_stats;
  assert.equal(Object.keys(st), ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output']);
  assert.is(st.success.count, 3);
  assert.ok(st.success.ns > 0);
  assert.equal(st.fail.count, 2, 'the bad input and the rejection');
  assert.equal(st.queue, { count: 3, ns: 3 * 1.5e6 }, 'FakeService reports 1.5 ms queue per request');
  assert.equal(st.compute_infer, { count: 3, ns: 3 * 2.5e6 });
  assert.equal([st.compute_input.count, st.compute_output.count], [3, 3], 'per answered request: input preparation, reply encoding');
  assert.ok(st.compute_output.ns > 0, 'encoding measured (the fake service runs on a virtual clock: preparation and failure times are 0 here)');
  assert.equal(s.batch_stats, [
    { batch_size: 1, compute_input: { count: 0, ns: 0 }, compute_infer: { count: 2, ns: 5e6 }, compute_output: { count: 0, ns: 0 } },
    { batch_size: 2, compute_input: { count: 0, ns: 0 }, compute_infer: { count: 1, ns: 2.5e6 }, compute_output: { count: 0, ns: 0 } },
  ]);
  const all = await (await h.app.request('/v2/models/stats')).json();
  assert.equal(all.model_stats, [s]);
  assert.equal((await (await h.app.request('/v2/models/ofa-fake/versions/1/stats')).json()).model_stats, [s]);
  assert.is((await h.app.request('/v2/models/other/stats')).status, 404);
  assert.is((await h.app.request('/v2/models/ofa-fake/versions/2/stats')).status, 404);
});

test('model config: max batch size, the three optional inputs with formats, outputs, dynamic batching and SLO settings', async () => {
  const { app } = harness({ maxBatch: 32 });
  const res = await app.request('/v2/models/ofa-fake/config');
  assert.is(res.status, 200);
  const cfg = await res.json();
  assert.is(cfg.name, 'ofa-fake');
  assert.is(cfg.max_batch_size, 32);
  assert.equal(cfg.input, [
    { name: 'input', data_type: 'TYPE_FP32', format: 'FORMAT_NCHW', dims: [3, -1, -1], optional: true },
    { name: 'input_nhwc', data_type: 'TYPE_FP32', format: 'FORMAT_NHWC', dims: [-1, -1, 3], optional: true },
    { name: 'image', data_type: 'TYPE_STRING', format: 'FORMAT_NONE', dims: [], optional: true },
  ]);
  assert.equal(cfg.output.map((o: { name: string; data_type: string; dims: number[] }) => [o.name, o.data_type, o.dims]), [
    ['logits', 'TYPE_FP32', [-1]], ['top5', 'TYPE_INT64', [5]], ['subnet_id', 'TYPE_INT64', []], ['accuracy', 'TYPE_FP32', []],
    ['batch_size', 'TYPE_INT64', []], ['queue_ms', 'TYPE_FP32', []], ['compute_ms', 'TYPE_FP32', []],
  ]);
  assert.is(cfg.output[0].label_filename, 'labels.txt');
  assert.equal(cfg.dynamic_batching.default_queue_policy, { timeout_action: 'REJECT', default_timeout_microseconds: 100_000, allow_timeout_override: true, max_queue_size: 500 }, 'the --max-queue bound');
  assert.is(cfg.parameters.policy.string_value, 'slackfit');
  assert.is(cfg.parameters.max_slo_ms.string_value, '1000');
  assert.equal(JSON.parse(cfg.parameters.subnets.string_value), [{ id: 0, accuracy: 0.75, image_size: 32 }, { id: 1, accuracy: 0.79, image_size: 48 }]);
  assert.equal(cfg.instance_group, [{ name: 'ofa-fake_workers', kind: 'KIND_CPU', count: 2 }]);
  assert.is((await app.request('/v2/models/ofa-fake/versions/1/config')).status, 200);
  assert.is((await app.request('/v2/models/nope/config')).status, 404);
});

test('repository index: the served model with its state; ready filter; load/unload refused with 400', async () => {
  const { app, service } = harness();
  const index = (body?: string) => app.request('/v2/repository/index', { method: 'POST', ...(body === undefined ? {} : { body }) });
  assert.equal(await (await index()).json(), [{ name: 'ofa-fake', version: '1', state: 'READY', reason: '' }]);
  service.ready = false;
  assert.equal((await (await index('{}')).json())[0].state, 'UNAVAILABLE');
  assert.equal(await (await index('{"ready": true}')).json(), []);
  let res = await index('{"ready": "yes"}');
  assert.is(res.status, 400);
  assert.match((await res.json()).error, /"ready" must be a boolean/);
  res = await index('{"repository": "x"}');
  assert.is(res.status, 400);
  res = await app.request('/v2/repository/models/ofa-fake/load', { method: 'POST' });
  assert.is(res.status, 400);
  assert.match((await res.json()).error, /explicit model load is not allowed/);
});

test.run();
