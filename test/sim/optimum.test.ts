import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LatencyProfile } from '../../src/scheduler/index.ts';
import { bruteForceFrontier } from '../../src/sim/optimum/brute-force.ts';
import { exactOptimum } from '../../src/sim/optimum/exact.ts';
import { fluidBound } from '../../src/sim/optimum/fluid-bound.ts';
import { checkSchedule, optimumInstance, OptimumError } from '../../src/sim/optimum/instance.ts';
import { Rng } from '../../src/sim/rng.ts';
import { simulate } from '../../src/sim/simulator.ts';

// Three sub-networks; batching pays off (per-request cost falls with the batch), the larger ones are slower.
const TOY: LatencyProfile = { batchSizes: [1, 2, 4], subnets: [
  { id: 0, accuracy: 70, latencyMs: { 1: 4, 2: 5, 4: 7 } },
  { id: 1, accuracy: 75, latencyMs: { 1: 6, 2: 8, 4: 12 } },
  { id: 2, accuracy: 80, latencyMs: { 1: 9, 2: 13, 4: 21 } },
] };

function arrivals(rng: Rng, n: number, meanGap: number): number[] {
  let t = 0; const out: number[] = [];
  for (let i = 0; i < n; i++) { t += Math.round(rng.exponential(meanGap) * 4) / 4; out.push(t); }
  return out;
}

const frontierMax = (f: number[]) => f.reduce((m, v, k) => (v > Number.NEGATIVE_INFINITY ? k : m), 0);

test('hand-computed: one worker, SLO 10, two requests 1 ms apart', () => {
  // together on subnet 1 (b2: 8 ms, start at 1, end 9 <= 10): 150; apart: subnet 2 needs 9 ms, so the second waits
  const inst = optimumInstance(TOY, [0, 1], 10, 1);
  const f = bruteForceFrontier(inst);
  assert.equal(f, [0, 80, 150]);
});

test('the MIP equals the exhaustive search on tiny traces (best count and accuracy at every count); the fluid bound is above both', async () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 6; trial++) {
    const n = 3 + (trial % 4); const W = 1 + (trial % 2);
    const inst = optimumInstance(TOY, arrivals(rng, n, 2.5), 15, W);
    const f = bruteForceFrontier(inst);
    const kmax = frontierMax(f);
    const count = await exactOptimum(inst, { kind: 'count' });
    assert.is(count.status, 'optimal');
    assert.is(count.onTime, kmax, `trial ${trial}: count`);
    for (const k of [kmax, Math.max(1, kmax - 1)]) {
      const acc = await exactOptimum(inst, { kind: 'accuracy', onTime: k });
      assert.ok(Math.abs(acc.accuracySum - f[k]!) < 1e-6, `trial ${trial} k=${k}: MIP ${acc.accuracySum} vs search ${f[k]}`);
    }
    const fb = fluidBound(inst, { slotMs: 0.25 });
    assert.ok(fb.maxOnTime >= kmax - 1e-9, `trial ${trial}: fluid count ${fb.maxOnTime} < ${kmax}`);
    for (let k = 1; k <= kmax; k++) {
      if (f[k] === Number.NEGATIVE_INFINITY) continue;
      assert.ok(fb.accuracyAt(k / n) * k >= f[k]! - 1e-6, `trial ${trial} k=${k}: bound ${fb.accuracyAt(k / n) * k} < optimum ${f[k]}`);
    }
  }
});

test('the optimum is at least as good as every policy and setting on small overloaded traces', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 4; trial++) {
    const arr = arrivals(rng, 9, 1.2);
    for (const W of [1, 2]) {
      const inst = optimumInstance(TOY, arr, 15, W);
      const f = bruteForceFrontier(inst);
      const kmax = frontierMax(f);
      for (const policy of ['slackfit', 'slackfit-q', 'maxbatch', 'maxacc', 'infaas', 'fixed:1']) {
        for (const batchSizes of ['all', 'profiled'] as const) {
          for (const late of ['drop', 'serve'] as const) {
            const r = simulate({ profile: TOY, arrivalsMs: Float64Array.from(arr), policy, workers: W, sloMs: 15, policyOptions: { batchSizes, late } });
            const run = r.recorder.toRun({ experiment: 't', trace: 't', policy, workers: W, slo_ms: 15 });
            const k = r.recorder.onTime;
            const label = `${policy} ${batchSizes} ${late} W${W} trial ${trial}`;
            assert.ok(k <= kmax, `${label}: ${k} on time > optimum ${kmax}`);
            if (k > 0) assert.ok(run.mean_accuracy * k <= f[k]! + 1e-3, `${label}: accuracy sum ${run.mean_accuracy * k} > optimum ${f[k]} at ${k}`);
          }
        }
      }
    }
  }
});

test('checkSchedule rejects every broken rule', () => {
  const inst = optimumInstance(TOY, [0, 1, 2], 10, 1);
  assert.equal(checkSchedule(inst, [{ worker: 0, startMs: 1, subnetId: 1, requests: [0, 1] }]), { onTime: 2, accuracySum: 150 });
  const bad = (batches: Parameters<typeof checkSchedule>[1], re: RegExp) => assert.throws(() => checkSchedule(inst, batches), (e: unknown) => e instanceof OptimumError && re.test((e as Error).message));
  bad([{ worker: 0, startMs: 0, subnetId: 1, requests: [0, 1] }], /before it arrives/);
  bad([{ worker: 0, startMs: 3, subnetId: 1, requests: [0, 1] }], /after its deadline/);
  bad([{ worker: 0, startMs: 1, subnetId: 0, requests: [0] }, { worker: 0, startMs: 2, subnetId: 0, requests: [1] }], /before its previous one ends/);
  bad([{ worker: 0, startMs: 1, subnetId: 0, requests: [0] }, { worker: 1, startMs: 2, subnetId: 0, requests: [0] }], /unknown worker|twice/);
  bad([{ worker: 0, startMs: 2, subnetId: 9, requests: [2] }], /no option/);
});

test('fluid bound on a paper-sized trace: fast, at most 1, and above what the policies reach', () => {
  const rng = new Rng(2);
  const arr = arrivals(rng, 20_000, 0.8); // ~1250 q/s for 16 s
  const inst = optimumInstance(TOY, arr, 15, 2);
  const t0 = performance.now();
  const fb = fluidBound(inst);
  assert.ok(performance.now() - t0 < 20_000);
  assert.ok(fb.maxAttainment <= 1 && fb.maxAttainment > 0.5);
  for (const policy of ['slackfit', 'slackfit-q', 'infaas']) {
    const r = simulate({ profile: TOY, arrivalsMs: Float64Array.from(arr), policy, workers: 2, sloMs: 15, policyOptions: { batchSizes: 'all' } });
    const run = r.recorder.toRun({ experiment: 't', trace: 't', policy, workers: 2, slo_ms: 15 });
    assert.ok(run.slo_attainment <= fb.maxAttainment + 1e-9, `${policy} attainment ${run.slo_attainment} > bound ${fb.maxAttainment}`);
    assert.ok(run.mean_accuracy <= fb.accuracyAt(run.slo_attainment) + 1e-9, `${policy} accuracy ${run.mean_accuracy} > bound ${fb.accuracyAt(run.slo_attainment)}`);
  }
});

test.run();
