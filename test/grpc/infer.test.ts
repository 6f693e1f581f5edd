/**
 * ModelInfer over gRPC: raw and typed contents, the same bytes as HTTP's binary reply, classification,
 * SLO from parameters and the call deadline, service errors mapped to gRPC codes, the message limit,
 * and cancellation removing a queued request from the real scheduler.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { credentials, status } from '@grpc/grpc-js';
import pngjs from 'pngjs';
import { inferenceClient } from '../../src/grpc/proto.ts';
import { startGrpcServer } from '../../src/grpc/server.ts';
import { createPolicy, Scheduler, systemClock, type LatencyProfile } from '../../src/scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../../src/serving/dispatcher.ts';
import { LocalInferenceService } from '../../src/serving/service.ts';
import { ServiceError, type ModelMetadata } from '../../src/serving/types.ts';
import { FakeService } from '../http/fake-service.ts';
import { INFER, nhwc } from '../http/helpers.ts';
import { ManualWorker } from '../helpers/manual-worker.ts';
import { call, grpcHarness, grpcRequest, type Spec } from './helpers.ts';

const H = 16;
/** NCHW values: channel c of image b at (y, x). */
const NCHW = Array.from({ length: 2 * 3 * H * H }, (_, i) => Math.fround(Math.sin(i) * 3 + (i % 7) / 10));
const SPEC: Spec = { parameters: { slo_ms: 50 }, inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3, H, H], fp32: NCHW }] };

function png(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const img = new pngjs.PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) img.data.set([...rgb, 255], i * 4);
  return new Uint8Array(pngjs.PNG.sync.write(img));
}

test('raw_input_contents infer gives raw_output_contents equal, bit for bit, to the HTTP binary reply', async () => {
  const h = await grpcHarness();
  try {
    const { err, res } = await call(h.client, 'ModelInfer', { ...grpcRequest(SPEC, true), id: 'g1' });
    assert.is(err, undefined, err?.details);
    assert.is(res.model_name, 'ofa-fake');
    assert.is(res.model_version, '1');
    assert.is(res.id, 'g1');
    assert.equal(res.outputs.map((o: { name: string; datatype: string; shape: number[] }) => [o.name, o.datatype, o.shape]), [
      ['logits', 'FP32', [2, 6]], ['top5', 'INT64', [2, 5]], ['subnet_id', 'INT64', [2]], ['accuracy', 'FP32', [2]],
      ['batch_size', 'INT64', [2]], ['queue_ms', 'FP32', [2]], ['compute_ms', 'FP32', [2]],
    ], 'no outputs named: every output the metadata lists');
    assert.equal(res.parameters.subnet_id, { int64_param: 1, parameter_choice: 'int64_param' });
    assert.equal(res.parameters.accuracy, { double_param: 0.79, parameter_choice: 'double_param' });
    assert.equal(res.parameters.deadline_met, { bool_param: true, parameter_choice: 'bool_param' });

    const header = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3, H, H], parameters: { binary_data_size: NCHW.length * 4 } }], parameters: { slo_ms: 50, binary_data_output: true } });
    const body = Buffer.concat([Buffer.from(header), Buffer.from(new Float32Array(NCHW).buffer)]);
    const http = await h.app.request(INFER, { method: 'POST', headers: { 'inference-header-content-length': String(Buffer.byteLength(header)) }, body });
    assert.is(http.status, 200);
    const bytes = new Uint8Array(await http.arrayBuffer());
    const binary = bytes.subarray(Number(http.headers.get('inference-header-content-length')));
    const grpcRaw = Buffer.concat(res.raw_output_contents);
    assert.is(grpcRaw.byteLength, 2 * 6 * 4 + 2 * 5 * 8 + 2 * 2 * 8 + 3 * 2 * 4);
    assert.ok(Buffer.from(binary).equals(grpcRaw), 'identical bytes');
    const [viaGrpc, viaHttp] = h.service.calls;
    assert.equal(Array.from(viaGrpc!.batch.data), Array.from(viaHttp!.batch.data), 'same NHWC batch reached the service');
    assert.equal([viaGrpc!.batch.n, viaGrpc!.batch.height, viaGrpc!.batch.width], [2, H, H]);
  } finally { await h.close(); }
});

test('typed contents in (fp32_contents, bytes_contents) give typed contents out, equal to the raw reply', async () => {
  const h = await grpcHarness();
  try {
    const typed = await call(h.client, 'ModelInfer', grpcRequest(SPEC, false));
    const raw = await call(h.client, 'ModelInfer', grpcRequest(SPEC, true));
    assert.is(typed.res.raw_output_contents.length, 0);
    const logits = typed.res.outputs[0].contents.fp32_contents as number[];
    assert.equal(logits, Array.from(new Float32Array(new Uint8Array(raw.res.raw_output_contents[0]).buffer)));
    assert.equal(typed.res.outputs[1].contents.int64_contents, Array.from(new BigInt64Array(new Uint8Array(raw.res.raw_output_contents[1]).buffer), Number));

    const images: Spec = { inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], images: [png(40, 30, [10, 200, 30]), png(20, 20, [250, 5, 120])] }] };
    for (const asRaw of [false, true]) {
      const r = await call(h.client, 'ModelInfer', grpcRequest(images, asRaw));
      assert.is(r.err, undefined, r.err?.details);
    }
    const [a, b] = h.service.calls.slice(-2);
    assert.equal([a!.batch.n, a!.batch.height], [2, 48], 'decoded and preprocessed to the model image size');
    assert.equal(Array.from(a!.batch.data), Array.from(b!.batch.data));
  } finally { await h.close(); }
});

test('classification over gRPC: BYTES output of "score:index" strings (raw: length-prefixed)', async () => {
  const h = await grpcHarness({ labels: ['r', 'g', 'b', 'nr', 'ng', 'nb'] });
  try {
    const spec: Spec = { inputs: [{ name: 'input_nhwc', datatype: 'FP32', shape: [1, H, H, 3], fp32: nhwc(1, H, H, (_b, _y, _x, c) => c + 1) }], outputs: [{ name: 'logits', parameters: { classification: 2 } }] };
    const typed = await call(h.client, 'ModelInfer', grpcRequest(spec, false));
    assert.equal(typed.res.outputs[0].datatype, 'BYTES');
    assert.equal(typed.res.outputs[0].shape, [1, 2]);
    assert.equal(typed.res.outputs[0].contents.bytes_contents.map((b: Uint8Array) => Buffer.from(b).toString()), ['3.000000:2:b', '2.000000:1:g']);
    const raw = await call(h.client, 'ModelInfer', grpcRequest(spec, true));
    const bytes = raw.res.raw_output_contents[0] as Buffer;
    assert.is(bytes.readUInt32LE(0), 12);
    assert.is(bytes.subarray(4, 16).toString(), '3.000000:2:b');
  } finally { await h.close(); }
});

test('SLO: slo_ms / timeout as over HTTP; the call deadline alone or tightening a larger slo_ms', async () => {
  // Deadlines in tens of seconds: the round trip they lose on the way in is milliseconds, far inside the bounds.
  const h = await grpcHarness({ limits: { defaultSloMs: 100, maxSloMs: 100_000 } });
  try {
    const base = grpcRequest({ inputs: SPEC.inputs }, true);
    await call(h.client, 'ModelInfer', base);
    await call(h.client, 'ModelInfer', { ...base, parameters: { timeout: { int64_param: 20_000 } } });
    await call(h.client, 'ModelInfer', base, { deadline: new Date(Date.now() + 60_000) });
    await call(h.client, 'ModelInfer', { ...base, parameters: { slo_ms: { double_param: 90_000.5 } } }, { deadline: new Date(Date.now() + 40_000) });
    await call(h.client, 'ModelInfer', { ...base, parameters: { slo_ms: { int64_param: 30 } } }, { deadline: new Date(Date.now() + 50_000) });
    await call(h.client, 'ModelInfer', base, { deadline: new Date(Date.now() + 600_000) });
    const slos = h.service.calls.map((c) => c.ticket.sloMs);
    assert.is(slos[0], 100, 'server default');
    assert.is(slos[1], 20);
    assert.ok(slos[2]! > 30_000 && slos[2]! <= 60_000, `deadline 60 s -> ${slos[2]}`);
    assert.ok(slos[3]! > 20_000 && slos[3]! <= 40_000, `deadline tighter than slo_ms -> ${slos[3]}`);
    assert.is(slos[4], 30, 'slo_ms tighter than the deadline');
    assert.is(slos[5], 100_000, 'a long deadline is capped at the maximum SLO');
  } finally { await h.close(); }
});

test('priority: the request parameter as Triton clients send it (uint64/int64), same levels as HTTP', async () => {
  const h = await grpcHarness();
  try {
    const base = grpcRequest({ inputs: SPEC.inputs }, true);
    await call(h.client, 'ModelInfer', { ...base, parameters: { priority: { uint64_param: 1 } } });
    await call(h.client, 'ModelInfer', { ...base, parameters: { priority: { int64_param: 0 } } });
    await call(h.client, 'ModelInfer', { ...base, parameters: { priority: { uint64_param: 5 } } });
    await call(h.client, 'ModelInfer', base);
    assert.equal(h.service.calls.map((c) => c.ticket.priority), [1, 2, 2, 2]);
  } finally { await h.close(); }
});

const SERVICE_FAILURES: Array<[ServiceError, number, string | undefined]> = [
  [new ServiceError('queue_full', 'queue is full (9 waiting)', 3), status.UNAVAILABLE, '3'],
  [new ServiceError('not_ready', 'not ready', 2), status.UNAVAILABLE, '2'],
  [new ServiceError('deadline', 'cannot meet 5 ms'), status.DEADLINE_EXCEEDED, undefined],
  [new ServiceError('worker_failed', 'worker 2 died'), status.INTERNAL, undefined],
];

test('service errors map through the shared table to gRPC codes (retry-after metadata where HTTP sends Retry-After)', async () => {
  const h = await grpcHarness();
  try {
    for (const [err, code, retry] of SERVICE_FAILURES) {
      h.service.failWith = err;
      const r = await new Promise<{ code: number; details: string; retry: unknown }>((resolve) => {
        h.client.ModelInfer!(grpcRequest(SPEC, true), (e: { code: number; details: string; metadata: { get(k: string): unknown[] } }) =>
          resolve({ code: e.code, details: e.details, retry: e.metadata.get('retry-after')[0] }));
      });
      assert.equal([r.code, r.details, r.retry], [code, err.message, retry], err.kind);
    }
    h.service.failWith = new TypeError('secret');
    const r = await call(h.client, 'ModelInfer', grpcRequest(SPEC, true));
    assert.equal([r.err?.code, r.err?.details], [status.INTERNAL, 'internal server error']);
    h.service.failWith = null;
    h.service.ready = false;
    const nr = await call(h.client, 'ModelInfer', grpcRequest(SPEC, true));
    assert.is(nr.err?.code, status.UNAVAILABLE);
    assert.is(h.service.calls.length, SERVICE_FAILURES.length + 1, 'not-ready requests never reach the service');
    const unknown = await call(h.client, 'ModelInfer', grpcRequest(SPEC, true, 'resnet'));
    assert.equal([unknown.err?.code, unknown.err?.details], [status.NOT_FOUND, "unknown model 'resnet' (serving 'ofa-fake')"]);
  } finally { await h.close(); }
});

test('a request message over the limit is RESOURCE_EXHAUSTED (as HTTP 413); the server keeps serving', async () => {
  const h = await grpcHarness({ maxMessageBytes: 4096 });
  try {
    const r = await call(h.client, 'ModelInfer', grpcRequest(SPEC, true));
    assert.is(r.err?.code, status.RESOURCE_EXHAUSTED);
    assert.is(h.service.calls.length, 0);
    const small: Spec = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], fp32: new Array(768).fill(0.5) }] };
    assert.is((await call(h.client, 'ModelInfer', grpcRequest(small, true))).err, undefined);
  } finally { await h.close(); }
});

test('gRPC message compression (grpc-encoding gzip) works, and the limit applies to the decompressed size (bomb -> RESOURCE_EXHAUSTED)', async () => {
  const h = await grpcHarness({ maxMessageBytes: 100_000 });
  const zipped = new (inferenceClient())(`127.0.0.1:${h.port}`, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 }) as unknown as Record<string, Function> & { close(): void };
  try {
    const small: Spec = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], fp32: new Array(768).fill(0.5) }] };
    assert.is((await call(zipped as never, 'ModelInfer', grpcRequest(small, true))).err, undefined);
    const zeros: Spec = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 512, 512], fp32: new Array(3 * 512 * 512).fill(0) }] };
    const bomb = await call(zipped as never, 'ModelInfer', grpcRequest(zeros, true)); // 3 MiB of zeros, a few KiB compressed
    assert.is(bomb.err?.code, status.RESOURCE_EXHAUSTED);
    assert.match(bomb.err?.details ?? '', /decompresses to a size larger than 100000/);
    assert.is(h.service.calls.length, 1);
  } finally { zipped.close(); await h.close(); }
});

const PROFILE: LatencyProfile = { batchSizes: [1, 2], subnets: [{ id: 0, accuracy: 70, latencyMs: { 1: 10, 2: 12 } }] };

test('cancelling a gRPC call removes its queued request from the scheduler; the other request is still answered', async () => {
  const scheduler = new Scheduler<ItemPayload>({ clock: systemClock, policy: createPolicy('fixed:0', PROFILE), profile: PROFILE });
  const dispatcher = new Dispatcher(scheduler, systemClock);
  const worker = new ManualWorker('w');
  dispatcher.addWorker(worker);
  const meta = { ...new FakeService().metadata(), subnets: [{ id: 0, accuracy: 70, config: {}, imageSize: 16 }], imageSize: 16 } as ModelMetadata;
  const service = new LocalInferenceService('ofa-fake', systemClock, () => meta);
  service.attach({ dispatcher, accuracyOf: () => 70, hasSubnet: (id) => id === 0 });
  const server = await startGrpcServer({ service, limits: { defaultSloMs: 5000, maxSloMs: 10_000 }, port: 0, host: '127.0.0.1' });
  const client = new (inferenceClient())(`127.0.0.1:${server.port}`, credentials.createInsecure()) as unknown as Record<string, Function> & { close(): void };
  const one: Spec = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], fp32: new Array(768).fill(1) }] };
  const waitFor = async (cond: () => boolean) => { for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10)); assert.ok(cond()); };
  try {
    const first = call(client as never, 'ModelInfer', grpcRequest(one, true));
    await waitFor(() => worker.jobs.length === 1); // running: the worker is busy
    let cancelled: { code: number } | undefined;
    const second = client.ModelInfer!(grpcRequest(one, true), (err: { code: number }) => { cancelled = err; });
    await waitFor(() => scheduler.size === 1);
    assert.is(service.openRequests, 2);
    second.cancel();
    await waitFor(() => scheduler.size === 0 && service.openRequests === 1);
    await waitFor(() => cancelled !== undefined);
    assert.is(cancelled!.code, status.CANCELLED);
    worker.finish();
    const r = await first;
    assert.is(r.err, undefined);
    assert.is(new Float32Array(new Uint8Array(r.res.raw_output_contents[0]).buffer)[0], 768, 'ManualWorker: the sum of the pixels');
    assert.is(worker.jobs.length, 0, 'the cancelled request never reached the worker');
  } finally {
    client.close();
    await server.close();
  }
});

test.run();
