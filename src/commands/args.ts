/**
 * The one flag-helper module of every command: node:util parseArgs with usage errors, typed values with
 * ranges, and the runner that maps errors to exit codes (usage error 2, anything else 1, one clear line).
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

/**
 * Runs a command body: a UsageError prints `superserve <name>: <message>` (then `usage`, when given) and
 * exits 2; any other error prints the message and exits 1.
 */
export async function runCommand(name: string, body: () => Promise<number>, usage?: string): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`superserve ${name}: ${e.message}${usage && !e.message.includes(usage) ? `\n\n${usage}` : ''}`);
      return 2;
    }
    console.error(`superserve ${name}: ${(e as Error).message}`);
    if (process.env.SUPERSERVE_DEBUG) console.error((e as Error).stack);
    return 1;
  }
}

/**
 * `--otlp-endpoint URL`, else the standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (a full traces URL) or
 * OTEL_EXPORTER_OTLP_ENDPOINT (a base URL); undefined: tracing off. Checked to be an http(s) URL.
 */
export function otlpEndpointFlag(v: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const url = v ?? (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined);
  if (url === undefined) return undefined;
  let ok = false;
  try { ok = ['http:', 'https:'].includes(new URL(url).protocol); } catch { /* not a URL */ }
  if (!ok) throw new UsageError(`--otlp-endpoint must be an http(s):// URL of an OTLP/HTTP collector, got "${url}"`);
  return url;
}

export const OTLP_USAGE = `  --otlp-endpoint URL   export OpenTelemetry traces over OTLP/HTTP (JSON) to URL (a base URL gets /v1/traces);
                        default $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / $OTEL_EXPORTER_OTLP_ENDPOINT; off when none`;

/** A flag's value as given, or a UsageError naming it. */
export function requireFlag<T>(v: T | undefined, name: string): T {
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** A number in [min, max], or undefined when the flag is absent. */
export function numFlag(v: unknown, name: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number${min > -Number.MAX_VALUE || max < Number.MAX_VALUE ? ` in [${min}, ${max}]` : ''}, got "${String(v)}"`);
  }
  return n;
}

/** An integer in [min, max], or undefined when the flag is absent. */
export function intFlag(v: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer${min > Number.MIN_SAFE_INTEGER || max < Number.MAX_SAFE_INTEGER ? ` in [${min}, ${max}]` : ''}, got "${String(v)}"`);
  }
  return n;
}

/** Comma-separated numbers ("12000,24000"), or undefined when the flag is absent or empty. */
export function listFlag(v: unknown, name: string): number[] | undefined {
  if (v === undefined || v === '') return undefined;
  return String(v).split(',').map((s) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be comma-separated numbers, got "${String(v)}"`);
    return n;
  });
}
