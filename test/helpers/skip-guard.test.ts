import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('the skip guard fails a test that prints SKIPPED and returns, and only that test', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/helpers/skip-guard.mjs', 'node_modules/uvu/bin.js',
    'test/helpers/skip-guard-fixture', 'early-return\\.ts$', '--no-color'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const out = r.stdout + r.stderr;
  assert.is.not(r.status, 0, out);
  assert.match(out, /Total: +2\n/);
  assert.match(out, /Passed: +1\n/);
  assert.match(out, /Skipped: +1\n/);
  assert.match(out, /returns early after printing SKIPPED/);
  assert.match(out, /register the test as skipped/);
});

test.run();
