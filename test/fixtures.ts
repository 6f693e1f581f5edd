/**
 * Where the OFA reference fixtures live: one setting, SUPERSERVE_FIXTURES (default ../shared/fixtures).
 * Tests that need them call `fixturesOrSkip(name)` and skip loudly when absent.
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';

export const FIXTURES_DIR = resolve(process.env.SUPERSERVE_FIXTURES ?? '../shared/fixtures');

/** Absolute path of a fixture subfolder, or null after printing a loud SKIP line. */
export function fixturesOrSkip(sub: string): string | null {
  const dir = resolve(FIXTURES_DIR, sub);
  if (existsSync(dir)) return dir;
  if (!warned.has(dir)) console.warn(`\n!!! SKIPPED: fixtures not found at ${dir} (set SUPERSERVE_FIXTURES) !!!\n`);
  warned.add(dir);
  return null;
}
const warned = new Set<string>();

/** `test`, or `test.skip` when a precondition is missing: those tests count as skipped, never as passed. */
export function testIf(available: boolean): (name: string, fn: () => void | Promise<void>) => void {
  return available ? test : (name) => test.skip(name);
}

/** A test that needs fixture `sub`; registered as skipped when it is absent. */
export function fixtureTest(sub: string, name: string, fn: (dir: string) => void | Promise<void>): void {
  const dir = fixturesOrSkip(sub);
  testIf(dir !== null)(name, () => fn(dir!));
}

type Register = typeof test;

/**
 * Registers a suite's tests with uvu's `test` when `value` is available, else with a stand-in that
 * records each test as skipped (one skip per test) and drops its hooks. `register` must only read
 * `value` inside hooks and test bodies.
 */
export function suiteIf<T>(value: T | null, register: (t: Register, value: T) => void): void {
  if (value !== null) { register(test, value); return; }
  const skipping = Object.assign((name: string) => test.skip(name), {
    before: Object.assign(() => {}, { each: () => {} }), after: Object.assign(() => {}, { each: () => {} }),
    only: (name: string) => test.skip(name), skip: (name: string) => test.skip(name), run: () => {},
  }) as unknown as Register;
  register(skipping, null as T);
}
