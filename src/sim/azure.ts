/**
 * Traces from the Azure Functions 2019 per-minute invocation counts (MAF): sum the functions, compress the
 * 1440 minutes of a day into `durationS`, rescale to a mean rate, and draw Poisson arrivals in each slot.
 * Without the real files, a documented MAF-shaped default curve (data/traces/maf-default.json) is used.
 * @module
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Rng } from './rng.ts';
import type { Trace } from './trace-file.ts';
import { TraceParamError } from './traces.ts';

export const MINUTES_PER_DAY = 1440;
export const AZURE_FILE_RE = /^invocations_per_function_md\.anon\.d(\d+)\.csv$/;
export const DEFAULT_MAF_SHAPE = resolve(dirname(fileURLToPath(import.meta.url)), '../../data/traces/maf-default.json');

export class AzureTraceError extends Error {
  constructor(message: string) { super(message); this.name = 'AzureTraceError'; }
}

export interface AzureOptions {
  /** Directory holding invocations_per_function_md.anon.d*.csv, or one such file; absent: the default shape. */
  csvDir?: string;
  /** Which day file (1 = d01); default the lowest-numbered one found. */
  day?: number;
  /** Keep only the N most-invoked functions (default: all). */
  topFunctions?: number;
  rate: number;
  durationS: number;
  seed: number;
}

/** Picks the day file in a directory (or accepts a file path directly). */
export function findAzureFile(csvDir: string, day?: number): string {
  if (!existsSync(csvDir)) throw new AzureTraceError(`--csv-dir ${csvDir} does not exist`);
  if (statSync(csvDir).isFile()) return csvDir;
  const files = readdirSync(csvDir).filter((f) => AZURE_FILE_RE.test(f)).sort();
  if (files.length === 0) throw new AzureTraceError(`no invocations_per_function_md.anon.d*.csv in ${csvDir}`);
  if (day === undefined) return join(csvDir, files[0]!);
  const hit = files.find((f) => Number(AZURE_FILE_RE.exec(f)![1]) === day);
  if (!hit) throw new AzureTraceError(`no day ${day} file in ${csvDir} (have: ${files.join(', ')})`);
  return join(csvDir, hit);
}

/** Per-minute invocation totals over the functions of one day file (columns HashOwner,HashApp,HashFunction,Trigger,1..1440). */
export async function readAzureMinuteCounts(file: string, topFunctions?: number): Promise<Float64Array> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let header: string[] | null = null;
  let firstMinuteCol = -1;
  const rows: { total: number; counts: Float64Array }[] = [];
  const sum = new Float64Array(MINUTES_PER_DAY);
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const cols = line.split(',');
    if (!header) {
      header = cols;
      firstMinuteCol = cols.indexOf('1');
      if (firstMinuteCol < 0 || cols.length < firstMinuteCol + MINUTES_PER_DAY) {
        throw new AzureTraceError(`${basename(file)}: header must have minute columns "1".."1440" (got ${cols.length} columns)`);
      }
      continue;
    }
    const counts = new Float64Array(MINUTES_PER_DAY);
    let total = 0;
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      const v = Number(cols[firstMinuteCol + m] ?? '');
      if (!Number.isFinite(v) || v < 0) throw new AzureTraceError(`${basename(file)}:${lineNo}: minute ${m + 1} is not a count: "${cols[firstMinuteCol + m]}"`);
      counts[m] = v; total += v;
    }
    if (topFunctions === undefined) { for (let m = 0; m < MINUTES_PER_DAY; m++) sum[m]! += counts[m]!; } else rows.push({ total, counts });
  }
  if (!header) throw new AzureTraceError(`${basename(file)} is empty`);
  if (topFunctions !== undefined) {
    rows.sort((a, b) => b.total - a.total);
    for (const r of rows.slice(0, topFunctions)) for (let m = 0; m < MINUTES_PER_DAY; m++) sum[m]! += r.counts[m]!;
  }
  return sum;
}

/** The shipped MAF-shaped default curve (1440 relative per-minute loads). */
export function readDefaultMafShape(path = DEFAULT_MAF_SHAPE): Float64Array {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { minutes?: unknown };
  if (!Array.isArray(json.minutes) || json.minutes.length !== MINUTES_PER_DAY) {
    throw new AzureTraceError(`${path}: "minutes" must be an array of ${MINUTES_PER_DAY} numbers`);
  }
  return Float64Array.from(json.minutes as number[]);
}

/**
 * Compresses a per-minute curve into `durationS` (slot = durationS/len seconds), rescales it to mean `rate`,
 * and draws Poisson arrivals with the slot's constant rate (exact across slots: the process is memoryless).
 */
export function traceFromMinuteCounts(counts: Float64Array, o: { rate: number; durationS: number; seed: number }, source: string): Trace {
  if (!(o.rate > 0)) throw new TraceParamError(`--rate must be positive, got ${o.rate}`);
  if (!(o.durationS > 0)) throw new TraceParamError(`--duration-s must be positive, got ${o.durationS}`);
  let total = 0;
  for (const c of counts) total += c;
  if (!(total > 0)) throw new AzureTraceError(`${source}: no invocations at all`);
  const slotMs = (o.durationS * 1000) / counts.length;
  const mean = total / counts.length;
  const rng = new Rng(o.seed);
  const out: number[] = [];
  let peak = 0;
  for (let s = 0; s < counts.length; s++) {
    const rate = (o.rate * counts[s]!) / mean; // q/s in this slot
    peak = Math.max(peak, rate);
    if (rate <= 0) continue;
    const start = s * slotMs; const end = start + slotMs; const gap = 1000 / rate;
    for (let t = start + rng.exponential(gap); t < end; t += rng.exponential(gap)) out.push(t);
  }
  return {
    meta: { kind: 'azure', seed: o.seed, durationS: o.durationS, rate: o.rate, source, slotMs, peakRate: Math.round(peak) },
    arrivalsMs: Float64Array.from(out),
  };
}

/** The `azure` trace kind: real CSVs when given, the MAF-shaped default otherwise. */
export async function azureTrace(o: AzureOptions): Promise<Trace> {
  if (o.csvDir === undefined) return traceFromMinuteCounts(readDefaultMafShape(), o, 'maf-default');
  const file = findAzureFile(o.csvDir, o.day);
  const counts = await readAzureMinuteCounts(file, o.topFunctions);
  return traceFromMinuteCounts(counts, o, basename(file) + (o.topFunctions ? ` top ${o.topFunctions}` : ''));
}
