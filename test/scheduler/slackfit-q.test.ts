import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, SlackFitQPolicy, VirtualClock } from '../../src/scheduler/index.ts';
import { cpuProfile, tinyProfile } from './profiles.ts';

const show = (d: { subnetId: number; batchSize: number } | null) => d && `${d.subnetId}x${d.batchSize}`;
const pick = (slack: number, n: number, workers = 1) => show(createPolicy('slackfit-q', tinyProfile(), { workers }).decide(slack, n, 0));
const slackfit = (slack: number) => createPolicy('slackfit', tinyProfile(), { batchSizes: 'all' }).decide(slack, 1, 0);

// tinyProfile, interpolated: A b -> 10, 12, 14, ..., 24 (2 per image above 2), B 14, 18, ..., 42,
// C 20, 28, 36, 44, ..., 76. SlackFit's representatives: 0x4@16, 1x2@18, 0x8@24, 1x8@42, 2x4@44, 2x8@76.

test('a queue that fills SlackFit\'s batch and drains in time: exactly SlackFit\'s decision', () => {
  for (let slack = 5; slack <= 90; slack += 0.5) {
    const sf = slackfit(slack);
    if (sf) assert.is(pick(slack, sf.batchSize, 8), show(sf), `slack ${slack}`);
  }
});

test('short queue on an idle server: the most accurate subnet that serves it in time', () => {
  assert.is(show(slackfit(30)), '0x8'); // SlackFit would serve one request on A, its 8-batch subnet
  assert.is(pick(30, 1), '2x1');
  assert.is(pick(15, 1), '1x1');
  assert.is(pick(9, 1), null);
  assert.is(pick(40, 3), '2x3'); // C: 3 in one batch of 36 ms
  assert.is(pick(30, 3), '1x3'); // C: best is 2 rounds of 28; B: one batch of 22
});

test('short queue with busy workers and a waiting head: SlackFit\'s choice (no upgrade under load)', () => {
  const p = new SlackFitQPolicy(tinyProfile());
  const waited = { headSloMs: 30, classes: [{ count: 1, firstSlackMs: 29, lastSlackMs: 29 }] };
  const d = p.decide(30, 1, 0, { headSloMs: 30, classes: [{ count: 1, firstSlackMs: 30, lastSlackMs: 30 }] });
  assert.is(show(d), '2x1'); // a fresh head
  assert.is(show(p.decide(29, 1, 0, waited)), '2x1', 'probes alone change nothing: nothing ran yet');
  for (let i = 0; i < 11; i++) p.onDispatch(d!, 1, 0, 30); // 11 x 20 ms within one instant on one worker
  assert.ok(p.utilization > 0.5, `utilization ${p.utilization}`);
  assert.is(show(p.decide(29, 1, 0, waited)), '0x8'); // the head waited 1 ms: SlackFit's 0x8@24
  assert.is(show(p.decide(29, 1, 10_000, waited)), '2x1'); // 10 s idle later: the estimate has decayed
  assert.ok(p.utilizationAt(10_000) < 0.5);
});

test('decide() is a probe: asking any number of times changes no state and no later decision', () => {
  const p = new SlackFitQPolicy(tinyProfile());
  const q = new SlackFitQPolicy(tinyProfile());
  const ctx = { headSloMs: 30, classes: [{ count: 1, firstSlackMs: 29, lastSlackMs: 29 }] };
  for (let i = 0; i < 1000; i++) p.decide(30 - (i % 20), 1 + (i % 7), i / 10, ctx);
  assert.is(p.utilization, 0);
  assert.is(p.typicalSloMs, 0);
  for (const t of [0, 5, 50]) for (const [slack, n] of [[29, 1], [45, 40], [15, 20]] as const) {
    assert.equal(p.decide(slack, n, t, ctx), q.decide(slack, n, t, ctx), `slack ${slack}, n ${n}, t ${t}`);
  }
});

test('SlackFit\'s batch cannot drain the queue: the most accurate subnet that does', () => {
  // 40 waiting, 8 workers, slack 45: SlackFit's 2x4@44 needs 2 rounds (88 ms); B at 5 = 30 ms serves all 40 in one
  assert.is(show(slackfit(45)), '2x4');
  assert.is(pick(45, 40, 8), '1x5');
});

test('the deadlines in the queue relax the drain check: later requests have more slack than the head', () => {
  const p = new SlackFitQPolicy(tinyProfile(), { workers: 8 });
  assert.is(show(p.decide(45, 40, 0)), '1x5'); // nothing known: the head's slack bounds the queue
  // round 2 (requests 32..39) ends at 88 ms; its first request has about 45 + 55 * 32 / 40 = 89 ms
  const ctx = { headSloMs: 100, classes: [{ count: 40, firstSlackMs: 45, lastSlackMs: 100 }] };
  assert.is(show(p.decide(45, 40, 0, ctx)), '2x4');
});

test('overload: the highest-throughput option that fits', () => {
  assert.is(pick(30, 20), '0x8'); // nothing drains 20 in 30 ms on one worker; A8 = 8/24 per ms
  assert.is(pick(30, 20, 8), '0x8'); // 8 workers: SlackFit's 0x8@24 serves all 20 in one round
});

test('CPU-like profile: accuracy falls as the queue grows, instead of always the smallest', () => {
  const p = createPolicy('slackfit-q', cpuProfile());
  const ids = [1, 2, 4, 8, 16].map((n) => p.decide(1000, n, 0)?.subnetId);
  // per-image 396/200/120/58 ms, slack 1 s: n=1,2: 396n <= 1000; n=4: 200*4; n=8: 120*8;
  // n=16: SlackFit's own 0x16@928 (its batch is full)
  assert.equal(ids, [3, 3, 2, 1, 0]);
  assert.equal([1, 2, 4, 8, 16].map((n) => createPolicy('slackfit', cpuProfile()).decide(1000, n, 0)?.subnetId), [0, 0, 0, 0, 0]);
});

test('overload: the highest-throughput option even above the head slack; the scheduler sheds doomed heads', () => {
  assert.is(pick(15, 20), '0x8'); // A8 = 24 ms > 15 ms: heads with less than 24 ms of slack are shed
  const profile = tinyProfile();
  const clock = new VirtualClock(0);
  const sched = new Scheduler<null>({ clock, policy: createPolicy('slackfit-q', profile), profile });
  for (let i = 0; i < 20; i++) sched.enqueue({ id: i, arrival: 0, deadline: 15 + i, payload: null });
  const { dispatch, expired } = sched.next();
  assert.equal(expired.map((r) => r.id), [0, 1, 2, 3, 4, 5, 6, 7, 8]); // slack 15..23 < 24
  assert.is(dispatch!.subnetId, 0);
  assert.equal(dispatch!.requests.map((r) => r.id), [9, 10, 11, 12, 13, 14, 15, 16]);
});

test.run();
