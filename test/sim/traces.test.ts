import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureTrace, readAzureMinuteCounts, findAzureFile, traceFromMinuteCounts, AzureTraceError } from '../../src/sim/azure.ts';
import { decodeTrace, encodeTrace, readTraceFile, writeTraceFile, TraceFormatError } from '../../src/sim/trace-file.ts';
import { burstyTrace, poissonTrace, rampShape, timeVaryingTrace, traceStats, TraceParamError } from '../../src/sim/traces.ts';

const within = (v: number, target: number, relTol: number, what: string) =>
  assert.ok(Math.abs(v - target) <= relTol * target, `${what}: ${v} not within ${relTol * 100}% of ${target}`);

function countIn(a: Float64Array, fromMs: number, toMs: number): number {
  let n = 0;
  for (const t of a) if (t >= fromMs && t < toMs) n++;
  return n;
}

test('poisson: rate within 1% and CV² within 0.05 of 1 over 200k arrivals', () => {
  const t = poissonTrace({ rate: 1000, durationS: 200, seed: 7 });
  const s = traceStats(t.arrivalsMs, 200);
  within(s.rate, 1000, 0.01, 'rate');
  assert.ok(Math.abs(s.cv2 - 1) < 0.05, `cv2 ${s.cv2}`);
});

test('bursty: the gamma stream alone hits the target CV² (2 and 8) within 5%; with the base stream the rate adds up', () => {
  for (const cv2 of [2, 8]) {
    const g = burstyTrace({ baseRate: 0, rate: 5000, cv2, durationS: 100, seed: 3 });
    const s = traceStats(g.arrivalsMs, 100);
    within(s.rate, 5000, 0.02, `rate cv2=${cv2}`);
    within(s.cv2, cv2, 0.05, `cv2=${cv2}`);
  }
  const b = burstyTrace({ baseRate: 1500, rate: 4900, cv2: 4, durationS: 60, seed: 3 });
  within(traceStats(b.arrivalsMs, 60).rate, 6400, 0.02, 'bursty total rate');
  for (let i = 1; i < b.arrivalsMs.length; i++) assert.ok(b.arrivalsMs[i]! >= b.arrivalsMs[i - 1]!, 'sorted');
});

test('time-varying: warm, ramp and hold phases carry the right counts and the warm phase keeps its CV²', () => {
  const t = timeVaryingTrace({ rateFrom: 2000, rateTo: 6000, accel: 500, cv2: 2, warmS: 40, durationS: 88, seed: 11 });
  assert.is(t.meta.rampS, 8);
  within(countIn(t.arrivalsMs, 0, 40_000), 80_000, 0.03, 'warm count');
  within(countIn(t.arrivalsMs, 40_000, 48_000), 8 * 4000, 0.05, 'ramp count (mean rate 4000)');
  within(countIn(t.arrivalsMs, 48_000, 88_000), 240_000, 0.03, 'hold count');
  const warm = t.arrivalsMs.filter((x) => x < 40_000);
  within(traceStats(warm, 40).cv2, 2, 0.08, 'warm cv2');
  // a falling ramp is the mirror image
  const down = rampShape(6000, 2000, 500, 10);
  within(down.opsAt(18) - down.opsAt(10), 8 * 4000, 1e-9, 'falling ramp ops');
  assert.ok(Math.abs(down.timeAtOps(down.opsAt(14.5)) - 14.5) < 1e-9, 'inverse');
});

test('same seed gives the same trace byte for byte; another seed does not', () => {
  const a = encodeTrace(burstyTrace({ baseRate: 1500, rate: 2950, cv2: 8, durationS: 5, seed: 42 }));
  const b = encodeTrace(burstyTrace({ baseRate: 1500, rate: 2950, cv2: 8, durationS: 5, seed: 42 }));
  const c = encodeTrace(burstyTrace({ baseRate: 1500, rate: 2950, cv2: 8, durationS: 5, seed: 43 }));
  assert.is(a, b);
  assert.is.not(a, c);
  const p1 = encodeTrace(timeVaryingTrace({ rateFrom: 100, rateTo: 300, accel: 50, cv2: 8, warmS: 1, durationS: 6, seed: 5 }));
  const p2 = encodeTrace(timeVaryingTrace({ rateFrom: 100, rateTo: 300, accel: 50, cv2: 8, warmS: 1, durationS: 6, seed: 5 }));
  assert.is(p1, p2);
});

test('trace file round-trips to the microsecond and rejects bad files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ss-trace-'));
  const t = poissonTrace({ rate: 500, durationS: 4, seed: 1 });
  writeTraceFile(join(dir, 'p.trace'), t);
  const back = readTraceFile(join(dir, 'p.trace'));
  assert.is(back.arrivalsMs.length, t.arrivalsMs.length);
  assert.is(back.meta.kind, 'poisson');
  for (let i = 0; i < t.arrivalsMs.length; i++) assert.ok(Math.abs(back.arrivalsMs[i]! - t.arrivalsMs[i]!) <= 0.0005 + 1e-9);
  assert.throws(() => decodeTrace('hello\n1\n'), (e: unknown) => e instanceof TraceFormatError);
  assert.throws(() => decodeTrace('#superserve-trace v1\n12\n-3\n'), /line 3|:3:/);
  assert.throws(() => decodeTrace('#superserve-trace v1\n#meta {"kind":"x","durationS":1,"count":3}\n1\n2\n'), /truncated/);
  assert.throws(() => poissonTrace({ rate: -1, durationS: 1, seed: 1 }), (e: unknown) => e instanceof TraceParamError);
});

test('azure: the synthetic CSV sums per minute exactly and the compressed trace follows the curve', async () => {
  const file = findAzureFile('data/traces/azure-sample');
  const counts = await readAzureMinuteCounts(file);
  assert.is(counts.length, 1440);
  assert.is(counts[0], 10 + 120 + 20 + 0);
  assert.is(counts[1], 10 + 0 + Math.round(20 + 10 * Math.sin((2 * Math.PI) / 1440)) + 0);
  assert.is(counts[600], 10 + 120 + Math.round(20 + 10 * Math.sin((2 * Math.PI * 600) / 1440)) + 50);
  const top1 = await readAzureMinuteCounts(file, 1); // function C has the most invocations
  assert.is(top1[0], 20);
  const t = traceFromMinuteCounts(counts, { rate: 2000, durationS: 1440, seed: 2 }, 'sample'); // 1 s per minute
  within(t.arrivalsMs.length, 2000 * 1440, 0.01, 'total');
  const mean = counts.reduce((a, b) => a + b, 0) / 1440;
  within(countIn(t.arrivalsMs, 600_000, 660_000), (2000 * counts.slice(600, 660).reduce((a, b) => a + b, 0)) / mean, 0.03, 'minutes 600-659');
  assert.ok((await azureTrace({ rate: 100, durationS: 10, seed: 1 })).arrivalsMs.length > 0);
  assert.throws(() => findAzureFile('data/traces'), (e: unknown) => e instanceof AzureTraceError);
});

test('azure default: the MAF-shaped curve gives the mean rate and periodic spikes', async () => {
  const t = await azureTrace({ rate: 6400, durationS: 120, seed: 1 });
  within(t.arrivalsMs.length / 120, 6400, 0.01, 'mean rate');
  assert.ok((t.meta.peakRate as number) > 8000, `peak ${t.meta.peakRate}`);
});

test.run();
