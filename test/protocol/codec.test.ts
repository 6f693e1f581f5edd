/**
 * The pure protocol pieces: top-k order, NCHW -> NHWC, nested/flat flattening, validator defaults,
 * V2 response encoding and Triton classification strings.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseInferRequest, encodeInferResponse } from '../../src/protocol/v2-codec.ts';
import { classificationStrings, topK } from '../../src/protocol/response.ts';
import { flattenFp32, nchwToNhwc } from '../../src/protocol/tensors.ts';
import { RequestValidationError } from '../../src/protocol/errors.ts';
import { imagenetLabels } from '../../src/protocol/labels.ts';
import { FakeService } from '../http/fake-service.ts';

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

test('parseInferRequest: defaults and validation errors are RequestValidationError', () => {
  const meta = new FakeService().metadata();
  const limits = { defaultSloMs: 80, maxSloMs: 500 };
  const body = { inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [1, 16, 16, 3], data: new Array(768).fill(0) }] };
  const req = parseInferRequest(body, meta, limits);
  assert.is(req.timing.sloMs, 80);
  assert.is(req.id, undefined);
  assert.equal(req.outputs.map((o) => o.name), ['logits', 'top5', 'subnet_id', 'accuracy', 'batch_size', 'queue_ms', 'compute_ms'], 'no outputs named: all of them');
  assert.is(req.timing.sloGiven, false);
  assert.is(parseInferRequest(body, meta, { defaultSloMs: 2000, maxSloMs: 1000 }).timing.sloMs, 2000, 'the server default is not capped');
  assert.throws(() => parseInferRequest({ ...body, parameters: { slo_ms: 600 } }, meta, limits), (e: unknown) => e instanceof RequestValidationError);
  assert.throws(() => parseInferRequest({ ...body, parameters: { slo_ms: 600 } }, meta, { ...limits, maxSloMs: 1000, maxBatch: 0 }), /batch size 1 out of range 1\.\.0/);
});

test('encodeInferResponse refuses logits that do not match n x classes', () => {
  const images = [0, 1].map(() => ({ subnetId: 0, accuracy: 0.7, batchSize: 2, queueMs: 0, computeMs: 0, finishedAt: 0 }));
  const outcome = { logits: new Float32Array(5), numClasses: 3, images, subnetId: 0, accuracy: 0.7, batchSize: 2, queueMs: 0, computeMs: 0, prepMs: 0, latencyMs: 0, deadlineMet: true };
  assert.throws(() => encodeInferResponse(outcome, { modelName: 'm', n: 2, outputs: [{ name: 'logits' }] }), /5 logits for 2 images x 3 classes/);
  const ok = encodeInferResponse({ ...outcome, logits: new Float32Array([1, 2, 3, 3, 2, 1]) }, { modelName: 'm', n: 2, outputs: [{ name: 'top5' }] });
  assert.equal(ok.outputs, [{ name: 'top5', datatype: 'INT64', shape: [2, 3], data: [2, 1, 0, 0, 1, 2] }]);
  assert.not.ok('id' in ok);
  assert.not.ok('model_version' in ok);
});

test('per-image outputs: each image\'s sub-network, accuracy and timing; subnet_id in parameters only when all agree', () => {
  const images = [
    { subnetId: 2, accuracy: 76, batchSize: 8, queueMs: 12.5, computeMs: 40, finishedAt: 100 },
    { subnetId: 0, accuracy: 72, batchSize: 3, queueMs: 30, computeMs: 15, finishedAt: 120 },
  ];
  const outcome = { logits: new Float32Array(6), numClasses: 3, images, subnetId: undefined, accuracy: 74, batchSize: 8, queueMs: 30, computeMs: 40, prepMs: 0, latencyMs: 120, deadlineMet: true };
  const names = ['subnet_id', 'accuracy', 'batch_size', 'queue_ms', 'compute_ms'] as const;
  const r = encodeInferResponse(outcome, { modelName: 'm', n: 2, outputs: names.map((name) => ({ name })) });
  assert.equal(r.outputs.map((o) => [o.name, o.datatype, o.shape, o.data]), [
    ['subnet_id', 'INT64', [2], [2, 0]], ['accuracy', 'FP32', [2], [76, 72]], ['batch_size', 'INT64', [2], [8, 3]],
    ['queue_ms', 'FP32', [2], [12.5, 30]], ['compute_ms', 'FP32', [2], [40, 15]],
  ]);
  assert.not.ok('subnet_id' in r.parameters, 'mixed sub-networks: no single id');
  assert.is(r.parameters.accuracy, 74);
  const same = encodeInferResponse({ ...outcome, subnetId: 2 }, { modelName: 'm', n: 2, outputs: [{ name: 'logits' }] });
  assert.is(same.parameters.subnet_id, 2);
});

test('classification: "score:index:label", best first, the score with 6 decimals as Triton prints it', () => {
  const logits = new Float32Array([0.5, -1.25, 3, 0.5, /* row 2 */ 7, 8, 9, 10]);
  assert.equal(classificationStrings(logits, 2, 4, 3, ['a', 'b', 'c:d', 'e']),
    ['3.000000:2:c:d', '0.500000:0:a', '0.500000:3:e', '10.000000:3:e', '9.000000:2:c:d', '8.000000:1:b']);
  assert.equal(classificationStrings(logits, 2, 4, 1), ['3.000000:2', '10.000000:3'], 'no labels: "score:index"');
  const labels = imagenetLabels();
  assert.is(labels.length, 1000);
  assert.is(labels[0], 'tench, Tinca tinca');
  assert.is(labels[999], 'toilet tissue, toilet paper, bathroom tissue');
  const big = new Float32Array(1000);
  big[1] = 2.5;
  const image = { subnetId: 0, accuracy: 0.7, batchSize: 1, queueMs: 0, computeMs: 0, finishedAt: 0 };
  const reply = encodeInferResponse({ logits: big, numClasses: 1000, images: [image], subnetId: 0, accuracy: 0.7, batchSize: 1, queueMs: 0, computeMs: 0, prepMs: 0, latencyMs: 0, deadlineMet: true },
    { modelName: 'm', n: 1, outputs: [{ name: 'logits', classCount: 2 }], labels });
  assert.equal(reply.outputs, [{ name: 'logits', datatype: 'BYTES', shape: [1, 2], data: ['2.500000:1:goldfish, Carassius auratus', '0.000000:0:tench, Tinca tinca'] }]);
});

test.run();
