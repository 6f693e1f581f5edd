/**
 * The scheduler's latency factor: deciding with all latencies scaled by f is deciding on slack / f,
 * and observeBatch() adapts f to measured batch times.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, VirtualClock, type QueuedRequest } from '../../src/scheduler/index.ts';
import { LATENCY_FACTOR_MAX } from '../../src/scheduler/scheduler.ts';
import { tinyProfile } from './profiles.ts';

const req = (id: number, deadline: number): QueuedRequest<null> => ({ id, arrival: 0, deadline, payload: null });

function decideOnce(factor: number, slack: number, profileUnit = 1): { subnet: number; expected: number } {
  const clock = new VirtualClock(0);
  const profile = tinyProfile(profileUnit);
  const s = new Scheduler<null>({ clock, policy: createPolicy('maxacc', profile), profile, latencyFactor: factor });
  s.enqueue(req(1, slack));
  const d = s.next().dispatch;
  return d === null ? { subnet: -1, expected: -1 } : { subnet: d.subnetId, expected: d.expectedLatencyMs };
}

test('a factor f decides exactly like a profile whose latencies are f times larger', () => {
  for (const slack of [11, 15, 21, 25, 41, 60]) {
    const scaled = decideOnce(2, slack);
    const bigger = decideOnce(1, slack, 2);
    assert.equal(scaled, bigger, `slack ${slack}`);
  }
  // maxacc at batch 1: slack 25 fits C (20 ms) unscaled but only A (10 ms -> 20) when doubled.
  assert.is(decideOnce(1, 25).subnet, 2);
  assert.is(decideOnce(2, 25).subnet, 0);
});

test('a head that fits unscaled is expired when the factor says it cannot make it', () => {
  const clock = new VirtualClock(0);
  const profile = tinyProfile();
  const s = new Scheduler<null>({ clock, policy: createPolicy('slackfit', profile), profile, latencyFactor: 1.5 });
  s.enqueue(req(1, 12)); // cheapest option is 10 ms, 15 ms with the factor
  const r = s.next();
  assert.is(r.dispatch, null);
  assert.is(r.expired.length, 1);
});

test('observeBatch moves the factor toward measured / profiled, bounded, only when enabled', () => {
  const profile = tinyProfile();
  const off = new Scheduler<null>({ clock: new VirtualClock(0), policy: createPolicy('slackfit', profile), profile });
  off.observeBatch(0, 1, 30);
  assert.is(off.latencyFactor, 1);
  const on = new Scheduler<null>({ clock: new VirtualClock(0), policy: createPolicy('slackfit', profile), profile, adaptLatency: true });
  on.observeBatch(0, 1, 30); // measured 3x the profiled 10 ms: 1 + 0.2 * (3 - 1)
  assert.ok(Math.abs(on.latencyFactor - 1.4) < 1e-12);
  for (let i = 0; i < 200; i++) on.observeBatch(2, 8, 76 * 3);
  assert.ok(Math.abs(on.latencyFactor - 3) < 1e-6, `converges to 3, got ${on.latencyFactor}`);
  for (let i = 0; i < 200; i++) on.observeBatch(0, 1, 1e6);
  assert.is(on.latencyFactor, LATENCY_FACTOR_MAX);
  on.observeBatch(99, 1, 10); // unknown subnet: ignored
  assert.is(on.latencyFactor, LATENCY_FACTOR_MAX);
  assert.throws(() => { on.latencyFactor = 0; }, /positive/);
});

test.run();
