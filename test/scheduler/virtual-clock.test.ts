import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, VirtualClock, type LatencyProfile, type QueuedRequest } from '../../src/scheduler/index.ts';
import { defineSchedulerCases } from './cases.ts';
import { cpuProfile, tinyProfile } from './profiles.ts';

defineSchedulerCases(test, () => new VirtualClock(1_000));

test('VirtualClock moves only forward', () => {
  const c = new VirtualClock();
  c.advance(5);
  c.set(7);
  assert.is(c.now(), 7);
  assert.throws(() => c.set(6), /cannot go backwards/);
  assert.throws(() => c.advance(-1), /dt must be finite and >= 0/);
});

test('as virtual time passes, a queued request becomes late and is expired', () => {
  const clock = new VirtualClock(0);
  const profile = tinyProfile();
  const sched = new Scheduler<null>({ clock, policy: createPolicy('slackfit-q', profile), profile });
  sched.enqueue({ id: 1, arrival: 0, deadline: 25, payload: null });
  assert.is(sched.next().dispatch?.subnetId, 2); // slack 25: C1 (20 ms)
  sched.enqueue({ id: 2, arrival: 0, deadline: 25, payload: null });
  clock.set(12);
  assert.is(sched.next().dispatch?.subnetId, 0); // slack 13: only A1 (10 ms) fits
  sched.enqueue({ id: 3, arrival: 0, deadline: 25, payload: null });
  clock.set(16);
  const r = sched.next();
  assert.is(r.dispatch, null);
  assert.equal(r.expired.map((x) => x.id), [3]);
  assert.is(r.expired[0]!.deadline, 25);
});

/** One-worker discrete-event run of a Poisson-ish deterministic trace; returns [attainment, mean on-time accuracy]. */
function simulate(policy: string, profile: LatencyProfile, gapsMs: number[], sloMs: number): [number, number] {
  const clock = new VirtualClock(0);
  const sched = new Scheduler<null>({ clock, policy: createPolicy(policy, profile), profile });
  const acc = new Map(profile.subnets.map((s) => [s.id, s.accuracy]));
  let t = 0;
  const arrivals = gapsMs.map((g) => (t += g));
  let i = 0;
  let freeAt = 0;
  let onTime = 0;
  let accSum = 0;
  while (i < arrivals.length || sched.size > 0) {
    const nextArrival = arrivals[i] ?? Infinity;
    if (nextArrival <= freeAt || sched.size === 0) {
      clock.set(Math.max(clock.now(), nextArrival));
      const req: QueuedRequest<null> = { id: i, arrival: nextArrival, deadline: nextArrival + sloMs, payload: null };
      sched.enqueue(req);
      i++;
      continue;
    }
    clock.set(Math.max(clock.now(), freeAt));
    const { dispatch } = sched.next();
    if (!dispatch) continue;
    freeAt = clock.now() + dispatch.expectedLatencyMs;
    for (const r of dispatch.requests) if (freeAt <= r.deadline) { onTime++; accSum += acc.get(dispatch.subnetId)!; }
  }
  return [onTime / arrivals.length, onTime ? accSum / onTime : 0];
}

test('CPU-like profile, one worker, 1 s SLO: slackfit-q keeps attainment and serves higher accuracy than slackfit', () => {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const gaps = Array.from({ length: 600 }, () => -Math.log(1 - rnd()) * 1000 / 3); // ~3 req/s
  const [attSf, accSf] = simulate('slackfit', cpuProfile(), gaps, 1000);
  const [attQ, accQ] = simulate('slackfit-q', cpuProfile(), gaps, 1000);
  assert.ok(Math.abs(accSf - 73.8) < 1e-9, `slackfit accuracy ${accSf}`); // never leaves the smallest subnet here
  assert.ok(accQ > accSf + 1, `slackfit-q accuracy ${accQ}`);
  assert.ok(attQ >= attSf - 0.02, `attainment slackfit ${attSf} vs slackfit-q ${attQ}`);
});

test.run();
