/**
 * A real `superserve worker --otlp-endpoint` process behind a NATS router: a batch sent with its batch span's
 * context (as the dispatcher sends it) comes back answered, and the worker exports a `worker.batch` span
 * (service superserve-worker) that is the child of that batch span, in the caller's trace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testIf } from '../fixtures.ts';
import { beginRequestTrace } from '../../src/tracing/request-trace.ts';
import { startTracing } from '../../src/tracing/tracer.ts';
import { checkpointIdentity } from '../../src/worker/nats-identity.ts';
import { startNatsRouter } from '../../src/worker/nats-router.ts';
import type { BatchJob } from '../../src/worker/protocol.ts';
import type { WorkerTransport } from '../../src/worker/transport.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { mbv3Checkpoints } from '../worker/mbv3-checkpoint.ts';
import { natsOrSkip } from '../worker/nats-server.ts';
import { spawnWorker, waitFor } from '../worker/worker-process.ts';

const nats = await natsOrSkip();

testIf(nats !== null)('the worker process continues the batch span across NATS and exports worker.batch', async () => {
  const receiver = await startOtlpReceiver();
  const tracing = await startTracing({ endpoint: receiver.endpoint, serviceName: 'superserve-test', immediate: true });
  const cks = await mbv3Checkpoints([4]);
  const workers: WorkerTransport[] = [];
  const id = await checkpointIdentity(cks.dirs[0]!);
  const router = await startNatsRouter({ url: nats!.url, expect: { ...id, backend: 'wasm' }, onWorker: (w) => workers.push(w), heartbeatMs: 250, missedHeartbeats: 40 });
  const proc = spawnWorker('traced', nats!.url, cks.dirs[0]!, ['--otlp-endpoint', receiver.endpoint]);
  try {
    await waitFor('the worker to be admitted', () => workers.length === 1 || proc.child.exitCode !== null, 180_000);
    assert.is(workers.length, 1, proc.stderr());
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    const request = beginRequestTrace('infer', `00-${traceId}-10f067aa0ba902b7-01`, undefined, { transport: 'test' })!;
    const facts = { jobId: 1, subnetId: 0, size: 1, worker: workers[0]!.name };
    const job: BatchJob = { jobId: 1, subnetId: 0, items: [{ data: new Float32Array(32 * 32 * 3).fill(0.5), height: 32, width: 32 }],
      trace: { traceparent: request.batchStarted(facts), links: [] } };
    const reply = await workers[0]!.runBatch(job);
    assert.is(reply.error, undefined);
    request.batchFinished(1, undefined);
    request.end();
    proc.child.kill('SIGTERM'); // the worker flushes its spans on the way out
    assert.is(await proc.exited, 0, proc.stderr());
    await tracing.flush();
    await waitFor('the worker span', () => receiver.spans.some((s) => s.name === 'worker.batch'), 20_000);
    const ws = receiver.spans.find((s) => s.name === 'worker.batch')!;
    const batch = receiver.spans.find((s) => s.name === 'batch' && s.traceId === traceId)!;
    assert.is(ws.service, 'superserve-worker');
    assert.is(ws.traceId, traceId);
    assert.is(ws.parentSpanId, batch.spanId);
    assert.equal([ws.attributes['subnet.id'], ws.attributes['batch.size']], [0, 1]);
    assert.ok(typeof ws.attributes.compute_ms === 'number');
  } finally {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await router.close();
    await tracing.shutdown();
    await receiver.close();
    await cks.remove();
    await nats!.stop();
  }
});

test.run();
