import { connect, type NatsConnection } from 'nats';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeJob, encodeReply } from '../../src/worker/codec.ts';
import { FrameAssembler } from '../../src/worker/nats-chunks.ts';
import { subjects, type Announcement } from '../../src/worker/nats-protocol.ts';
import { NatsWorker } from '../../src/worker/nats-transport.ts';
import type { BatchJob } from '../../src/worker/protocol.ts';
import { suiteIf } from '../fixtures.ts';
import { natsOrSkip } from './nats-server.ts';
import { waitFor } from './worker-process.ts';

const nats = await natsOrSkip();
const s = subjects('t');

const announcement = (id: string): Announcement => ({
  id, name: id, profileHash: null, subnets: [0], host: 'h', pid: 1,
  info: { arch: 'ofa-mbv3-w1.0', backend: 'wasm', untrained: true, checkpoint: '/ck', checkpointHash: 'abc', numClasses: 4 },
});
const job = (jobId: number, n: number, size = 8): BatchJob => ({
  jobId, subnetId: 0, items: Array.from({ length: n }, (_, i) => ({ data: new Float32Array(size * size * 3).fill(i + 1), height: size, width: size })),
});

suiteIf(nats, (test, nats) => {
  let nc: NatsConnection;
  test.before(async () => { nc = await connect({ servers: nats.url }); });
  test.after(async () => { await nc.close(); await nats.stop(); });

  test('a batch larger than max_payload goes out in chunks and its logits come back', async () => {
    const assembler = new FrameAssembler();
    nc.subscribe(s.batch('echo'), {
      callback: (_e, msg) => {
        const frame = assembler.accept(msg);
        if (frame === null) return;
        const j = decodeJob(frame);
        // logits[i] = [sum of item i's pixels, height, width, items]
        const logits = new Float32Array(j.items.flatMap((it) => [it.data.reduce((a, b) => a + b, 0), it.height, it.width, j.items.length]));
        msg.respond(encodeReply({ jobId: j.jobId, logits, numClasses: 4, computeMs: 1 }));
      },
    });
    await nc.flush();
    const w = new NatsWorker(nc, announcement('echo'), { replyTimeoutMs: () => 5000, livenessMs: 1000, subjectPrefix: 't' });
    const r = await w.runBatch(job(9, 3, 300)); // 3 x 300x300x3 floats = 3.2 MB, over the 1 MiB default
    assert.is(r.jobId, 9);
    assert.equal(Array.from(r.logits!), [270000, 300, 300, 3, 540000, 300, 300, 3, 810000, 300, 300, 3]);
    assert.is(w.batchesServed, 1);
    assert.is(w.dead, undefined);
  });

  test('a missed reply deadline kills the worker: onDeath fires before runBatch rejects, and the worker is told', async () => {
    nc.subscribe(s.batch('mute'), { callback: () => {} });
    const told: string[] = [];
    nc.subscribe(s.control('mute'), { callback: (_e, m) => told.push(new TextDecoder().decode(m.data)) });
    await nc.flush();
    const w = new NatsWorker(nc, announcement('mute'), { replyTimeoutMs: () => 60_000, livenessMs: 60_000, subjectPrefix: 't' });
    const events: string[] = [];
    w.onDeath((reason) => events.push(`death: ${reason}`));
    await w.runBatch(job(1, 1), 150).then(() => assert.unreachable(), (e: Error) => events.push(`rejected: ${e.message}`));
    assert.is(events.length, 2);
    assert.match(events[0]!, /^death: missed its batch-reply deadline \(150 ms, job 1\)/);
    assert.match(events[1]!, /^rejected: worker mute: missed its batch-reply deadline/);
    await nc.flush();
    await waitFor('the reannounce request', () => told.length > 0, 10_000);
    assert.match(told[0] ?? '', /"type":"reannounce".*declared dead/);
    await w.runBatch(job(2, 1)).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /is dead/));
  });

  test('nobody on the subject (process gone) fails fast as a death', async () => {
    const w = new NatsWorker(nc, announcement('ghost'), { replyTimeoutMs: () => 60_000, livenessMs: 60_000, subjectPrefix: 't' });
    let died = '';
    w.onDeath((r) => { died = r; });
    const t0 = Date.now();
    await w.runBatch(job(1, 1)).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /nobody listens/));
    assert.match(died, /nobody listens on its batch subject/);
    assert.ok(Date.now() - t0 < 30_000);
  });

  test('heartbeat watchdog: silence beyond livenessMs is death, with batches in flight rejected after onDeath', async () => {
    nc.subscribe(s.batch('quiet'), { callback: () => {} });
    await nc.flush();
    // checkLiveness takes the time to judge at; margins of seconds make a stalled machine irrelevant.
    const w = new NatsWorker(nc, announcement('quiet'), { replyTimeoutMs: () => 60_000, livenessMs: 10_000, subjectPrefix: 't' });
    const now = performance.now();
    assert.is(w.checkLiveness(now + 5_000), false);
    w.heartbeat();
    assert.is(w.checkLiveness(performance.now() + 5_000), false);
    const events: string[] = [];
    w.onDeath(() => events.push('death'));
    const pending = w.runBatch(job(3, 2)).catch((e: Error) => events.push(`rejected ${e.message}`));
    await new Promise((r) => setTimeout(r, 20));
    assert.is(w.inFlight, 1);
    assert.is(w.checkLiveness(performance.now() + 50_000), true);
    await pending;
    assert.is(events[0], 'death');
    assert.match(events[1]!, /rejected worker quiet died: missed heartbeats/);
    assert.is(w.inFlight, 0);
  });
});

test.run();
