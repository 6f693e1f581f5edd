/**
 * The benchmark tables in README.md and docs/*.md match bench/results (scripts/bench-tables.ts --check), and a
 * number that differs from its result file is caught.
 * @module
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTables } from '../../scripts/bench-tables.ts';

const ROOT = resolve(import.meta.dirname, '../..');

test('every bench table in README.md and docs/ is what its result file says', () => {
  const report = checkTables(ROOT);
  assert.ok(report.some((r) => r.file === 'docs/benchmarks.md'), 'docs/benchmarks.md is checked');
  assert.equal(report.filter((r) => r.stale.length > 0 || r.problems.length > 0), []);
});

test('a table number edited by hand, or an unknown table, is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'superserve-bench-tables-'));
  try {
    cpSync(join(ROOT, 'docs/benchmarks.md'), join(dir, 'docs/benchmarks.md'));
    writeFileSync(join(dir, 'README.md'), '<!-- bench-table: nonsense -->\n<!-- /bench-table -->\n');
    const doc = join(dir, 'docs/benchmarks.md');
    const text = readFileSync(doc, 'utf8');
    const decode = text.indexOf('<!-- bench-table: decode -->');
    const digit = text.slice(decode).search(/\| \d/) + decode + 2;
    writeFileSync(doc, text.slice(0, digit) + (text[digit] === '9' ? '8' : '9') + text.slice(digit + 1));
    const report = checkTables(dir, join(ROOT, 'bench/results'));
    assert.equal(report.find((r) => r.file === 'docs/benchmarks.md')?.stale, ['decode']);
    assert.match(report.find((r) => r.file === 'README.md')?.problems[0] ?? '', /unknown bench table 'nonsense'/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test.run();
