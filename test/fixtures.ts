/**
 * Where the OFA reference fixtures live: one setting, SUPERSERVE_FIXTURES (default ../shared/fixtures).
 * Tests that need them call `fixturesOrSkip(name)` and skip loudly when absent.
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURES_DIR = resolve(process.env.SUPERSERVE_FIXTURES ?? '../shared/fixtures');

/** Absolute path of a fixture subfolder, or null after printing a loud SKIP line. */
export function fixturesOrSkip(sub: string): string | null {
  const dir = resolve(FIXTURES_DIR, sub);
  if (existsSync(dir)) return dir;
  console.warn(`\n!!! SKIPPED: fixtures not found at ${dir} (set SUPERSERVE_FIXTURES) !!!\n`);
  return null;
}
