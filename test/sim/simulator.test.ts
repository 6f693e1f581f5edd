import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LatencyProfile } from '../../src/scheduler/index.ts';
import { loadProfile, forwardOnly } from '../../src/sim/profiles.ts';
import { simulate } from '../../src/sim/simulator.ts';
import { validateSummary } from '../../src/sim/summary.ts';
import { burstyTrace } from '../../src/sim/traces.ts';

// Two sub-networks whose latencies make every decision computable by hand.
const TOY: LatencyProfile = {
  batchSizes: [1, 2, 4],
  subnets: [
    { id: 0, accuracy: 70, latencyMs: { 1: 4, 2: 6, 4: 8 } },
    { id: 1, accuracy: 80, latencyMs: { 1: 20, 2: 30, 4: 50 } },
  ],
};
const ID = { experiment: 't', trace: 't', policy: 'p', workers: 1, slo_ms: 25 };

test('hand-computed: maxacc, 2 workers, SLO 25 ms: every request on time, accuracy exactly 75', () => {
  // t=0  r0 -> worker 1: subnet 1 (80 %), batch 1, done 20       (latency 20)
  // t=1  r1 -> worker 0: subnet 1, batch 1, done 21              (latency 20)
  // t=2..4 r2..r4 wait (deadlines 27, 28, 29)
  // t=20 worker 1 pulls: head r2 slack 7 -> subnet 1 needs 20: no; subnet 0 largest batch <= 7 ms is 2 (6 ms)
  //      -> r2, r3 on subnet 0, done 26 (latencies 24, 23)
  // t=21 worker 0 pulls: head r4 slack 8 -> subnet 0 batch 4 (8 ms) fits; 1 queued -> l(1) = 4, done 25 (latency 21)
  // t=50 r5 -> worker 1 (LIFO idle stack): subnet 1, done 70 (latency 20)
  const seen: string[] = [];
  const r = simulate({
    profile: TOY, arrivalsMs: Float64Array.from([0, 1, 2, 3, 4, 50]), policy: 'maxacc', workers: 2, sloMs: 25,
    onDispatch: (d, w) => seen.push(`${d.decidedAt}:w${w}:s${d.subnetId}:[${d.requests.map((q) => q.id).join(',')}]`),
  });
  assert.equal(seen, ['0:w1:s1:[0]', '1:w0:s1:[1]', '20:w1:s0:[2,3]', '21:w0:s0:[4]', '50:w1:s1:[5]']);
  const run = r.recorder.toRun(ID);
  assert.is(run.sent, 6); assert.is(run.answered, 6); assert.is(run.ok, 6);
  assert.is(run.slo_attainment, 1);
  assert.is(run.mean_accuracy, 75);
  assert.is(run.p50_ms, 20); // sorted latencies 20 20 20 21 23 24
  assert.is(run.p99_ms, 24);
  assert.equal(run.subnet_mix, { 0: 0.5, 1: 0.5 });
  assert.is(r.endMs, 70);
});

test('hand-computed: maxacc, 1 worker: requests that cannot be served in time are refused on arrival, attainment 0.2', () => {
  // Slower small subnet: t=0 r0 on subnet 1 until 20. r1..r4 arrive at 1..4 (deadlines 26..29): the worker
  // frees at 20 and the cheapest option takes 10, so none can finish before 30: refused at once (overloaded).
  const slow: LatencyProfile = { ...TOY, subnets: [{ id: 0, accuracy: 70, latencyMs: { 1: 10, 2: 12, 4: 16 } }, TOY.subnets[1]!] };
  const r = simulate({ profile: slow, arrivalsMs: Float64Array.from([0, 1, 2, 3, 4]), policy: 'maxacc', workers: 1, sloMs: 25 });
  const run = r.recorder.toRun(ID);
  assert.is(run.slo_attainment, 0.2);
  assert.is(run.mean_accuracy, 80);
  assert.equal(run.errors, { overloaded: 4 });
  assert.is(run.answered, 5); assert.is(run.ok, 1);
});

test('hand-computed: a queued head is expired by the timer at deadline - cheapest latency, before its worker frees', () => {
  // fixed:1 (20 ms at b1, 28 at b2), SLO 45. t=0 r0 on the worker until 20. r1 at t=1 (deadline 46): free at 20,
  // + 20 = 40 <= 46: admitted. Its batch is noisy: the simulated worker takes 60 ms for r0, so r1 is still queued at
  // 46 - 20 = 26, when the timer expires it (answered at 26, not at the worker's next pull at 60).
  const expiredAt: number[] = [];
  let t = 0;
  const r = simulate({
    profile: TOY, arrivalsMs: Float64Array.from([0, 1]), policy: 'fixed:1', workers: 1, sloMs: 45,
    durationOf: (_s, _b, expected) => (t++ === 0 ? 60 : expected),
    onExpired: (ex) => expiredAt.push(...ex.map((q) => q.id)),
  });
  const run = r.recorder.toRun(ID);
  assert.equal(expiredAt, [1]);
  assert.equal(run.errors, { deadline: 1 });
  assert.is(run.ok, 1);
  assert.is(r.endMs, 60);
});

test('hand-computed: a killed worker\'s batch is re-queued and served by the survivor', () => {
  // fixed:0, 2 workers. t=0 r0 -> w1 until 4; t=1 r1 -> w0 until 5; t=2 w1 dies, r0 re-queued (slack 23);
  // t=5 w0 finishes r1 (latency 4) and takes r0 until 9 (latency 9). Both on time.
  const seen: string[] = [];
  const r = simulate({
    profile: TOY, arrivalsMs: Float64Array.from([0, 1]), policy: 'fixed:0', workers: 2, sloMs: 25, failAtMs: [2],
    onDispatch: (d, w) => seen.push(`${d.decidedAt}:w${w}:[${d.requests.map((q) => q.id).join(',')}]`),
  });
  assert.equal(seen, ['0:w1:[0]', '1:w0:[1]', '5:w0:[0]']);
  const run = r.recorder.toRun(ID);
  assert.is(run.slo_attainment, 1); assert.is(run.mean_accuracy, 70);
  assert.is(run.p50_ms, 4); assert.is(run.p99_ms, 9);
  // the only worker dies at t=2 with r0 in flight: r0 (re-queued), r1 and r2 wait for a worker that never comes
  // and are answered by the expiry timer when they can no longer make their deadline
  const dead = simulate({ profile: TOY, arrivalsMs: Float64Array.from([0, 1, 10]), policy: 'fixed:0', workers: 1, sloMs: 25, failAtMs: [2] });
  const d = dead.recorder.toRun(ID);
  assert.is(d.sent, 3); assert.is(d.ok, 0); assert.is(d.answered, 3);
  assert.equal(d.errors, { deadline: 3 });
});

test('A40 profile: forward-only vs end-to-end loading, and a real run gives a well-formed summary', () => {
  const fwd = loadProfile('a40', 1).profile;
  const e2e = loadProfile('a40', 1, 'mean', 'end-to-end').profile;
  const s0f = fwd.subnets[0]!; const s0e = e2e.subnets[0]!;
  assert.ok(Math.abs(s0f.latencyMs[16]! - 6.27) < 0.01, `forward b16 ${s0f.latencyMs[16]}`);
  assert.ok(Math.abs(s0e.latencyMs[1]! - 5.109) < 0.01, `e2e b1 ${s0e.latencyMs[1]}`);
  assert.ok(loadProfile('2080ti').scale === 2.5);
  assert.is(forwardOnly({ models: [{ latency_and_batch_ns: [{ batch_size: 1, mean: 7 }] }] }) !== null, true);
  const trace = burstyTrace({ baseRate: 1500, rate: 5550, cv2: 8, durationS: 3, seed: 1 });
  const r = simulate({ profile: loadProfile('a40', 2.5).profile, arrivalsMs: trace.arrivalsMs, policy: 'slackfit', workers: 8, sloMs: 36, durationMs: 3000 });
  const run = r.recorder.toRun({ ...ID, workers: 8, slo_ms: 36 });
  assert.equal(validateSummary({ runs: [run] }), []);
  assert.is(run.sent, trace.arrivalsMs.length);
  assert.is(run.answered, run.sent);
  assert.ok(run.slo_attainment > 0.5 && run.mean_accuracy > 73.8, JSON.stringify(run));
});

test.run();
