/**
 * OpenTelemetry traces end to end in one process: a real serving core (scheduler, dispatcher, a worker
 * transport) behind the HTTP app and the gRPC server, exporting OTLP/HTTP to an in-test receiver. One HTTP
 * and one gRPC request, each with a caller's `traceparent`, arrive as span trees continuing the caller's
 * trace: infer > receive, admit, prepare, queue, batch (sub-network, batch size, worker), respond, with
 * slo_ms and deadline_met; a refused request carries its reason. Across NATS, the batch span's context
 * travels in the message headers and the worker's span is its child. Off, nothing is exported.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { credentials, Metadata } from '@grpc/grpc-js';
import { connect } from 'nats';
import { inferenceClient } from '../../src/grpc/proto.ts';
import { startGrpcServer } from '../../src/grpc/server.ts';
import { createApp } from '../../src/http/app.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createPolicy, Scheduler, systemClock, type LatencyProfile } from '../../src/scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../../src/serving/dispatcher.ts';
import { LocalInferenceService } from '../../src/serving/service.ts';
import type { ModelMetadata } from '../../src/serving/types.ts';
import { beginRequestTrace } from '../../src/tracing/request-trace.ts';
import { startTracing, tracesUrl, tracingOn } from '../../src/tracing/tracer.ts';
import { decodeJob, encodeReply } from '../../src/worker/codec.ts';
import { subjects, type Announcement } from '../../src/worker/nats-protocol.ts';
import { workerBatchSpan } from '../../src/worker/nats-trace.ts';
import { NatsWorker } from '../../src/worker/nats-transport.ts';
import type { BatchJob, BatchReply, WorkerInfo } from '../../src/worker/protocol.ts';
import type { WorkerTransport } from '../../src/worker/transport.ts';
import { FakeService } from '../http/fake-service.ts';
import { natsOrSkip } from '../worker/nats-server.ts';
import { testIf } from '../fixtures.ts';
import { startOtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts';

/** Answers every batch at once: logits[i] = [sum of image i's pixels, subnet id]. */
class InstantWorker implements WorkerTransport {
  readonly info = { numClasses: 2 } as WorkerInfo;
  constructor(readonly name: string) {}
  async runBatch(job: BatchJob): Promise<BatchReply> {
    const logits = new Float32Array(job.items.flatMap((it) => [it.data.reduce((a, b) => a + b, 0), job.subnetId]));
    return { jobId: job.jobId, logits, numClasses: 2, computeMs: 1 };
  }
  onDeath(): void {}
  async close(): Promise<void> {}
}

const PROFILE: LatencyProfile = { batchSizes: [1, 2], subnets: [{ id: 0, accuracy: 70, latencyMs: { 1: 10, 2: 12 } }] };
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const STAGES = ['receive', 'admit', 'prepare', 'queue', 'batch', 'respond'];

function core() {
  const scheduler = new Scheduler<ItemPayload>({ clock: systemClock, policy: createPolicy('fixed:0', PROFILE), profile: PROFILE });
  const dispatcher = new Dispatcher(scheduler, systemClock);
  dispatcher.addWorker(new InstantWorker('w0'));
  const meta = { ...new FakeService().metadata(), subnets: [{ id: 0, accuracy: 70, config: {}, imageSize: 16 }], imageSize: 16 } as ModelMetadata;
  const service = new LocalInferenceService('ofa-fake', systemClock, () => meta);
  service.attach({ dispatcher, accuracyOf: () => 70, hasSubnet: (id) => id === 0 });
  return service;
}

const body = (sloMs: number) => JSON.stringify({ parameters: { slo_ms: sloMs }, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], data: new Array(768).fill(0.5) }] });

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The request root continuing the caller's span, and its children by name. */
function tree(spans: ReceivedSpan[], transport: string) {
  const root = spans.find((s) => s.name === 'infer' && s.attributes.transport === transport);
  assert.ok(root, `no ${transport} root span among ${spans.map((s) => s.name).join(', ')}`);
  const children = spans.filter((s) => s.parentSpanId === root!.spanId);
  return { root: root!, child: (name: string) => children.find((s) => s.name === name), names: children.map((s) => s.name) };
}

test('off by default: no tracer, no trace object, nothing exported', async () => {
  const receiver = await startOtlpReceiver();
  try {
    assert.not.ok(tracingOn());
    assert.is(beginRequestTrace('infer', TRACEPARENT, undefined, {}), undefined);
    const app = createApp({ service: core(), metrics: createMetrics({ model: 'ofa-fake' }), defaultSloMs: 1000 });
    const res = await app.request('/v2/models/ofa-fake/infer', { method: 'POST', headers: { traceparent: TRACEPARENT }, body: body(1000) });
    assert.is(res.status, 200);
    await new Promise((r) => setTimeout(r, 100));
    assert.is(receiver.spans.length, 0);
  } finally {
    await receiver.close();
  }
});

test('the OTLP endpoint: a base URL gets /v1/traces, a full traces URL is kept', () => {
  assert.is(tracesUrl('http://collector:4318'), 'http://collector:4318/v1/traces');
  assert.is(tracesUrl('http://collector:4318/'), 'http://collector:4318/v1/traces');
  assert.is(tracesUrl('https://c/otlp/v1/traces'), 'https://c/otlp/v1/traces');
  assert.throws(() => tracesUrl('grpc://collector:4317'), /must be http/);
});

test('HTTP and gRPC requests arrive as span trees continuing the caller trace; a refusal carries its reason', async () => {
  const receiver = await startOtlpReceiver();
  const tracing = await startTracing({ endpoint: receiver.endpoint, serviceName: 'superserve-test', immediate: true });
  const service = core();
  const grpc = await startGrpcServer({ service, limits: { defaultSloMs: 1000, maxSloMs: 10_000 }, port: 0, host: '127.0.0.1' });
  const client = new (inferenceClient())(`127.0.0.1:${grpc.port}`, credentials.createInsecure()) as unknown as Record<string, Function> & { close(): void };
  try {
    const app = createApp({ service, metrics: createMetrics({ model: 'ofa-fake' }), defaultSloMs: 1000 });
    const res = await app.request('/v2/models/ofa-fake/infer', { method: 'POST', headers: { traceparent: TRACEPARENT }, body: body(1000) });
    assert.is(res.status, 200);

    const md = new Metadata();
    md.set('traceparent', TRACEPARENT);
    const g = await new Promise<{ err: unknown }>((resolve) => client.ModelInfer!({
      model_name: 'ofa-fake', parameters: { slo_ms: { int64_param: 1000 } },
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], contents: { fp32_contents: new Array(768).fill(0.25) } }],
    }, md, (err: unknown) => resolve({ err })));
    assert.is(g.err, null);

    const refused = await app.request('/v2/models/ofa-fake/infer', { method: 'POST', body: body(1) }); // 1 ms < the 10 ms profile
    assert.ok(refused.status >= 400, `refused: ${refused.status}`);

    await tracing.flush();
    await until('both trees', () => STAGES.every((n) => receiver.spans.filter((s) => s.name === n).length >= 2));
    assert.ok(receiver.contentTypes.every((t) => t.startsWith('application/json')));

    for (const transport of ['http', 'grpc']) {
      const { root, child, names } = tree(receiver.spans, transport);
      assert.is(root.traceId, CALLER_TRACE, `${transport}: the caller's trace continues`);
      assert.is(root.parentSpanId, CALLER_SPAN, `${transport}: the caller's span is the parent`);
      assert.is(root.service, 'superserve-test');
      for (const stage of STAGES) assert.ok(child(stage), `${transport}: no ${stage} span (children: ${names.join(', ')})`);
      assert.is(root.attributes.slo_ms, 1000);
      assert.is(root.attributes.deadline_met, true);
      assert.is(root.attributes['subnet.id'], 0);
      const batch = child('batch')!;
      assert.equal([batch.attributes['subnet.id'], batch.attributes['batch.size'], batch.attributes.worker], [0, 1, 'w0']);
      for (const s of receiver.spans.filter((x) => x.parentSpanId === root.spanId)) assert.is(s.traceId, CALLER_TRACE);
    }

    await until('the refused request', () => receiver.spans.some((s) => s.name === 'infer' && s.attributes['refusal.reason'] !== undefined));
    const refusedRoot = receiver.spans.find((s) => s.name === 'infer' && s.attributes['refusal.reason'] !== undefined)!;
    assert.is(refusedRoot.attributes.slo_ms, 1);
    assert.is(refusedRoot.attributes.deadline_met, false);
    assert.is(refusedRoot.status, 2, 'ERROR status');
    assert.is.not(refusedRoot.traceId, CALLER_TRACE, 'no traceparent: a new trace');

  } finally {
    client.close();
    await grpc.close();
    await tracing.shutdown();
    await receiver.close();
  }
});

const nats = await natsOrSkip();

testIf(nats !== null)('across NATS the batch span context rides in the message headers: the worker span is its child, linked to the batch\'s other requests', async () => {
  const receiver = await startOtlpReceiver();
  const tracing = await startTracing({ endpoint: receiver.endpoint, serviceName: 'superserve-test', immediate: true });
  try {
    // Across NATS: the router's batch span context rides in the batch message's headers; the worker's span is its child.
    const nc = await connect({ servers: nats!.url });
    try {
      const s = subjects('trace');
      nc.subscribe(s.batch('remote'), {
        callback: (_e, msg) => {
          const span = workerBatchSpan(msg, 'remote');
          const j = decodeJob(msg.data);
          span?.end();
          msg.respond(encodeReply({ jobId: j.jobId, logits: new Float32Array(j.items.length * 2), numClasses: 2, computeMs: 1 }));
        },
      });
      await nc.flush();
      const announcement: Announcement = { id: 'remote', name: 'remote', profileHash: null, subnets: [0], host: 'h', pid: 1,
        info: { arch: 'ofa-mbv3-w1.0', backend: 'wasm', untrained: true, checkpoint: '/ck', checkpointHash: 'abc', numClasses: 2 } };
      const w = new NatsWorker(nc, announcement, { replyTimeoutMs: () => 5000, livenessMs: 60_000, subjectPrefix: 'trace' });
      const a = beginRequestTrace('infer', TRACEPARENT, undefined, { transport: 'test-a' })!;
      const b = beginRequestTrace('infer', undefined, undefined, { transport: 'test-b' })!;
      const batch = { jobId: 77, subnetId: 0, size: 2, worker: 'remote' };
      const job: BatchJob = { jobId: 77, subnetId: 0, items: [0, 1].map(() => ({ data: new Float32Array(12), height: 2, width: 2 })),
        trace: { traceparent: a.batchStarted(batch), links: [b.batchStarted(batch)] } };
      await w.runBatch(job);
      a.batchFinished(77, undefined); b.batchFinished(77, undefined); a.end(); b.end();
      await tracing.flush();
      await until('the worker span', () => receiver.spans.some((x) => x.name === 'worker.batch'));
      const ws = receiver.spans.find((x) => x.name === 'worker.batch')!;
      const aBatch = receiver.spans.find((x) => x.name === 'batch' && x.attributes['batch.job_id'] === 77 && x.traceId === CALLER_TRACE)!;
      const bBatch = receiver.spans.find((x) => x.name === 'batch' && x.attributes['batch.job_id'] === 77 && x.traceId !== CALLER_TRACE)!;
      assert.is(ws.traceId, CALLER_TRACE);
      assert.is(ws.parentSpanId, aBatch.spanId, 'the worker span is a child of the batch span');
      assert.equal(ws.links, [{ traceId: bBatch.traceId, spanId: bBatch.spanId }], 'linked to the other request in the batch');
    } finally {
      await nc.close();
    }
  } finally {
    await tracing.shutdown();
    await receiver.close();
    await nats!.stop();
  }
});

test.run();
