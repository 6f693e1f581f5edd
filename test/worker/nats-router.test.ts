import { connect, type NatsConnection } from 'nats';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeAnnounceReply, encodeJson, subjects, type Announcement } from '../../src/worker/nats-protocol.ts';
import { startNatsRouter, type NatsRouter } from '../../src/worker/nats-router.ts';
import type { WorkerTransport } from '../../src/worker/transport.ts';
import { suiteIf } from '../fixtures.ts';
import { natsOrSkip } from './nats-server.ts';
import { waitFor } from './worker-process.ts';

const nats = await natsOrSkip();
const s = subjects('r');

const announcement = (id: string, over: Partial<Announcement['info']> = {}, subnets = [0, 1, 2]): Announcement => ({
  id, name: id, profileHash: null, subnets, host: 'h', pid: 1,
  info: { arch: 'ofa-mbv3-w1.0', backend: 'wasm', untrained: true, checkpoint: '/ck', checkpointHash: 'good', numClasses: 1000, ...over },
});

suiteIf(nats, (test, nats) => {
  let nc: NatsConnection;
  let router: NatsRouter;
  const admitted: WorkerTransport[] = [];
  const refused: string[] = [];
  const log: string[] = [];
  const announce = async (a: unknown) => decodeAnnounceReply((await nc.request(s.announce, encodeJson(a as object), { timeout: 2000 })).data);

  test.before(async () => {
    nc = await connect({ servers: nats.url });
    router = await startNatsRouter({
      url: nats.url, subjectPrefix: 'r', heartbeatMs: 100, missedHeartbeats: 10, // dead after 1 s: 20x the 50 ms heartbeat gap below
      expect: { arch: 'ofa-mbv3-w1.0', checkpointHash: 'good', backend: 'wasm', subnets: [0, 1, 2] },
      onWorker: (w) => admitted.push(w), onRefused: (r) => refused.push(r), log: (m) => log.push(m),
    });
  });
  test.after(async () => { await router.close(); await nc.close(); await nats.stop(); });

  test('a matching worker is admitted, told the heartbeat interval, and handed to onWorker', async () => {
    assert.equal(await announce(announcement('ok-1')), { accepted: true, heartbeatMs: 100 });
    assert.is(admitted.length, 1);
    assert.is(admitted[0]!.name, 'ok-1');
    assert.equal(await announce(announcement('ok-1')), { accepted: true, heartbeatMs: 100 }); // repeated: same worker
    assert.is(admitted.length, 1);
  });

  test('mismatches are refused with the reason, both to the worker and to onRefused', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [announcement('x1', { arch: 'ofa-resnet50' }), /architecture ofa-resnet50 does not match the router's ofa-mbv3-w1.0/],
      [announcement('x2', { checkpointHash: 'other' }), /checkpoint \/ck \(hash other\) does not match the router's checkpoint \(hash good\)/],
      [announcement('x3', { backend: 'cpu' }), /backend cpu does not match the router's wasm/],
      [announcement('x4', {}, [0, 1]), /cannot run sub-networks 2/],
      [{ id: 'x5', name: 'x5' }, /malformed announcement: .*"info" must be an object/],
    ];
    for (const [a, pattern] of cases) {
      const reply = await announce(a);
      assert.is(reply.accepted, false);
      if (!reply.accepted) assert.match(reply.reason, pattern);
      assert.match(refused.at(-1)!, pattern);
    }
    assert.is(admitted.length, 1);
    assert.equal(router.stats(), { alive: 1, admitted: 1, refused: 5, died: 0 });
  });

  test('a silent worker is declared dead by the watchdog; a heartbeat from an unknown worker asks it to announce again', async () => {
    let reason = '';
    admitted[0]!.onDeath((r) => { reason = r; });
    await waitFor('ok-1 declared dead', () => reason !== '', 20_000);
    assert.match(reason, /missed heartbeats/);
    const told: string[] = [];
    nc.subscribe(s.control('ok-1'), { callback: (_e, m) => told.push(new TextDecoder().decode(m.data)) });
    await nc.flush();
    nc.publish(s.heartbeat, encodeJson({ id: 'ok-1', seq: 9, busy: false, batches: 0 }));
    await waitFor('a reannounce request', () => told.length > 0, 5000);
    assert.match(told[0]!, /"type":"reannounce"/);
    assert.equal(await announce(announcement('ok-1')), { accepted: true, heartbeatMs: 100 });
    assert.is(admitted.length, 2);
  });

  test('heartbeats keep a worker alive; a goodbye removes it at once', async () => {
    const w = admitted[1]!;
    let reason = '';
    w.onDeath((r) => { reason = r; });
    // A silent worker admitted alongside is the clock: heartbeats continue until the watchdog has declared it dead.
    assert.equal(await announce(announcement('silent')), { accepted: true, heartbeatMs: 100 });
    let silentDead = '';
    admitted[2]!.onDeath((r) => { silentDead = r; });
    for (let i = 0; silentDead === '' && i < 400; i++) {
      nc.publish(s.heartbeat, encodeJson({ id: 'ok-1', seq: i, busy: false, batches: 0 }));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(silentDead, /missed heartbeats/);
    assert.is(reason, '');
    nc.publish(s.bye, encodeJson({ id: 'ok-1', reason: 'SIGTERM received' }));
    await waitFor('goodbye processed', () => reason !== '', 5000);
    assert.is(reason, 'left: SIGTERM received');
    assert.is(router.stats().alive, 0);
  });
});

test.run();
