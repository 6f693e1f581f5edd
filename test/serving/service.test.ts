/**
 * The serving core without HTTP or tfjs: LocalInferenceService + Dispatcher + the real Scheduler, with fake
 * workers whose batches finish when the test says. Every accepted request gets exactly one answer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, VirtualClock, type LatencyProfile } from '../../src/scheduler/index.ts';
import { Dispatcher, type ItemPayload, type SetTimer } from '../../src/serving/dispatcher.ts';
import type { ServingEvents } from '../../src/serving/events.ts';
import { LocalInferenceService } from '../../src/serving/service.ts';
import { ServiceError, type ImageBatch, type ModelMetadata } from '../../src/serving/types.ts';
import { issueTicket } from '../../src/serving/ticket.ts';
import { ManualWorker } from '../helpers/manual-worker.ts';

const profile: LatencyProfile = {
  batchSizes: [1, 2, 4],
  subnets: [
    { id: 0, accuracy: 70, latencyMs: { 1: 10, 2: 12, 4: 16 } },
    { id: 1, accuracy: 80, latencyMs: { 1: 20, 2: 28, 4: 44 } },
  ],
};

function setup(opts: { maxQueue?: number; policy?: string; events?: ServingEvents } = {}) {
  const clock = new VirtualClock(0);
  const scheduler = new Scheduler<ItemPayload>({ clock, policy: createPolicy(opts.policy ?? 'maxacc', profile), profile, ...(opts.maxQueue ? { maxQueue: opts.maxQueue } : {}) });
  // The expiry timer on the virtual clock: armed like setTimeout, fired by the test.
  const timer: { at?: number; fire?: () => void } = {};
  const setTimer: SetTimer = (fire, delayMs) => {
    timer.at = clock.now() + delayMs; timer.fire = () => { timer.at = undefined; fire(); };
    return { cancel: () => { timer.at = undefined; timer.fire = undefined; } };
  };
  const dispatcher = new Dispatcher(scheduler, clock, {}, setTimer);
  const service = new LocalInferenceService('m', clock, () => ({}) as ModelMetadata, opts.events);
  service.attach({ dispatcher, accuracyOf: (id) => (id === 0 ? 70 : 80), hasSubnet: (id) => id === 0 || id === 1 });
  return { clock, scheduler, dispatcher, service, timer };
}

const images = (n: number, value = 1): ImageBatch => ({ data: new Float32Array(n * 2 * 2 * 3).fill(value), n, height: 2, width: 2 });
const ticket = (service: LocalInferenceService, sloMs: number) => issueTicket({ arrivalMs: service.now(), sloMs });
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a request of several images is split into queue entries and answered once, in order', async () => {
  const { service, dispatcher } = setup();
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const p = service.infer({ data: Float32Array.from({ length: 3 * 12 }, (_, i) => Math.floor(i / 12) + 1), n: 3, height: 2, width: 2 }, ticket(service, 1000));
  await flush();
  assert.is(w.jobs.length, 1);
  assert.is(w.jobs[0]!.job.items.length, 3);
  w.finish();
  const out = await p;
  assert.equal(Array.from(out.logits), [12, 1, 24, 1, 36, 1]); // per-image sums, subnet 1 (maxacc)
  assert.is(out.batchSize, 3);
  assert.is(out.accuracy, 80);
  assert.ok(out.deadlineMet);
  assert.is(service.openRequests, 0);
});

test('no worker free: requests wait in EDF order and the freed worker pulls the earliest deadline', async () => {
  const { service, dispatcher } = setup({ policy: 'fixed:0' });
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const first = service.infer(images(1, 1), ticket(service, 1000));
  await flush();
  const late = service.infer(images(1, 2), ticket(service, 5000));
  const urgent = service.infer(images(1, 3), ticket(service, 500));
  w.finish();
  await first;
  await flush();
  assert.equal(w.jobs[0]!.job.items.map((it) => it.data[0]), [3, 2], 'batch in deadline order');
  w.finish();
  assert.is((await urgent).logits[0], 3 * 12);
  assert.is((await late).logits[0], 2 * 12);
});

test('bounded queue: a request that does not fit is refused whole with queue_full', async () => {
  const { service, dispatcher, scheduler } = setup({ maxQueue: 2 });
  dispatcher.addWorker(new ManualWorker('w'));
  const a = service.infer(images(1), ticket(service, 1000));
  await flush(); // taken by the worker
  const b = service.infer(images(2), ticket(service, 1000));
  const c = service.infer(images(1), ticket(service, 1000)).catch((e: unknown) => e);
  const err = await c;
  assert.instance(err, ServiceError);
  assert.is((err as ServiceError).kind, 'queue_full');
  assert.is(scheduler.size, 2);
  void a; void b;
});

test('a client that goes away has its queued entries removed; its in-flight answer is dropped', async () => {
  const { service, dispatcher, scheduler } = setup();
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const busy = service.infer(images(1), ticket(service, 1000));
  await flush();
  const ac = new AbortController();
  const gone = service.infer(images(2), ticket(service, 1000), ac.signal).catch((e: unknown) => e);
  assert.is(scheduler.size, 2);
  ac.abort();
  const err = await gone;
  assert.is((err as ServiceError).kind, 'cancelled');
  assert.is(scheduler.size, 0);
  w.finish();
  await busy;
  assert.is(service.openRequests, 0);
});

test('a worker that dies mid-batch: its requests are re-queued and served by another worker', async () => {
  const { service, dispatcher } = setup();
  const w1 = new ManualWorker('w1');
  dispatcher.addWorker(w1);
  const p = service.infer(images(2), ticket(service, 1000));
  await flush();
  assert.is(w1.jobs.length, 1);
  const w2 = new ManualWorker('w2');
  w1.die();
  dispatcher.addWorker(w2);
  await flush();
  assert.is(w2.jobs.length, 1);
  assert.is(w2.jobs[0]!.job.items.length, 2);
  w2.finish();
  const out = await p;
  assert.is(out.logits.length, 4);
  assert.is(dispatcher.workerCount, 1);
});

test('admission: a request the busy worker cannot serve by its deadline is refused on arrival (overloaded)', async () => {
  const { service, dispatcher, scheduler } = setup();
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const busy = service.infer(images(1), ticket(service, 1000)); // maxacc: subnet 1, 20 ms: the worker is free at t=20
  await flush();
  // free at 20, then at least the cheapest option (10 ms): done at 30 at the earliest, deadline 15
  assert.throws(() => service.admit(1, ticket(service, 15)), (e: unknown) => (e as ServiceError).kind === 'overloaded');
  const err = await service.infer(images(1), ticket(service, 15)).catch((e: unknown) => e);
  assert.is((err as ServiceError).kind, 'overloaded');
  assert.ok((err as ServiceError).retryAfterS! > 0);
  assert.is(scheduler.size, 0, 'nothing was queued');
  // an SLO below the cheapest sub-network's latency is refused whatever the load
  assert.throws(() => service.admit(1, ticket(service, 5)), (e: unknown) => (e as ServiceError).kind === 'deadline');
  w.finish();
  await busy;
});

test('expiry timer: a queued request is answered at the moment it can no longer make it, not at the next pull', async () => {
  const { service, dispatcher, clock, timer } = setup({ policy: 'fixed:0' });
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const busy = service.infer(images(1), ticket(service, 1000)); // on the worker; expected free at t=10
  await flush();
  const queued = service.infer(images(1), ticket(service, 40)).catch((e: unknown) => e); // admitted: 10 + 10 <= 40
  assert.is(timer.at, 30, 'armed for deadline 40 minus the cheapest latency 10');
  clock.set(31); // the worker is slower than profiled: still busy
  timer.fire!();
  const err = await queued;
  assert.is((err as ServiceError).kind, 'deadline');
  assert.is(w.jobs.length, 1, 'the worker never pulled');
  w.finish();
  await busy;
  assert.is(timer.at, undefined, 'nothing queued: no timer');
});

test('every worker dead after start-up: refused as no_worker (counted against the SLO), with the ticket\'s priority', async () => {
  const { service, dispatcher } = setup();
  const seen: Array<[string, number | undefined]> = [];
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  dispatcher.removeWorker(w, 'killed');
  const s2 = new LocalInferenceService('m', { now: () => 0 }, () => ({}) as ModelMetadata, { refused: (_at, reason, _n, priority) => seen.push([reason, priority]) });
  s2.attach({ dispatcher, accuracyOf: () => 70, hasSubnet: () => true });
  const err = await s2.infer(images(1), issueTicket({ arrivalMs: 0, sloMs: 1000, priority: 1 })).catch((e: unknown) => e);
  assert.is((err as ServiceError).kind, 'no_worker');
  assert.throws(() => s2.admit(1, issueTicket({ arrivalMs: 0, sloMs: 1000 })), (e: unknown) => (e as ServiceError).kind === 'no_worker');
  assert.equal(seen, [['no_worker', 1], ['no_worker', 2]]);
  assert.not.ok(service.isReady());
});

test('events time each request from its arrival: preparation and encoding when answered, time to the error when refused', async () => {
  const seen: unknown[] = [];
  const { service, dispatcher, clock } = setup({
    policy: 'fixed:0',
    events: {
      answered: (_at, r) => { seen.push(['answered', r.prepMs, r.encodeMs]); },
      refused: (_at, reason, _n, _priority, ms) => { seen.push([reason, ms]); },
    },
  });
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  clock.set(100);
  const t = issueTicket({ arrivalMs: 97, sloMs: 1000 });
  const answered = service.infer(images(1), t); // reached the queue 3 ms after arrival
  await flush();
  clock.set(110);
  w.finish();
  service.reportAnswered(t, await answered, 0.5);
  const tooTight = issueTicket({ arrivalMs: 106, sloMs: 5 }); // below the cheapest sub-network's latency
  assert.throws(() => service.admit(1, tooTight), (e: unknown) => e instanceof ServiceError);
  service.reportRefused('bad_request', 1, undefined, 108);
  assert.equal(seen.slice(0, 1), [['answered', 3, 0.5]]);
  assert.equal((seen[1] as unknown[])[1], 4, 'refused on admission 4 ms after arrival');
  assert.equal(seen[2], ['bad_request', 2]);
});

test('the queue reserves the learnt answer tail: requests are planned to end that much before their deadline', async () => {
  const { service, dispatcher, scheduler, clock } = setup();
  assert.is(service.answerReserveMs, 0, 'nothing learnt yet');
  const image = { subnetId: 0, accuracy: 70, batchSize: 1, queueMs: 0, computeMs: 1, finishedAt: 0 };
  for (let i = 0; i < 20; i++) {
    clock.advance(10);
    service.reportAnswered(ticket(service, 1000), {
      logits: new Float32Array(1), numClasses: 1, images: [{ ...image, finishedAt: clock.now() - 7 }], subnetId: 0, accuracy: 70,
      batchSize: 1, queueMs: 0, computeMs: 1, prepMs: 0, latencyMs: 8, deadlineMet: true,
    });
  }
  assert.is(service.answerReserveMs, 7);
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const busy = service.infer(images(1), ticket(service, 1000));
  await flush();
  const t = ticket(service, 1000);
  const p = service.infer(images(1), t);
  const queued = scheduler.queuedUpTo(Number.POSITIVE_INFINITY, () => true);
  assert.equal(queued.map((r) => r.deadline), [t.deadlineMs - 7]);
  w.finish();
  await busy;
  await flush();
  w.finish();
  await p;
});

test('drain: stops accepting, resolves when the last accepted request is answered', async () => {
  const { service, dispatcher } = setup();
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const p = service.infer(images(1), ticket(service, 1000));
  await flush();
  let drained = false;
  const d = service.drain().then(() => { drained = true; });
  const refused = await service.infer(images(1), ticket(service, 1000)).catch((e: unknown) => e);
  assert.is((refused as ServiceError).kind, 'shutting_down');
  await flush();
  assert.not.ok(drained);
  w.finish();
  await p;
  await d;
  assert.ok(drained);
});

test.run();
