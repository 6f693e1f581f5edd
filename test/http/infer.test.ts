/**
 * POST /v2/models/{m}/infer through `app.request()`: FP32 in both layouts, BYTES images, parameters,
 * and the V2 reply checked against what the fake service computes (per-channel means).
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../src/imaging/index.ts';
import { fp32Body, harness, INFER, nhwc, post } from './helpers.ts';

const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol;

test('FP32 NHWC flat: logits are the per-channel means, every output and the parameters filled', async () => {
  const { app, service } = harness();
  // Image 0: constant channels 1, 2, 3. Image 1: R = x, G = -y, B = 0.5.
  const data = nhwc(2, 16, 16, (b, y, x, c) => (b === 0 ? c + 1 : [x, -y, 0.5][c]!));
  const res = await post(app, fp32Body([2, 16, 16, 3], data, { id: 'req-7' }));
  assert.is(res.status, 200);
  const body = await res.json();
  assert.is(body.model_name, 'ofa-fake');
  assert.is(body.model_version, '1');
  assert.is(body.id, 'req-7');
  assert.equal(body.parameters, { subnet_id: 1, accuracy: 0.79, batch_size: 2, prep_ms: 0, queue_ms: 1.5, compute_ms: 2.5, deadline_met: true });
  const [logits, top5] = body.outputs;
  assert.equal([logits.name, logits.datatype, logits.shape], ['logits', 'FP32', [2, 6]]);
  const want = [1, 2, 3, -1, -2, -3, 7.5, -7.5, 0.5, -7.5, 7.5, -0.5];
  want.forEach((v, i) => assert.ok(close(logits.data[i], v), `logit ${i}: ${logits.data[i]} != ${v}`));
  assert.equal([top5.name, top5.datatype, top5.shape], ['top5', 'INT64', [2, 5]]);
  assert.equal(top5.data, [2, 1, 0, 3, 4, 0, 4, 2, 5, 1]);
  assert.equal(body.outputs.slice(2), [
    { name: 'subnet_id', datatype: 'INT64', shape: [2], data: [1, 1] },
    { name: 'accuracy', datatype: 'FP32', shape: [2], data: [Math.fround(0.79), Math.fround(0.79)] },
    { name: 'batch_size', datatype: 'INT64', shape: [2], data: [2, 2] },
    { name: 'queue_ms', datatype: 'FP32', shape: [2], data: [1.5, 1.5] },
    { name: 'compute_ms', datatype: 'FP32', shape: [2], data: [2.5, 2.5] },
  ], 'no outputs named: every output the metadata lists');
  const call = service.calls[0]!;
  assert.equal([call.batch.n, call.batch.height, call.batch.width], [2, 16, 16]);
  assert.is(call.ticket.sloMs, 100, 'server default SLO');
  assert.is(call.ticket.subnetId, undefined);
  assert.ok(call.signal instanceof AbortSignal);
});

test('FP32 NCHW nested data is converted to NHWC', async () => {
  const { app, service } = harness();
  const [h, w] = [16, 20];
  const value = (c: number, y: number, x: number) => c * 1000 + y * w + x;
  const nested = [[0, 1, 2].map((c) => Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => value(c, y, x))))];
  const res = await post(app, fp32Body([1, 3, h, w], nested));
  assert.is(res.status, 200);
  const { batch } = service.calls[0]!;
  assert.equal([batch.n, batch.height, batch.width], [1, h, w]);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    const got = batch.data[(y * w + x) * 3 + c];
    if (got !== value(c, y, x)) assert.unreachable(`(${y},${x},${c}): ${got} != ${value(c, y, x)}`);
  }
});

test('parameters: slo_ms, Triton timeout (µs), subnet pin; deadline_met reported', async () => {
  const { app, service } = harness();
  const data = nhwc(1, 16, 16, () => 0);
  let res = await post(app, fp32Body([1, 16, 16, 3], data, { parameters: { slo_ms: 42.5, subnet: 0 } }));
  assert.is(res.status, 200);
  const body = await res.json();
  assert.is(service.calls[0]!.ticket.sloMs, 42.5);
  assert.is(service.calls[0]!.ticket.subnetId, 0);
  assert.is(body.parameters.subnet_id, 0);
  assert.is(body.parameters.accuracy, 0.75);
  res = await post(app, fp32Body([1, 16, 16, 3], data, { parameters: { timeout: 20000 } }));
  assert.is(res.status, 200);
  assert.is(service.calls[1]!.ticket.sloMs, 20);
  res = await post(app, fp32Body([1, 16, 16, 3], data, { parameters: { slo_ms: 1 } }));
  assert.is((await res.json()).parameters.deadline_met, false);
});

test('requested outputs only, and the versioned URL', async () => {
  const { app } = harness();
  const res = await post(app, fp32Body([1, 16, 16, 3], nhwc(1, 16, 16, (_b, _y, _x, c) => c), { outputs: [{ name: 'top5' }] }),
    '/v2/models/ofa-fake/versions/1/infer');
  assert.is(res.status, 200);
  const body = await res.json();
  assert.is(body.outputs.length, 1);
  assert.equal(body.outputs[0], { name: 'top5', datatype: 'INT64', shape: [1, 5], data: [2, 1, 0, 3, 4] });
});

function pngBase64(width: number, height: number, rgb: [number, number, number]): string {
  const png = new pngjs.PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set([...rgb, 255], i * 4);
  return pngjs.PNG.sync.write(png).toString('base64');
}

function jpegBase64(width: number, height: number, rgb: [number, number, number]): string {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return Buffer.from(jpeg.encode({ width, height, data }, 95).data).toString('base64');
}

const norm = (v: number, c: number) => (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;

test('BYTES: base64 PNG and {"b64"} JPEG are decoded and preprocessed to the model image size', async () => {
  const { app, service } = harness();
  const body = {
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], data: [pngBase64(64, 40, [10, 200, 30]), { b64: jpegBase64(50, 70, [250, 5, 120]) }] }],
  };
  const res = await post(app, body);
  assert.is(res.status, 200);
  const { batch } = service.calls[0]!;
  assert.equal([batch.n, batch.height, batch.width], [2, 48, 48]);
  const logits = (await res.json()).outputs[0].data as number[];
  [10, 200, 30].forEach((v, c) => assert.ok(close(logits[c]!, norm(v, c), 1e-4), `png ch ${c}`));
  [250, 5, 120].forEach((v, c) => assert.ok(close(logits[6 + c]!, norm(v, c), 2 / 255 / IMAGENET_STD[c]!), `jpeg ch ${c}`));
});

test('BYTES with a pinned subnet uses that subnet\'s image size', async () => {
  const { app, service } = harness();
  const res = await post(app, { parameters: { subnet: 0 }, inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [pngBase64(20, 20, [1, 2, 3])] }] });
  assert.is(res.status, 200);
  assert.equal([service.calls[0]!.batch.height, service.calls[0]!.batch.width], [32, 32]);
});

test('priority: Triton levels (1 = highest, 0 and out of range = the default level) reach the ticket', async () => {
  const { app, service } = harness({ priorityLevels: 3 });
  const data = nhwc(1, 16, 16, () => 0);
  for (const priority of [1, 2, 0, 9, undefined]) {
    const res = await post(app, fp32Body([1, 16, 16, 3], data, priority === undefined ? {} : { parameters: { priority } }));
    assert.is(res.status, 200, `priority ${priority}`);
  }
  assert.equal(service.calls.map((c) => c.ticket.priority), [1, 2, 3, 3, 3]);
});

test('one deadline ticket: deadline = arrival + SLO on the service clock, deadline_met judged when answered', async () => {
  const { app, service } = harness();
  service.time = 500;
  const res = await post(app, fp32Body([1, 16, 16, 3], nhwc(1, 16, 16, () => 0), { parameters: { slo_ms: 3 } }));
  const t = service.calls[0]!.ticket;
  assert.equal([t.arrivalMs, t.sloMs, t.deadlineMs], [500, 3, 503]);
  assert.is((await res.json()).parameters.deadline_met, false, 'answered at 504, after the deadline');
});

test('an infer request carries the arrival time from the service clock', async () => {
  const { app, service } = harness();
  service.time = 12345;
  const res = await post(app, fp32Body([1, 16, 16, 3], nhwc(1, 16, 16, () => 0)));
  assert.is(res.status, 200);
  assert.is(service.calls[0]!.ticket.arrivalMs, 12345);
});

test.run();
