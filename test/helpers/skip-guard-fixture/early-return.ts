// Run only by test/helpers/skip-guard.test.ts: a test that prints SKIPPED and returns, as the guard must catch.
import { test } from 'uvu';

console.warn('!!! SKIPPED: a registration-time skip line is allowed !!!');
test.skip('registered as skipped: fine');
test('returns early after printing SKIPPED', () => {
  console.warn('!!! SKIPPED: fixture missing !!!');
});
test('an ordinary test', () => {});
test.run();
