/**
 * Shared flag parsing on node:util parseArgs: a usage error becomes a UsageError (exit code 2).
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../usage-error.ts';

export { UsageError };

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[], options: T, usage: string, allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${usage}`);
  }
}

/** Runs a command body, mapping UsageError to exit 2 and other errors to exit 1 with a one-line message. */
export async function runCommand(name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) { console.error(`superserve ${name}: ${e.message}`); return 2; }
    console.error(`superserve ${name}: ${(e as Error).message}`);
    if (process.env.SUPERSERVE_DEBUG) console.error((e as Error).stack);
    return 1;
  }
}

export function intFlag(v: string | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

export function numFlag(v: string | undefined, name: string, min: number, max = Number.MAX_VALUE): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${v}"`);
  return n;
}
