/**
 * Request classes in traces and runs: trace v2 (delta_us slo_ms priority), --slo-mix / --priority-mix from
 * their own seeded streams, and per-class results of mixed-SLO and priority simulations.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as traceCmd } from '../../src/commands/trace.ts';
import { run as simulateCmd } from '../../src/commands/simulate.ts';
import { loadProfile } from '../../src/sim/profiles.ts';
import { classesOf, parseMix, priorityLevel, withClassMix, ClassMixError } from '../../src/sim/request-classes.ts';
import { simulate } from '../../src/sim/simulator.ts';
import { validateSummary, type ClassRun } from '../../src/sim/summary.ts';
import { decodeTrace, encodeTrace, readTraceFile, TraceFormatError } from '../../src/sim/trace-file.ts';
import { burstyTrace, poissonTrace } from '../../src/sim/traces.ts';

const dir = mkdtempSync(join(tmpdir(), 'ss-classes-'));
const quiet = async <T>(f: () => Promise<T>): Promise<T> => {
  const w = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try { return await f(); } finally { process.stderr.write = w; }
};

test('trace v2: per-request SLO and priority round-trip; v1 still reads; bad lines are named', () => {
  const t = withClassMix(poissonTrace({ rate: 500, durationS: 1, seed: 1 }), { sloMix: parseMix('36:0.5,360:0.5', '--slo-mix', false), priorityMix: parseMix('1:0.2,0:0.8', '--priority-mix', true), seed: 1 });
  const text = encodeTrace(t);
  assert.ok(text.startsWith('#superserve-trace v2\n'));
  assert.match(text.split('\n')[2]!, /^\d+ (36|360) [01]$/);
  const back = decodeTrace(text);
  assert.equal(back.sloMs, t.sloMs);
  assert.equal(back.priority, t.priority);
  assert.equal(back.arrivalsMs, decodeTrace(encodeTrace({ meta: t.meta, arrivalsMs: t.arrivalsMs })).arrivalsMs);
  const v1 = decodeTrace('#superserve-trace v1\n10\n20\n');
  assert.equal([...v1.arrivalsMs], [0.01, 0.03]);
  assert.is(v1.sloMs, undefined);
  assert.throws(() => decodeTrace('#superserve-trace v2\n10 36\n'), (e: Error) => e instanceof TraceFormatError && /:2: expected "delta_us slo_ms priority"/.test(e.message));
  assert.throws(() => decodeTrace('#superserve-trace v2\n10 36 -1\n'), /priority must be a non-negative integer/);
  assert.throws(() => decodeTrace('#superserve-trace v2\n10 x 1\n'), /slo_ms must be/);
});

test('mixes: fractions parsed and checked; Triton priority mapping (0 and out of range -> the default level)', () => {
  assert.equal(parseMix('1000:0.9,10000:0.1', '--slo-mix', false), [{ value: 1000, fraction: 0.9 }, { value: 10000, fraction: 0.1 }]);
  assert.throws(() => parseMix('1000:0.9', '--slo-mix', false), (e: Error) => e instanceof ClassMixError && /sum to 1/.test(e.message));
  assert.throws(() => parseMix('1.5:1', '--priority-mix', true), /P:FRAC/);
  assert.throws(() => parseMix('0:1', '--slo-mix', false), /MS:FRAC/);
  assert.equal([0, 1, 2, 3, undefined].map((p) => priorityLevel(p, 2)), [2, 1, 2, 2, 2]);
});

test('superserve trace --slo-mix --priority-mix: the same arrival times as without the mix, classes in the drawn shares', async () => {
  const plain = join(dir, 'plain.trace'); const mixed = join(dir, 'mixed.trace');
  const base = ['bursty', '--rate', '2950', '--cv2', '4', '--duration-s', '2', '--seed', '5'];
  assert.is(await quiet(() => traceCmd([...base, '--out', plain])), 0);
  assert.is(await quiet(() => traceCmd([...base, '--slo-mix', '1000:0.9,10000:0.1', '--priority-mix', '1:0.5,0:0.5', '--out', mixed])), 0);
  const a = readTraceFile(plain); const b = readTraceFile(mixed);
  assert.equal(b.arrivalsMs, a.arrivalsMs);
  const n = b.sloMs!.length;
  const long = b.sloMs!.filter((s) => s === 10000).length / n;
  assert.ok(long > 0.08 && long < 0.12, `10 s share ${long}`);
  const high = b.priority!.filter((p) => p === 1).length / n;
  assert.ok(high > 0.45 && high < 0.55, `priority-1 share ${high}`);
  assert.is(b.meta.slo_mix, '1000:0.9,10000:0.1');
  assert.is(await quiet(() => traceCmd([...base, '--slo-mix', '1000:0.5', '--out', mixed])), 2, 'a mix that does not sum to 1 is a usage error');
});

const lp = loadProfile('a40', 2.5);
const run = (arrivals: Float64Array, classes: ReturnType<typeof classesOf>, policy = 'default') => {
  const r = simulate({ profile: lp.profile, arrivalsMs: arrivals, policy, workers: 8, sloMs: 36, requestClasses: classes, adaptLatency: true });
  return r.recorder.toRun({ experiment: 't', trace: 't', policy, workers: 8, slo_ms: 36 });
};
const cls = (cs: ClassRun[] | undefined, slo: number, prio: number) => cs!.find((c) => c.slo_ms === slo && c.priority === prio)!;

test('mixed-SLO simulation: each request keeps its own deadline, results per class add up to the run', () => {
  const t = burstyTrace({ baseRate: 1500, rate: 5550, cv2: 8, durationS: 3, seed: 4 });
  const mixed = withClassMix(t, { sloMix: [{ value: 36, fraction: 0.5 }, { value: 360, fraction: 0.5 }], seed: 1 });
  const r = run(t.arrivalsMs, classesOf(mixed, 36), 'slackfit');
  assert.equal(validateSummary({ runs: [r] }), []);
  assert.is(r.classes!.length, 2);
  const short = cls(r.classes, 36, 2); const long = cls(r.classes, 360, 2);
  assert.is(short.sent + long.sent, r.sent);
  assert.is(short.ok + long.ok, r.ok);
  // the same requests with one 36 ms SLO: the 360 ms half can only do better with its own deadline
  const one = run(t.arrivalsMs, classesOf(t, 36), 'slackfit');
  assert.is(one.classes!.length, 1);
  assert.ok(r.slo_attainment > one.slo_attainment, `${r.slo_attainment} vs ${one.slo_attainment}`);
  assert.ok(r.p99_ms > 36, 'some 360 ms requests were served after 36 ms (and counted on time)');
  const d = run(t.arrivalsMs, classesOf(mixed, 36));
  for (const c of d.classes!) assert.ok(c.slo_attainment >= 0.99, `default policy, class ${c.slo_ms} ms: ${c.slo_attainment}`);
});

test('priority simulation at 2x overload: the important class keeps its deadlines, the other is refused first', () => {
  const t = poissonTrace({ rate: 16000, durationS: 1.5, seed: 4 });
  const mixed = withClassMix(t, { priorityMix: [{ value: 1, fraction: 0.3 }, { value: 0, fraction: 0.7 }], seed: 1 });
  const r = run(t.arrivalsMs, classesOf(mixed, 36));
  const high = cls(r.classes, 36, 1); const low = cls(r.classes, 36, 2);
  assert.ok(high.slo_attainment > 0.95, `level 1: ${high.slo_attainment}`);
  assert.ok(low.slo_attainment < 0.6, `level 2: ${low.slo_attainment}`);
  assert.ok((low.errors.overloaded ?? 0) > 0 && (high.errors.overloaded ?? 0) === 0, JSON.stringify([high.errors, low.errors]));
  // without priorities the same load hits both halves alike
  const flat = run(t.arrivalsMs, classesOf(t, 36));
  assert.ok(high.slo_attainment > flat.slo_attainment + 0.3, `${high.slo_attainment} vs ${flat.slo_attainment}`);
});

test('simulate on a v2 trace writes runs[].classes[] in summary.json', async () => {
  const t = join(dir, 'c.trace'); const out = join(dir, 'sim');
  assert.is(await quiet(() => traceCmd(['poisson', '--rate', '3000', '--duration-s', '1', '--slo-mix', '36:0.8,100:0.2', '--priority-mix', '1:0.5,2:0.5', '--out', t])), 0);
  assert.is(await quiet(() => simulateCmd(['--trace', t, '--policy', 'default', '--priority-levels', '3', '--slo-target', '0.995', '--out', out])), 0);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(validateSummary(s), []);
  assert.equal(s.runs[0].classes.map((c: ClassRun) => `${c.slo_ms}/${c.priority}`), ['36/1', '36/2', '100/1', '100/2']);
  assert.is(s.runs[0].params.slo_target, 0.995);
  assert.is(await quiet(() => simulateCmd(['--trace', t, '--policy', 'default', '--slo-target', '1', '--out', out])), 2);
});

test.run();
