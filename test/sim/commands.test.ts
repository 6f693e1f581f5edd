import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as traceCmd } from '../../src/commands/trace.ts';
import { parseFailAt, run as simulateCmd } from '../../src/commands/simulate.ts';
import { run as experimentCmd } from '../../src/commands/experiment.ts';
import { validateSummary } from '../../src/sim/summary.ts';
import { readTraceFile } from '../../src/sim/trace-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ss-cmd-'));
const quiet = async <T>(f: () => Promise<T>): Promise<T> => {
  const w = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try { return await f(); } finally { process.stderr.write = w; }
};

test('trace -> simulate: files, summary.json schema, time series, plots; kill times parsed', async () => {
  const t = join(dir, 'b.trace');
  assert.is(await quiet(() => traceCmd(['bursty', '--rate', '2950', '--cv2', '4', '--duration-s', '3', '--seed', '2', '--out', t])), 0);
  assert.is(readTraceFile(t).meta.kind, 'bursty');
  const out = join(dir, 'sim');
  assert.is(await quiet(() => simulateCmd(['--trace', t, '--policy', 'slackfit', '--profile-scale', '2', '--fail-at', '1,2000ms', '--out', out])), 0);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(validateSummary(s), []);
  assert.is(s.runs[0].params.profile_scale, 2);
  assert.equal(s.runs[0].params.fail_at_ms, [1000, 2000]);
  const csv = readFileSync(join(out, 'timeseries.csv'), 'utf8').trim().split('\n');
  assert.ok(csv.length >= 30, `${csv.length} rows for 3 s at 100 ms`);
  assert.ok(csv[0]!.startsWith('t_s,sent,on_time'));
  assert.ok(readFileSync(join(out, 'plots', 'subnets.svg'), 'utf8').startsWith('<svg'));
  assert.equal(parseFailAt('12,24'), [12000, 24000]);
});

test('usage errors exit 2', async () => {
  assert.is(await quiet(() => traceCmd(['nope', '--out', 'x'])), 2);
  assert.is(await quiet(() => traceCmd(['poisson', '--rate', 'abc', '--out', 'x'])), 2);
  assert.is(await quiet(() => simulateCmd(['--trace', 'x'])), 2);
  assert.is(await quiet(() => simulateCmd(['--trace', 'x', '--policy', 'slackfit', '--out', 'y', '--workers', '0'])), 2);
  assert.is(await quiet(() => experimentCmd(['fig99', '--out', 'x'])), 2);
  assert.is(await quiet(() => experimentCmd(['fig9', '--out', 'x', '--bogus'])), 2);
});

test('experiment fig11c (short traces): report with the paper column, summary, one plot per trace', async () => {
  const out = join(dir, 'exp');
  assert.is(await quiet(() => experimentCmd(['fig11c', '--duration-s', '1.5', '--profile-scale', '2', '--out', out])), 0);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(validateSummary(s), []);
  assert.is(s.runs.length, 15);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /device scale \*\*2\*\*/);
  assert.match(md, /attainment ~5 % below SlackFit/);
  assert.is(readdirSync(join(out, 'plots')).filter((f) => f.endsWith('attainment-vs-accuracy.svg')).length, 3);
  assert.ok(existsSync(join(out, 'report.md')));
});

test.run();
