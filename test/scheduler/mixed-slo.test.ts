/**
 * Mixed SLOs are first-class: no policy state is shaped by one request's SLO (the A40 x2.5 cases),
 * slackfit-m's invariant, and probes that leave the policy as it was.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, SlackFitMPolicy, SlackFitQPolicy, VirtualClock, type Decision } from '../../src/scheduler/index.ts';
import { loadProfile } from '../../src/sim/profiles.ts';

const profile = loadProfile('a40', 2.5).profile;
const show = (d: Decision | null) => d && `${d.subnetId}x${d.batchSize}`;

/** 32 requests of SLO 1 s queued, the head with 30 ms left; optionally a 60 s request served earlier. Returns every batch until the queue is empty. */
function burst(policy: string, seen60s: boolean): string[] {
  const clock = new VirtualClock(0);
  const s = new Scheduler<null>({ clock, policy: createPolicy(policy, profile), profile });
  if (seen60s) {
    s.enqueue({ id: 1000, arrival: 0, deadline: 60_000, payload: null });
    const d = s.next().dispatch!;
    assert.equal(d.requests.map((r) => r.id), [1000]);
  }
  clock.set(970);
  for (let i = 0; i < 32; i++) s.enqueue({ id: i, arrival: i * 0.5, deadline: 1000 + i * 0.5, payload: null });
  const out: string[] = [];
  for (;;) {
    const { dispatch, expired } = s.next();
    if (expired.length > 0) out.push(`expired ${expired.map((r) => r.id).join(',')}`);
    if (dispatch === null) return out;
    out.push(`${clock.now().toFixed(2)}: ${dispatch.subnetId}x${dispatch.requests.length}`);
    clock.advance(dispatch.expectedLatencyMs);
    for (const r of dispatch.requests) assert.ok(clock.now() <= r.deadline, `request ${r.id} misses under ${policy}${seen60s ? ' after a 60 s request' : ''}`);
  }
}

for (const policy of ['slackfit-q', 'slackfit-m', 'default']) {
  test(`${policy}: decisions for 1 s requests are identical whether or not a 60 s request was seen earlier`, () => {
    const fresh = burst(policy, false);
    assert.equal(burst(policy, true), fresh);
    assert.is(fresh[0]!.split(': ')[1], '0x16', 'the head\'s 30 ms allow two rounds only on the fastest sub-network');
  });
}

test('a 60 s request still queued does not stretch the plan for the 1 s requests ahead of it', () => {
  const p = createPolicy('slackfit-q', profile);
  const near = { count: 32, firstSlackMs: 30, lastSlackMs: 45.5 };
  const withFar = p.decide(30, 33, 0, { headSloMs: 1000, classes: [near, { count: 1, firstSlackMs: 59_000, lastSlackMs: 59_000 }] });
  assert.is(show(withFar), show(p.decide(30, 32, 0, { headSloMs: 1000, classes: [near] })));
  assert.is(show(withFar), '0x16');
  // what the old "largest slack ever seen" planning picked: the queue assumed spread up to 60 s
  assert.is(show(p.decide(30, 32, 0, { headSloMs: 1000, classes: [{ count: 32, firstSlackMs: 30, lastSlackMs: 60_000 }] })), '3x16');
});

test('slackfit-m: the margin never drops a head slackfit-q would serve (A40 x2.5, 8 queued, slack 8 ms, m = 0.20)', () => {
  const ctx = { headSloMs: 36, classes: [{ count: 8, firstSlackMs: 8, lastSlackMs: 36 }] };
  const q = createPolicy('slackfit-q', profile) as SlackFitQPolicy;
  const m = createPolicy('slackfit-m', profile) as SlackFitMPolicy;
  for (let i = 0; i < 100; i++) m.observe(10, 12); // every batch 20 % over its prediction
  assert.ok(Math.abs(m.margin - 0.2) < 1e-9, `margin ${m.margin}`);
  const dq = q.decide(8, 8, 0, ctx)!;
  assert.is(show(dq), '0x7');
  assert.ok(dq.expectedLatencyMs <= 8);
  const dm = m.decide(8, 8, 0, ctx)!;
  assert.ok(dm.expectedLatencyMs <= 8, `slackfit-m picked ${show(dm)} taking ${dm.expectedLatencyMs.toFixed(2)} ms for an 8 ms slack`);
  // over a range of slacks and queues: whenever slackfit-q serves the head in time, so does slackfit-m
  for (let slack = 4; slack <= 40; slack += 0.25) for (const n of [1, 2, 5, 8, 16, 32]) {
    const c = { headSloMs: 40, classes: [{ count: n, firstSlackMs: slack, lastSlackMs: 40 }] };
    const a = q.decide(slack, n, 0, c);
    if (a !== null && a.expectedLatencyMs <= slack) {
      const b = m.decide(slack, n, 0, c);
      assert.ok(b !== null && b.expectedLatencyMs <= slack, `slack ${slack}, n ${n}: q ${show(a)}, m ${show(b)}`);
    }
  }
});

test('probes do not change policy state: the expiry timer and shedding ask for decisions never run', () => {
  const clock = new VirtualClock(0);
  const policy = createPolicy('slackfit-q', profile) as SlackFitQPolicy;
  const s = new Scheduler<null>({ clock, policy, profile });
  s.enqueue({ id: 0, arrival: 0, deadline: 36, payload: null });
  s.next();
  const u = policy.utilizationAt(5);
  const slo = policy.typicalSloMs;
  for (let i = 1; i <= 40; i++) s.enqueue({ id: i, arrival: 0, deadline: 36 + i, payload: null });
  for (let k = 0; k < 200; k++) { s.expireDue(); s.headDoomAt(); }
  assert.is(policy.utilizationAt(5), u);
  assert.is(policy.typicalSloMs, slo);
  s.next(); // one batch runs: now the state moves
  assert.ok(policy.utilizationAt(5) > u);
});

test.run();
