import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, VirtualClock } from '../../src/scheduler/index.ts';
import { cpuProfile, tinyProfile } from './profiles.ts';

const pick = (slack: number, n: number, workers = 1) => {
  const d = createPolicy('slackfit-q', tinyProfile(), { workers }).decide(slack, n, 0);
  return d && `${d.subnetId}x${d.batchSize}`;
};

// Interpolated latencies: A b -> 8 + 2b, B b -> 10 + 4b, C 20, 28, 36, 44, ... (8 per image above 1).
test('one request: the most accurate subnet whose batch 1 fits', () => {
  assert.is(pick(30, 1), '2x1');
  assert.is(pick(15, 1), '1x1');
  assert.is(pick(9, 1), null);
});

test('the most accurate subnet that empties the queue within the slack', () => {
  assert.is(pick(40, 3), '2x3'); // C: 3 in one batch of 36 ms
  assert.is(pick(30, 3), '1x3'); // C: best is 2 rounds of 28; B: one batch of 22
});

test('overloaded: the highest-throughput option that fits', () => {
  assert.is(pick(30, 20), '0x8'); // nothing drains 20 in 30 ms on one worker; A8 = 8/24 per ms
});

test('more workers drain faster: a more accurate subnet, batch split across workers', () => {
  assert.is(pick(30, 20, 8), '1x3'); // B3 = 22 ms, ceil(20 / 24) = 1 round
});

test('CPU-like profile: accuracy falls as the queue grows, instead of always the smallest', () => {
  const p = createPolicy('slackfit-q', cpuProfile());
  const ids = [1, 2, 4, 8, 16].map((n) => p.decide(1000, n, 0)?.subnetId);
  // per-image 396/200/120/58 ms, slack 1 s: n=1,2: 396n <= 1000; n=4: 200*4; n=8: 120*8; n=16: 58*16
  assert.equal(ids, [3, 3, 2, 1, 0]);
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
