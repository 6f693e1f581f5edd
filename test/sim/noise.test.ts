import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { latencyNoise, NoiseError, quantileShape, sampleShape, shapeCv } from '../../src/sim/noise.ts';
import { ProfileTable } from '../../src/scheduler/index.ts';
import { loadProfile, noiseFor } from '../../src/sim/profiles.ts';
import { Rng } from '../../src/sim/rng.ts';
import { simulate } from '../../src/sim/simulator.ts';
import { burstyTrace } from '../../src/sim/traces.ts';

function moments(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) };
}

const A40 = loadProfile('a40', 1);
type Entry = { batch_size: number; mean: number; std: number };
const entries = (A40.json as { models: { id: number; latency_and_batch_ns: Entry[] }[] }).models;

test("noise is seeded: the same seed gives the same draws, another seed others", () => {
  const draw = (seed: number) => { const n = noiseFor(A40, 'profile', seed)!; return Array.from({ length: 50 }, (_, i) => n.durationOf(5, 1 + (i % 16), 0)); };
  assert.equal(draw(7), draw(7));
  assert.not.equal(draw(7), draw(8));
  assert.is(noiseFor(A40, 'none', 7), undefined);
});

test("A40 profile: each point's draws have the profile's mean and std (forward stage) within tolerance", () => {
  const n = noiseFor(A40, 'profile', 3)!;
  assert.is(n.source, 'mean/std');
  for (const [id, b] of [[0, 1], [0, 16], [3, 8], [5, 2], [5, 16], [4, 4]] as const) {
    const e = entries.find((m) => m.id === id)!.latency_and_batch_ns.find((x) => x.batch_size === b)!;
    const xs = Array.from({ length: 40_000 }, () => n.durationOf(id, b, -1));
    const m = moments(xs);
    const want = A40.meanProfile.subnets.find((s) => s.id === id)!.latencyMs[b]!;
    // the running-max fix can raise a mean; the spread keeps the profile's coefficient of variation
    const wantStd = (e.std / e.mean) * want;
    assert.ok(Math.abs(m.mean / want - 1) < 0.005, `subnet ${id} b${b}: mean ${m.mean} vs ${want}`);
    assert.ok(Math.abs(m.std / wantStd - 1) < 0.05, `subnet ${id} b${b}: std ${m.std} vs ${wantStd}`);
    assert.ok(xs.every((x) => x > 0));
  }
  // a device scale keeps the coefficient of variation
  const scaled = noiseFor(loadProfile('a40', 2.5), 'profile', 3)!;
  const cv = (nm: typeof n) => nm.stats(5, 16).cv;
  assert.ok(Math.abs(cv(scaled) - cv(n)) < 1e-12);
  assert.ok(scaled.stats(5, 16).meanMs > 2 * n.stats(5, 16).meanMs);
});

test('measured quantiles: draws follow the stored distribution; batches in between interpolate', () => {
  const q8 = [80, 90, 95, 100, 140]; // ns, at p = 0, .25, .5, .75, 1
  const json = { models: [{ id: 0, accuracy: 70, latency_and_batch_ns: [
    { batch_size: 1, mean: 10, std: 1, p99: 12, quantiles: [8, 9, 10, 11, 12] },
    { batch_size: 8, mean: 101, std: 12, p99: 139, quantiles: q8 },
  ] }] };
  const profile = { batchSizes: [1, 8], subnets: [{ id: 0, accuracy: 70, latencyMs: { 1: 10, 8: 100 } }] };
  const n = latencyNoise(profile, json, 11);
  assert.is(n.source, 'quantiles');
  const xs = Array.from({ length: 40_000 }, () => n.durationOf(0, 8, 0)).sort((a, b) => a - b);
  const shape = quantileShape(q8);
  const scale = 100; // the profile's mean; the shape is q / mean(shape)
  const ratios = (shape as { ratios: Float64Array }).ratios;
  for (const [p, i] of [[0.25, 1], [0.5, 2], [0.75, 3]] as const) {
    const got = xs[Math.floor(p * xs.length)]!;
    assert.ok(Math.abs(got / (ratios[i]! * scale) - 1) < 0.01, `p${p * 100}: ${got} vs ${ratios[i]! * scale}`);
  }
  assert.ok(xs[0]! >= ratios[0]! * scale - 1e-9 && xs.at(-1)! <= ratios[4]! * scale + 1e-9);
  assert.ok(Math.abs(moments(xs).mean / 100 - 1) < 0.005);
  const mid = n.stats(0, 4); // halfway-ish between the two shapes
  assert.ok(mid.cv > shapeCv(quantileShape([8, 9, 10, 11, 12])) && mid.cv < shapeCv(shape));
  assert.throws(() => quantileShape([3, 2]), (e: unknown) => e instanceof NoiseError);
  assert.throws(() => latencyNoise(profile, { models: [] }, 1), /no model with id 0/);
  const rng = new Rng(1);
  assert.is(sampleShape({ kind: 'constant' }, rng), 1);
});

test('a noisy simulation is reproducible, differs from the noise-free one, and the scheduler still plans from the profile', () => {
  const lp = loadProfile('a40', 2.5);
  const trace = burstyTrace({ baseRate: 1500, rate: 4900, cv2: 4, durationS: 2, seed: 1 });
  const run = (seed?: number) => {
    const expected: number[] = []; let off = 0;
    const table = new ProfileTable(lp.profile);
    const nm = seed === undefined ? undefined : noiseFor(lp, 'profile', seed)!;
    const r = simulate({
      profile: lp.profile, arrivalsMs: trace.arrivalsMs, policy: 'slackfit', workers: 8, sloMs: 36, adaptLatency: false,
      ...(nm ? { durationOf: nm.durationOf } : {}), onDispatch: (d) => {
        expected.push(d.expectedLatencyMs);
        if (d.expectedLatencyMs !== table.latency(table.indexOf(d.subnetId), d.requests.length)) off++;
      },
    });
    assert.is(off, 0, 'planned latencies are the profile\'s');
    return { att: r.recorder.onTime, expected };
  };
  const a = run(5); const b = run(5); const none = run();
  assert.equal(a, b);
  assert.not.equal(a.att, none.att);
});

test.run();
