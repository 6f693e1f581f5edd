/**
 * Small helpers shared by the trace/simulate/experiment/replay commands: typed number flags and usage errors.
 * @module
 */

import { UsageError } from '../usage-error.ts';

export { UsageError };

/** Parses a numeric flag; `undefined` when absent and no default. */
export function numFlag(values: Record<string, unknown>, name: string, def?: number): number {
  const raw = values[name];
  if (raw === undefined) {
    if (def === undefined) throw new UsageError(`--${name} is required`);
    return def;
  }
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got "${String(raw)}"`);
  return v;
}

export function optNumFlag(values: Record<string, unknown>, name: string): number | undefined {
  return values[name] === undefined ? undefined : numFlag(values, name);
}

export function intFlag(values: Record<string, unknown>, name: string, def?: number): number {
  const v = numFlag(values, name, def);
  if (!Number.isInteger(v)) throw new UsageError(`--${name} must be an integer, got ${v}`);
  return v;
}

export function strFlag(values: Record<string, unknown>, name: string, def?: string): string {
  const raw = values[name];
  if (raw === undefined || raw === '') {
    if (def === undefined) throw new UsageError(`--${name} is required`);
    return def;
  }
  return String(raw);
}

/** Comma-separated numbers ("12000,24000"). */
export function numListFlag(values: Record<string, unknown>, name: string): number[] {
  const raw = values[name];
  if (raw === undefined || raw === '') return [];
  return String(raw).split(',').map((s) => {
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be comma-separated numbers, got "${String(raw)}"`);
    return v;
  });
}

/** Runs a command body: usage errors -> exit 2 with usage, other known errors -> exit 1 with the message. */
export async function runCommand(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err instanceof UsageError || (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`error: ${err.message}\n\n${usage}\n`);
      return 2;
    }
    process.stderr.write(`error: ${err.name}: ${err.message}\n`);
    return 1;
  }
}
