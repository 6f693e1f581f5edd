/**
 * The pure V2 codec pieces: top-k order, NCHW -> NHWC, nested/flat flattening, response encoding.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeInferRequest, encodeInferResponse, topK } from '../../src/http/v2-codec.ts';
import { flattenFp32, nchwToNhwc } from '../../src/http/v2-tensors.ts';
import { RequestValidationError } from '../../src/http/errors.ts';
import { FakeService } from './fake-service.ts';

test('topK: descending logits, ties by lower id, k capped by the class count', () => {
  const logits = new Float32Array([0.1, 0.9, 0.5, 0.9, -1, 0, /* row 2 */ 3, 2, 1, 0, 5, 4]);
  assert.equal(topK(logits, 2, 6, 5), [1, 3, 2, 0, 5, 4, 5, 0, 1, 2]);
  assert.equal(topK(new Float32Array([1, 2, 3]), 1, 3, 3), [2, 1, 0]);
});

test('nchwToNhwc moves channels last', () => {
  // n=1, h=1, w=2: planes R=[1,2] G=[3,4] B=[5,6]
  assert.equal(Array.from(nchwToNhwc(new Float32Array([1, 2, 3, 4, 5, 6]), 1, 1, 2)), [1, 3, 5, 2, 4, 6]);
});

test('flattenFp32: nested and flat give the same row-major data; bad nesting names the path', () => {
  const nested = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]];
  assert.equal(Array.from(flattenFp32('x', nested, [2, 2, 2])), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(Array.from(flattenFp32('x', [1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2])), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.throws(() => flattenFp32('x', [[[1, 2], [3]], [[5, 6], [7, 8]]], [2, 2, 2]), /data\[0\]\[1\] has 1 elements/);
  assert.throws(() => flattenFp32('x', [[[1, 2], [3, 'a']], [[5, 6], [7, 8]]], [2, 2, 2]), /data\[0\]\[1\]\[1\] is string/);
  assert.throws(() => flattenFp32('x', [[1, 2], 3], [2, 2]), /data\[1\] must be an array/);
});

test('decodeInferRequest: defaults and validation errors are RequestValidationError', () => {
  const meta = new FakeService().metadata();
  const limits = { defaultSloMs: 80, maxSloMs: 500 };
  const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 16, 16, 3], data: new Array(768).fill(0) }] };
  const req = decodeInferRequest(body, meta, limits);
  assert.is(req.sloMs, 80);
  assert.is(req.id, undefined);
  assert.equal(req.outputs, ['logits', 'top5']);
  assert.is(decodeInferRequest(body, meta, { defaultSloMs: 2000, maxSloMs: 1000 }).sloMs, 2000, 'the server default is not capped');
  assert.throws(() => decodeInferRequest({ ...body, parameters: { slo_ms: 600 } }, meta, limits), (e: unknown) => e instanceof RequestValidationError);
  assert.throws(() => decodeInferRequest({ ...body, parameters: { slo_ms: 600 } }, meta, { ...limits, maxSloMs: 1000, maxBatch: 0 }), /batch size 1 out of range 1\.\.0/);
});

test('encodeInferResponse refuses logits that do not match n x classes', () => {
  const images = [0, 1].map(() => ({ subnetId: 0, accuracy: 0.7, batchSize: 2, queueMs: 0, computeMs: 0, finishedAt: 0 }));
  const outcome = { logits: new Float32Array(5), numClasses: 3, images, subnetId: 0, accuracy: 0.7, batchSize: 2, queueMs: 0, computeMs: 0, latencyMs: 0, deadlineMet: true };
  assert.throws(() => encodeInferResponse(outcome, { modelName: 'm', n: 2, outputs: ['logits'] }), /5 logits for 2 images x 3 classes/);
  const ok = encodeInferResponse({ ...outcome, logits: new Float32Array([1, 2, 3, 3, 2, 1]) }, { modelName: 'm', n: 2, outputs: ['top5'] });
  assert.equal(ok.outputs, [{ name: 'top5', datatype: 'INT64', shape: [2, 3], data: [2, 1, 0, 0, 1, 2] }]);
  assert.not.ok('id' in ok);
  assert.not.ok('model_version' in ok);
});

test('per-image outputs: each image\'s sub-network, accuracy and timing; subnet_id in parameters only when all agree', () => {
  const images = [
    { subnetId: 2, accuracy: 76, batchSize: 8, queueMs: 12.5, computeMs: 40, finishedAt: 100 },
    { subnetId: 0, accuracy: 72, batchSize: 3, queueMs: 30, computeMs: 15, finishedAt: 120 },
  ];
  const outcome = { logits: new Float32Array(6), numClasses: 3, images, subnetId: undefined, accuracy: 74, batchSize: 8, queueMs: 30, computeMs: 40, latencyMs: 120, deadlineMet: true };
  const r = encodeInferResponse(outcome, { modelName: 'm', n: 2, outputs: ['subnet_id', 'accuracy', 'batch_size', 'queue_ms', 'compute_ms'] });
  assert.equal(r.outputs.map((o) => [o.name, o.datatype, o.shape, o.data]), [
    ['subnet_id', 'INT64', [2], [2, 0]], ['accuracy', 'FP32', [2], [76, 72]], ['batch_size', 'INT64', [2], [8, 3]],
    ['queue_ms', 'FP32', [2], [12.5, 30]], ['compute_ms', 'FP32', [2], [40, 15]],
  ]);
  assert.not.ok('subnet_id' in r.parameters, 'mixed sub-networks: no single id');
  assert.is(r.parameters.accuracy, 74);
  const same = encodeInferResponse({ ...outcome, subnetId: 2 }, { modelName: 'm', n: 2, outputs: ['logits'] });
  assert.is(same.parameters.subnet_id, 2);
});

test.run();
