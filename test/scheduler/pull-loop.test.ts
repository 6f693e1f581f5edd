/**
 * The pull loop as a state machine, with hand-computed expectations: events in (offer, finish, addWorker,
 * removeWorker, tick, cancel), effects out (batches started, requests expired or failed), admission rules.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, PullLoop, Scheduler, VirtualClock, type LatencyProfile, type QueuedRequest, type RunningBatch } from '../../src/scheduler/index.ts';
import { ADMISSION_GAIN } from '../../src/scheduler/pull-loop.ts';

// subnet 0: 10 ms at b1, 16 at b4 (best rate 4/16 = 0.25 img/ms); subnet 1: 20 ms at b1
const PROFILE: LatencyProfile = {
  batchSizes: [1, 2, 4],
  subnets: [
    { id: 0, accuracy: 70, latencyMs: { 1: 10, 2: 12, 4: 16 } },
    { id: 1, accuracy: 80, latencyMs: { 1: 20, 2: 28, 4: 44 } },
  ],
};

function setup(policy = 'fixed:0', opts: { maxQueue?: number; lateMode?: 'drop' | 'serve'; adaptLatency?: boolean } = {}, withShed = false) {
  const clock = new VirtualClock(0);
  const scheduler = new Scheduler<string>({ clock, policy: createPolicy(policy, PROFILE), profile: PROFILE, ...opts });
  const started: RunningBatch<string>[] = [];
  const expired: string[] = [];
  const failed: string[] = [];
  const shed: string[] = [];
  const loop = new PullLoop(scheduler, {
    start: (b) => started.push(b),
    expired: (rs) => expired.push(...rs.map((r) => r.payload)),
    failed: (rs) => failed.push(...rs.map((r) => r.payload)),
    ...(withShed ? { shed: (rs: QueuedRequest<string>[]) => shed.push(...rs.map((r) => r.payload)) } : {}),
  });
  let nextId = 1;
  const req = (name: string, sloMs: number, priority?: number): QueuedRequest<string> => ({
    id: nextId++, arrival: clock.now(), deadline: clock.now() + sloMs, payload: name, ...(priority !== undefined ? { priority } : {}),
  });
  const names = (b: RunningBatch<string> | undefined) => b?.dispatch.requests.map((r) => r.payload);
  return { clock, scheduler, loop, started, expired, failed, shed, req, names };
}

test('arrival with an idle worker starts a batch at once; the freed worker pulls what queued meanwhile', () => {
  const { loop, started, clock, req, names } = setup();
  loop.addWorker('w');
  assert.ok(loop.offer([req('a', 100)]).ok);
  assert.is(started.length, 1);
  assert.equal(names(started[0]), ['a']);
  assert.is(loop.busyCount, 1);
  assert.ok(loop.offer([req('b', 100)]).ok);
  assert.ok(loop.offer([req('c', 100)]).ok);
  assert.is(loop.queued, 2);
  clock.set(10);
  const done = loop.finish(started[0]!.jobId, { ok: true, measuredMs: 10 });
  assert.equal(names(done), ['a']);
  assert.equal(names(started[1]), ['b', 'c'], 'one batch of both');
  assert.is(loop.inFlight, 2);
  assert.is(loop.wakeAt(), undefined, 'nothing queued');
});

test('a request of several images is queued whole or refused whole', () => {
  const { loop, req, scheduler } = setup('fixed:0', { maxQueue: 3 });
  loop.addWorker('w');
  loop.offer([req('busy', 1000)]);
  assert.ok(loop.offer([req('x1', 1000), req('x2', 1000)]).ok);
  const a = loop.offer([req('y1', 1000), req('y2', 1000)]);
  assert.ok(!a.ok && a.reason === 'queue_full');
  assert.is(scheduler.size, 2, 'nothing of the refused request stays queued');
});

test('admission: SLO below the cheapest option -> deadline; backlog that cannot be served in time -> overloaded with a retry hint', () => {
  const { loop, req, clock } = setup('fixed:0');
  loop.addWorker('w');
  const tooTight = loop.admission(1, clock.now() + 9);
  assert.ok(!tooTight.ok && tooTight.reason === 'deadline');
  loop.offer([req('running', 1000)]); // on the worker until t=10
  // each queued request is admitted while 10 + 4 x (images up to and including it) <= 40
  for (let i = 0; i < 7; i++) assert.ok(loop.offer([req(`q${i}`, 40)]).ok, `q${i}`);
  const eighth = loop.offer([req('q7', 40)]);
  assert.ok(!eighth.ok && eighth.reason === 'overloaded', '10 + 32 = 42 > 40');
  if (!eighth.ok) assert.is(eighth.retryAfterMs, 38, 'the 7 queued images are done at 10 + 28 = 38');
  assert.ok(loop.admission(1, 42).ok, 'a later deadline fits: 42 <= 42');
  // only what leaves before a request counts: with deadline 25 nothing queued is ahead of it
  assert.ok(loop.admission(1, 25).ok, 'free at 10, + 10 = 20 <= 25');
  const beforeFree = loop.admission(1, 15);
  assert.ok(!beforeFree.ok && beforeFree.reason === 'overloaded', 'the worker is busy until 10, + 10 > 15');
});

test('capacity bounds use only the sub-networks the policy may pick (fixed:1 cannot use subnet 0\'s speed)', () => {
  const { loop, req, scheduler } = setup('fixed:1');
  assert.equal(scheduler.capacity(), { minLatencyMs: 20, bestRatePerMs: 4 / 44 });
  loop.addWorker('w');
  const tooTight = loop.admission(1, 15);
  assert.ok(!tooTight.ok && tooTight.reason === 'deadline', '15 ms < subnet 1\'s 20 ms, though subnet 0 would take 10');
  loop.offer([req('running', 1000)]); // busy until 20
  assert.ok(!loop.admission(1, 39).ok, 'free at 20, + 20 > 39');
  assert.ok(loop.admission(1, 40).ok);
});

test('serve mode admits late requests (serves them on the cheapest option) but still bounds the queue', () => {
  const { loop, req, clock } = setup('fixed:0', { lateMode: 'serve', maxQueue: 1 });
  loop.addWorker('w');
  assert.ok(loop.admission(1, clock.now() + 1).ok);
  loop.offer([req('a', 1)]);
  loop.offer([req('b', 1)]);
  assert.ok(!loop.offer([req('c', 1)]).ok);
  assert.is(loop.wakeAt(), undefined, 'no expiry timer in serve mode');
});

test('expiry timer: wakeAt is the head\'s deadline minus the cheapest latency; tick answers it then', () => {
  const { loop, req, clock, expired, started } = setup('fixed:0');
  loop.addWorker('w');
  loop.offer([req('running', 1000)]);
  loop.offer([req('head', 30)]); // admitted: 10 + 10 <= 30
  assert.is(loop.wakeAt(), 20);
  clock.set(19); loop.tick();
  assert.equal(expired, [], 'still servable at 19');
  clock.set(21); loop.tick();
  assert.equal(expired, ['head']);
  assert.is(loop.wakeAt(), undefined);
  assert.is(started.length, 1, 'the worker never pulled it');
});

test('a tick exactly at the boundary (slack = cheapest latency) keeps the head and wakes again at its deadline', () => {
  const { loop, req, clock, expired } = setup('fixed:0');
  loop.addWorker('w');
  loop.offer([req('running', 1000)]);
  loop.offer([req('head', 30)]);
  clock.set(20); loop.tick();
  assert.equal(expired, []);
  assert.is(loop.wakeAt(), 30);
  clock.set(30); loop.tick();
  assert.equal(expired, ['head']);
});

test('worker death: its running batch is re-queued where it can still make it (else failed); another worker takes it', () => {
  const { loop, req, clock, started, failed, names } = setup('fixed:0');
  loop.addWorker('w1');
  loop.offer([req('a', 1000)]);
  loop.offer([req('b', 1000), req('tight', 1000)]);
  loop.removeWorker('w1');
  loop.addWorker('w1');
  assert.equal(names(started[1]), ['b', 'tight', 'a'], 're-queued behind the others of its deadline, all in one batch');
  void clock;
});

test('worker death when some requests of its batch can no longer make it: those fail, the rest is re-queued', () => {
  const { loop, req, clock, started, failed, names } = setup('fixed:0');
  loop.addWorker('w1');
  loop.offer([req('a', 1000), req('tight', 14)]);
  assert.equal(names(started[0]), ['tight', 'a'], 'EDF order');
  clock.set(5);
  loop.removeWorker('w1');
  assert.equal(failed, ['tight'], '7 ms left < 10 ms: cannot be re-run in time');
  assert.is(loop.queued, 1);
  assert.is(loop.finish(started[0]!.jobId, { ok: false, error: 'gone' }), undefined, 'a late reply of a dead worker is ignored');
  loop.addWorker('w2');
  assert.equal(names(started[1]), ['a']);
  assert.is(started[1]!.worker, 'w2');
});

test('a failed batch on a live worker fails its requests and the worker pulls again', () => {
  const { loop, req, started, failed } = setup('fixed:0');
  loop.addWorker('w');
  loop.offer([req('a', 1000)]);
  loop.offer([req('b', 1000)]);
  loop.finish(started[0]!.jobId, { ok: false, error: 'boom' });
  assert.equal(failed, ['a']);
  assert.is(started.length, 2);
});

test('cancel removes queued requests only; idle workers are last-freed-first', () => {
  const { loop, req, started, clock } = setup('fixed:0');
  loop.addWorker('w1');
  loop.addWorker('w2');
  const r1 = req('a', 1000);
  loop.offer([r1]);
  assert.is(started[0]!.worker, 'w2', 'the last added idle worker pulls first');
  const r2 = req('b', 1000);
  loop.offer([r2]);
  const r3 = req('c', 1000);
  loop.offer([r3]);
  assert.is(loop.cancel([r1.id, r3.id]), 1, 'r1 runs, r3 was queued');
  assert.is(loop.queued, 0);
  clock.set(10);
  loop.finish(started[0]!.jobId, { ok: true, measuredMs: 10 });
  assert.is(loop.workers().filter((w) => w.running).length, 1);
});

test('a latency factor learnt under load relaxes while nothing runs, so it cannot refuse every request for good', () => {
  const { loop, started, clock, req, scheduler } = setup('fixed:0', { adaptLatency: true });
  loop.addWorker('w');
  assert.ok(loop.offer([req('a', 100)]).ok);
  clock.set(150);
  for (let i = 0; i < 30; i++) scheduler.observeBatch(0, 1, 150); // batches 15x slower than profiled
  loop.finish(started[0]!.jobId, { ok: true, measuredMs: 150 });
  assert.is(scheduler.latencyFactor, 8, 'at its ceiling');
  const refused = loop.offer([req('b', 50)]);
  assert.ok(!refused.ok && refused.reason === 'deadline', 'a 50 ms budget is below 10 ms x 8');
  clock.set(150 + 10_000); // one half-life of idle time
  assert.ok(loop.offer([req('c', 50)]).ok, 'factor 4.5 now: 45 ms fits the 50 ms budget');
  assert.ok(Math.abs(scheduler.latencyFactor - 4.5) < 1e-9, String(scheduler.latencyFactor));
});

test('an ordinary idle gap does not relax a learnt factor (remote workers\' transport keeps it above 1 rightly)', () => {
  const { loop, started, clock, req, scheduler } = setup('fixed:0', { adaptLatency: true });
  loop.addWorker('w');
  assert.ok(loop.offer([req('a', 1000)]).ok);
  for (let i = 0; i < 30; i++) scheduler.observeBatch(0, 1, 20); // batches 2x the profile
  clock.set(20);
  loop.finish(started[0]!.jobId, { ok: true, measuredMs: 20 });
  const learnt = scheduler.latencyFactor;
  clock.set(30_020);
  assert.ok(loop.offer([req('b', 1000)]).ok);
  assert.is(scheduler.latencyFactor, learnt);
});

test('without latency adaptation the factor never moves', () => {
  const { loop, clock, req, scheduler } = setup('fixed:0', { adaptLatency: false });
  scheduler.latencyFactor = 8;
  loop.addWorker('w');
  assert.ok(!loop.offer([req('b', 50)]).ok);
  clock.set(60_000);
  assert.ok(!loop.offer([req('c', 50)]).ok);
  assert.is(scheduler.latencyFactor, 8);
});

test('idle server: a request its images cannot meet even with nothing queued is a deadline refusal, not overloaded', () => {
  // subnet 0's best rate is 4 images / 16 ms: 8 images need >= 32 ms on one idle worker
  const { loop, req, clock } = setup();
  loop.addWorker('w');
  const eight = Array.from({ length: 8 }, (_, k) => req(`i${k}`, 30));
  const a = loop.offer(eight);
  assert.ok(!a.ok && a.reason === 'deadline', JSON.stringify(a));
  assert.is(a.ok ? undefined : a.retryAfterMs, undefined, 'no retry can succeed: no Retry-After');
  assert.match(a.ok ? '' : a.message, /8 images need/);
  assert.is(loop.queued, 0);
  assert.ok(loop.offer(Array.from({ length: 8 }, (_, k) => req(`j${k}`, 40))).ok, '32 ms fit in 40');
  // the same 8 images with 40 ms now wait behind the first 8: the work ahead is the cause
  const b = loop.offer(Array.from({ length: 8 }, (_, k) => req(`k${k}`, 40)));
  assert.ok(!b.ok && b.reason === 'overloaded', JSON.stringify(b));
  assert.ok(!b.ok && b.retryAfterMs! > 0);
  // two idle workers share 8 images: 16 ms each, so 30 ms is enough
  const two = setup();
  two.loop.addWorker('a'); two.loop.addWorker('b');
  assert.ok(two.loop.offer(Array.from({ length: 8 }, (_, k) => two.req(`i${k}`, 30))).ok);
  void clock;
});

test('priorities: within capacity EDF; under overload the less important are refused first, and queued ones shed for an important arrival', () => {
  const { loop, req, clock, started, shed, names, scheduler, expired } = setup('fixed:0', {}, true);
  loop.addWorker('w');
  assert.ok(loop.offer([req('busy', 106, 2)]).ok); // runs 0..10
  // 4 images per 16 ms from t = 10: by 106 ms six batches, 24 images; fill with level-2 work until refused
  let k = 0;
  while (loop.offer([req(`low${k}`, 106, 2)]).ok) k++;
  assert.is(k, 24);
  const low = loop.offer([req('low-late', 106, 2)]);
  assert.ok(!low.ok && low.reason === 'overloaded', 'a less important arrival is refused');
  const tie = loop.offer([req('two-again', 106, 2)]);
  assert.ok(!tie.ok, 'the same level displaces nothing');
  // an important request with the same deadline displaces exactly one less important queued request
  const vip = req('vip', 106, 1);
  assert.ok(loop.offer([vip]).ok);
  assert.equal(shed, ['low23'], 'the least important, latest-deadline request goes');
  assert.is(scheduler.size, 24);
  assert.is(scheduler.stats().shed, 1);
  // EDF order is kept: the earlier-deadline low requests still go before vip; everything queued makes it
  let t = 10;
  for (;;) {
    clock.set(t);
    const running = started.at(-1)!;
    loop.finish(running.jobId, { ok: true, measuredMs: running.dispatch.expectedLatencyMs });
    if (started.at(-1) === running) break;
    const b = started.at(-1)!;
    t = clock.now() + b.dispatch.expectedLatencyMs;
    for (const r of b.dispatch.requests) assert.ok(t <= r.deadline, `${r.payload} finishes at ${t} after ${r.deadline}`);
  }
  assert.ok(started.some((b) => names(b)!.includes('vip')), JSON.stringify(started.map((b) => [b.startedAt, names(b)])) + JSON.stringify(expired));
  // an unprioritised request is below every level: it displaces nothing either
  const { loop: l2, req: r2 } = setup('fixed:0');
  l2.addWorker('w');
  l2.offer([r2('busy', 100, 2)]);
  while (l2.offer([r2('x', 100, 2)]).ok);
  assert.ok(!l2.offer([r2('none', 100)]).ok);
});

test('priorities: while a more important request is queued, less important arrivals are refused earlier (headroom)', () => {
  const { loop, req } = setup('fixed:0');
  loop.addWorker('w');
  loop.offer([req('busy', 106, 2)]);
  assert.ok(loop.offer([req('vip', 106, 1)]).ok);
  let k = 0;
  while (loop.offer([req(`low${k}`, 106, 2)]).ok) k++;
  // at 0.6 of 4 images / 16 ms from t = 10: 96 * 0.15 = 14.4 images by 106, vip included
  assert.is(k, 13);
  assert.ok(loop.offer([req('vip2', 106, 1)]).ok, 'the important level still gets the full bound');
});

test('admission learns from outcomes: late answers shrink the capacity it counts on; idle time restores it', () => {
  const { loop, req, clock, started } = setup('fixed:0');
  loop.addWorker('w');
  assert.is(loop.admissionShare, 1);
  assert.ok(loop.offer([req('a', 20)]).ok);
  clock.set(50); // it ran 5x longer than profiled: finished late
  loop.finish(started[0]!.jobId, { ok: true, measuredMs: 50 });
  const afterLate = loop.admissionShare;
  assert.ok(Math.abs(afterLate - (1 - ADMISSION_GAIN * 0.99)) < 1e-12, `share ${afterLate}`);
  assert.ok(loop.offer([req('b', 100)]).ok);
  clock.set(60);
  loop.finish(started[1]!.jobId, { ok: true, measuredMs: 10 });
  assert.ok(loop.admissionShare > afterLate, 'an on-time answer moves it back up a little');
  // 10 s idle: half of the gap to 1 is gone at the next admission
  const gap = 1 - loop.admissionShare;
  clock.set(10_060);
  loop.admission(1, 10_200);
  assert.ok(Math.abs(1 - loop.admissionShare - gap / 2) < 1e-9);
  // serve mode never learns (it admits late work on purpose)
  const serve = setup('fixed:0', { lateMode: 'serve' });
  serve.loop.addWorker('w');
  serve.loop.offer([serve.req('a', 20)]);
  serve.clock.set(50);
  serve.loop.finish(serve.started[0]!.jobId, { ok: true, measuredMs: 50 });
  assert.is(serve.loop.admissionShare, 1);
});

test('priorities: a sink without shed() answers displaced requests as expired', () => {
  const { loop, req, expired } = setup('fixed:0');
  loop.addWorker('w');
  loop.offer([req('busy', 100, 3)]);
  while (loop.offer([req('low', 100, 3)]).ok);
  assert.ok(loop.offer([req('vip', 100, 1)]).ok);
  assert.equal(expired, ['low']);
});

test.run();
