/**
 * Every bad input and every service failure answered with the right status and `{"error": "..."}`,
 * without reaching the service when the request itself is bad, and the app keeps serving afterwards.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ServiceError } from '../../src/serving/types.ts';
import { fp32Body, harness, INFER, metricValue, nhwc, post, type Harness } from './helpers.ts';

const GOOD = fp32Body([1, 16, 16, 3], nhwc(1, 16, 16, () => 0.25));

async function expectError(res: Response, status: number, message: RegExp) {
  assert.is(res.status, status, `status (body: ${await res.clone().text()})`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = await res.json();
  assert.equal(Object.keys(body), ['error']);
  assert.match(body.error, message);
}

async function expectStillServing(h: Harness) {
  const res = await post(h.app, GOOD);
  assert.is(res.status, 200);
}

const flat = (n: number) => new Array(n).fill(0.5);

const BAD_REQUESTS: Array<[string, unknown, RegExp]> = [
  ['malformed JSON', '{"inputs": [', /malformed JSON/],
  ['empty body', '', /empty/],
  ['body not an object', [1, 2], /JSON object/],
  ['no inputs', { id: 'x' }, /"inputs" must be an array/],
  ['two inputs', { inputs: [GOOD.inputs[0], { name: 'image', datatype: 'BYTES', shape: [1], data: ['aGk='] }] }, /expected 1 input but got 2 inputs \['input_nhwc', 'image'\] for model 'ofa-fake': send exactly one of 'input', 'input_nhwc', 'image'/],
  ['no input', { inputs: [] }, /expected 1 input but got 0 inputs for model 'ofa-fake'/],
  ['the same input twice', { inputs: [GOOD.inputs[0], GOOD.inputs[0]] }, /input 'input_nhwc' is given more than once/],
  ['unknown input name', { inputs: [{ ...GOOD.inputs[0], name: 'foo' }] }, /^unexpected inference input 'foo' for model 'ofa-fake'$/],
  ['FP32 under the BYTES input', { inputs: [{ ...GOOD.inputs[0], name: 'image' }] }, /^inference input 'image' data-type is 'FP32', but model 'ofa-fake' expects 'BYTES'$/],
  ['BYTES under the FP32 input', { inputs: [{ name: 'input', datatype: 'BYTES', shape: [1], data: ['aGk='] }] }, /^inference input 'input' data-type is 'BYTES', but model 'ofa-fake' expects 'FP32'$/],
  ['NHWC data under the NCHW input', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16, 16, 3], data: flat(768) }] }, /^unexpected shape for input 'input' for model 'ofa-fake'\. Expected \[-1,3,-1,-1\], got \[1,16,16,3\]$/],
  ['NCHW data under the NHWC input', { inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [1, 3, 16, 16], data: flat(768) }] }, /Expected \[-1,-1,-1,3\], got \[1,3,16,16\]/],
  ['BYTES of rank 2', { inputs: [{ name: 'image', datatype: 'BYTES', shape: [1, 1], data: ['aGk='] }] }, /unexpected shape for input 'image' for model 'ofa-fake'\. Expected \[-1\], got \[1,1\]/],
  ['unknown request parameter', { ...GOOD, parameters: { urgency: 1 } }, /^parameter 'urgency' is not supported for model 'ofa-fake' \(supported: slo_ms, timeout, priority, subnet\)$/],
  ['negative priority', { ...GOOD, parameters: { priority: -1 } }, /^parameters\.priority must be an integer >= 0 \(0 = the default level, 1 = highest\), got -1$/],
  ['unknown input parameter', { inputs: [{ ...GOOD.inputs[0], parameters: { shared_memory_region: 'r0' } }] }, /^parameter 'shared_memory_region' is not supported for input 'input_nhwc' \(none are supported\)$/],
  ['unknown output parameter', { ...GOOD, outputs: [{ name: 'logits', parameters: { topk: 3 } }] }, /^parameter 'topk' is not supported for output 'logits' \(supported: classification, class_count\)$/],
  ['classification on top5', { ...GOOD, outputs: [{ name: 'top5', parameters: { classification: 2 } }] }, /output 'top5': classification is only offered on output 'logits'/],
  ['classification of zero', { ...GOOD, outputs: [{ name: 'logits', parameters: { classification: 0 } }] }, /classification must be an integer class count >= 1, got 0/],
  ['output requested twice', { ...GOOD, outputs: [{ name: 'logits' }, { name: 'logits' }] }, /output 'logits' is requested more than once/],
  ['input without name', { inputs: [{ datatype: 'FP32', shape: [1], data: [1] }] }, /name must be a string/],
  ['wrong datatype', { inputs: [{ ...GOOD.inputs[0], datatype: 'INT8' }] }, /inference input 'input_nhwc' data-type is 'INT8', but model 'ofa-fake' expects 'FP32'/],
  ['rank-3 shape', { inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [16, 16, 3], data: flat(768) }] }, /Expected \[-1,-1,-1,3\], got \[16,16,3\]/],
  ['no channel axis of 3', fp32Body([1, 4, 16, 16], flat(1024)), /Expected \[-1,3,-1,-1\], got \[1,4,16,16\]/],
  ['non-integer shape', fp32Body([1, 16.5, 16, 3], flat(792)), /non-negative integers/],
  ['size mismatch', fp32Body([1, 16, 16, 3], flat(767)), /767 elements, shape \[1,16,16,3\] needs 768/],
  ['null element', fp32Body([1, 16, 16, 3], [...flat(10), null, ...flat(757)]), /data\[10\] is null/],
  ['"NaN" string element', fp32Body([1, 16, 16, 3], ['NaN', ...flat(767)]), /data\[0\] is string/],
  ['Infinity (1e999 in JSON)', '{"inputs":[{"name":"input_nhwc","datatype":"FP32","shape":[1,16,16,3],"data":[1e999' + ',0'.repeat(767) + ']}]}', /data\[0\] is Infinity/],
  ['beyond float32 range', fp32Body([1, 16, 16, 3], [...flat(5), 1e39, ...flat(762)]), /data\[5\] is 1e\+39/],
  ['nested data not matching shape', fp32Body([1, 3, 16, 16], [[flat(256)]]), /data\[0\] has 1 elements/],
  ['H too small', fp32Body([1, 8, 16, 3], flat(384)), /H=8 out of range 16\.\.1024/],
  ['W too large', fp32Body([1, 3, 16, 2000], flat(96000)), /W=2000 out of range/],
  ['batch too large', fp32Body([65, 16, 16, 3], flat(65 * 768)), /batch size 65 out of range 1\.\.64/],
  ['batch of zero', fp32Body([0, 16, 16, 3], []), /batch size 0/],
  ['negative slo_ms', { ...GOOD, parameters: { slo_ms: -5 } }, /slo_ms must be a number > 0/],
  ['zero slo_ms', { ...GOOD, parameters: { slo_ms: 0 } }, /slo_ms must be a number > 0/],
  ['string slo_ms', { ...GOOD, parameters: { slo_ms: 'fast' } }, /slo_ms must be a number > 0, got "fast"/],
  ['slo_ms over the maximum', { ...GOOD, parameters: { slo_ms: 5000 } }, /5000 ms exceeds the maximum of 1000 ms/],
  ['fractional Triton timeout', { ...GOOD, parameters: { timeout: 1.5 } }, /timeout must be an integer number of microseconds/],
  ['timeout over the maximum', { ...GOOD, parameters: { timeout: 2_000_000 } }, /2000 ms exceeds the maximum/],
  ['both slo_ms and timeout', { ...GOOD, parameters: { slo_ms: 10, timeout: 10000 } }, /either parameters\.slo_ms or parameters\.timeout/],
  ['parameters not an object', { ...GOOD, parameters: 3 }, /"parameters" must be an object/],
  ['unknown subnet pin', { ...GOOD, parameters: { subnet: 7 } }, /subnet 7 is not a served sub-network \(ids: 0, 1\)/],
  ['non-integer subnet pin', { ...GOOD, parameters: { subnet: '1' } }, /subnet must be an integer/],
  ['non-string id', { ...GOOD, id: 5 }, /"id" must be a string/],
  ['unknown output', { ...GOOD, outputs: [{ name: 'probs' }] }, /^unexpected inference output 'probs' for model 'ofa-fake'$/],
  ['binary_data_size without the Inference-Header-Content-Length header', { inputs: [{ ...GOOD.inputs[0], parameters: { binary_data_size: 3072 } }] }, /binary_data_size needs a binary body: send the Inference-Header-Content-Length header/],
  ['undecodable image', { inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [Buffer.from('hello').toString('base64')] }] }, /data\[0\]: image is neither JPEG nor PNG/],
  ['truncated PNG', { inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64')] }] }, /undecodable PNG/],
  ['invalid base64', { inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: ['***'] }] }, /data\[0\] is not valid base64/],
  ['BYTES item of the wrong type', { inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [42] }] }, /base64 string or \{"b64"/],
  ['BYTES count mismatch', { inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], data: ['aGk='] }] }, /1 images, shape \[2\] needs 2/],
];

for (const [name, body, message] of BAD_REQUESTS) {
  test(`400 for ${name}; the service is not called and the server keeps serving`, async () => {
    const h = harness();
    await expectError(await post(h.app, body), 400, message);
    assert.is(h.service.calls.length, 0, 'service must not be called');
    await expectStillServing(h);
  });
}

test('bad requests count as nv_inference_request_failure{reason="OTHER"}', async () => {
  const h = harness();
  await post(h.app, '{');
  await post(h.app, fp32Body([1, 16, 16, 3], flat(3)));
  const text = await h.metrics.render();
  assert.is(metricValue(text, 'nv_inference_request_failure{model="ofa-fake",version="1",reason="OTHER"}'), 2);
  assert.is(metricValue(text, 'superserve_slo_missed_total{model="ofa-fake",version="1"}'), 0, 'never admitted: not an SLO miss');
});

test('unknown model, unknown version and unknown route are 404 with a JSON error', async () => {
  const { app, service } = harness();
  await expectError(await post(app, GOOD, '/v2/models/resnet/infer'), 404, /unknown model 'resnet' \(serving 'ofa-fake'\)/);
  await expectError(await post(app, GOOD, '/v2/models/ofa-fake/versions/9/infer'), 404, /no version '9'/);
  await expectError(await app.request('/v2/nothing'), 404, /no route for GET \/v2\/nothing/);
  assert.is(service.calls.length, 0);
});

test('413 for a body over the limit, declared or streamed', async () => {
  const h = harness({ bodyLimitBytes: 1000 });
  const big = JSON.stringify(fp32Body([1, 16, 16, 3], flat(768)));
  assert.ok(big.length > 1000);
  await expectError(await post(h.app, big), 413, /exceeds the limit of 1000 bytes/);
  const bytes = new TextEncoder().encode(big);
  const stream = new ReadableStream<Uint8Array>({
    start(ctrl) { for (let i = 0; i < bytes.length; i += 100) ctrl.enqueue(bytes.subarray(i, i + 100)); ctrl.close(); },
  });
  // No Content-Length: the limit must trip while streaming.
  const res = await h.app.request(INFER, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  await expectError(res, 413, /exceeds the limit/);
  assert.is(h.service.calls.length, 0);
  const small = harness({ bodyLimitBytes: 4000 });
  assert.is((await post(small.app, big)).status, 200, 'under the limit passes');
});

const SERVICE_FAILURES: Array<[string, Error, number, RegExp, string | null, string]> = [
  ['queue full', new ServiceError('queue_full', 'queue is full (64 waiting)', 3), 503, /queue is full/, '3', 'REJECTED'],
  ['shutting down', new ServiceError('shutting_down', 'server is shutting down'), 503, /shutting down/, '1', 'REJECTED'],
  ['deadline cannot be met', new ServiceError('deadline', 'cannot meet 5 ms'), 504, /cannot meet 5 ms/, null, 'REJECTED'],
  ['worker failure', new ServiceError('worker_failed', 'worker 2 died'), 500, /worker 2 died/, null, 'BACKEND'],
  ['service-side bad request', new ServiceError('bad_request', 'image too small for subnet'), 400, /too small/, null, 'OTHER'],
  ['client cancelled', new ServiceError('cancelled', 'client went away'), 499, /went away/, null, 'CANCELED'],
];

for (const [name, err, status, message, retryAfter, reason] of SERVICE_FAILURES) {
  test(`service error "${name}" -> ${status}${retryAfter ? ' + Retry-After' : ''}, failure{reason=${reason}}`, async () => {
    const h = harness();
    h.service.failWith = err;
    const res = await post(h.app, GOOD);
    assert.is(res.headers.get('retry-after'), retryAfter);
    await expectError(res, status, message);
    const text = await h.metrics.render();
    assert.is(metricValue(text, `nv_inference_request_failure{model="ofa-fake",version="1",reason="${reason}"}`), 1);
    h.service.failWith = null;
    await expectStillServing(h);
  });
}

test('an unexpected exception is a 500 that hides its message and is logged', async () => {
  const h = harness();
  h.service.failWith = new TypeError('secret internals');
  await expectError(await post(h.app, GOOD), 500, /^internal server error$/);
  assert.is(h.logged.length, 1);
  assert.ok(h.logged[0] instanceof TypeError);
});

test('model not ready: infer 503 + Retry-After without calling the service', async () => {
  const h = harness();
  h.service.ready = false;
  const res = await post(h.app, GOOD);
  assert.ok(res.headers.get('retry-after'));
  await expectError(res, 503, /not ready/);
  assert.is(h.service.calls.length, 0);
  h.service.ready = true;
  await expectStillServing(h);
});

test.run();
