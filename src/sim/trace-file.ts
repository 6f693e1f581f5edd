/**
 * The trace file format: arrival times in whole microseconds, delta-encoded, one per line; v2 adds each
 * request's SLO and priority.
 *
 * ```
 * #superserve-trace v1
 * #meta {"kind":"bursty","seed":1,"durationS":60,"count":420000,...}
 * 812          <- first arrival, µs after t = 0
 * 95           <- next arrival, µs after the previous one
 * ...
 * #superserve-trace v2
 * #meta {...}
 * 812 1000 1   <- delta_us slo_ms priority (slo_ms 0 = the run's --slo-ms; priority as Triton's: 0 = the default
 * 95 10000 0      level, 1 = the highest, a level above --priority-levels = the default)
 * ```
 * Lines starting with `#` are comments; the `#meta` line holds the generator's parameters as JSON.
 * Absolute times are rounded to µs before differencing, so decoding never drifts. Readers take both versions;
 * a trace without classes is written as v1.
 * A 60 s trace at 7000 q/s is about 2.5 MB (v1).
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const TRACE_MAGIC = '#superserve-trace v1';
export const TRACE_MAGIC_V2 = '#superserve-trace v2';

export interface TraceMeta {
  kind: string;
  seed?: number;
  durationS: number;
  count?: number;
  [param: string]: unknown;
}

export interface Trace {
  meta: TraceMeta;
  /** Sorted arrival times, ms since the trace start. */
  arrivalsMs: Float64Array;
  /** Per request: its SLO in ms (0 = the run's SLO). Absent: every request has the run's SLO. */
  sloMs?: Float64Array;
  /** Per request: its priority as Triton's (0 = the default level, 1 = the highest). Absent: all default. */
  priority?: Int32Array;
}

export class TraceFormatError extends Error {
  constructor(message: string) { super(message); this.name = 'TraceFormatError'; }
}

/** Serialises a trace to the text format above (v2 when it carries SLOs or priorities). */
export function encodeTrace(trace: Trace): string {
  const n = trace.arrivalsMs.length;
  const v2 = trace.sloMs !== undefined || trace.priority !== undefined;
  for (const [name, a] of [['sloMs', trace.sloMs], ['priority', trace.priority]] as const) {
    if (a !== undefined && a.length !== n) throw new TraceFormatError(`${name} has ${a.length} entries for ${n} arrivals`);
  }
  const meta = { ...trace.meta, count: n };
  const parts: string[] = [v2 ? TRACE_MAGIC_V2 : TRACE_MAGIC, `#meta ${JSON.stringify(meta)}`];
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const us = Math.round(trace.arrivalsMs[i]! * 1000);
    if (us < prev) throw new TraceFormatError(`arrivals must be sorted: index ${i} (${us} µs) comes before ${prev} µs`);
    parts.push(v2 ? `${us - prev} ${trace.sloMs?.[i] ?? 0} ${trace.priority?.[i] ?? 0}` : String(us - prev));
    prev = us;
  }
  return parts.join('\n') + '\n';
}

/** Parses the text format (v1 or v2); throws TraceFormatError naming the bad line. */
export function decodeTrace(text: string, source = 'trace'): Trace {
  const lines = text.split('\n');
  const magic = lines[0]?.trim();
  if (magic !== TRACE_MAGIC && magic !== TRACE_MAGIC_V2) throw new TraceFormatError(`${source}: first line must be "${TRACE_MAGIC}" or "${TRACE_MAGIC_V2}"`);
  const v2 = magic === TRACE_MAGIC_V2;
  let meta: TraceMeta | null = null;
  const deltas: number[] = [];
  const slos: number[] = [];
  const prios: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#meta ')) {
        try { meta = JSON.parse(line.slice(6)) as TraceMeta; } catch (e) {
          throw new TraceFormatError(`${source}:${i + 1}: bad #meta JSON (${(e as Error).message})`);
        }
      }
      continue;
    }
    const fields = v2 ? line.trim().split(/\s+/) : [line];
    if (v2 && fields.length !== 3) throw new TraceFormatError(`${source}:${i + 1}: expected "delta_us slo_ms priority", got "${line}"`);
    const v = Number(fields[0]);
    if (!Number.isInteger(v) || v < 0) throw new TraceFormatError(`${source}:${i + 1}: expected a non-negative integer of µs, got "${fields[0]}"`);
    deltas.push(v);
    if (!v2) continue;
    const slo = Number(fields[1]);
    if (!Number.isFinite(slo) || slo < 0) throw new TraceFormatError(`${source}:${i + 1}: slo_ms must be a non-negative number (0 = the run's), got "${fields[1]}"`);
    const p = Number(fields[2]);
    if (!Number.isInteger(p) || p < 0) throw new TraceFormatError(`${source}:${i + 1}: priority must be a non-negative integer (0 = default), got "${fields[2]}"`);
    slos.push(slo); prios.push(p);
  }
  const arrivalsMs = new Float64Array(deltas.length);
  let us = 0;
  for (let i = 0; i < deltas.length; i++) { us += deltas[i]!; arrivalsMs[i] = us / 1000; }
  const last = arrivalsMs.length ? arrivalsMs[arrivalsMs.length - 1]! : 0;
  const m: TraceMeta = meta ?? { kind: 'unknown', durationS: Math.ceil(last / 1000) };
  if (typeof m.durationS !== 'number' || !(m.durationS > 0)) m.durationS = Math.max(last / 1000, 1e-3);
  if (m.count !== undefined && m.count !== arrivalsMs.length) {
    throw new TraceFormatError(`${source}: #meta says ${m.count} arrivals but the file holds ${arrivalsMs.length} (truncated?)`);
  }
  return v2 ? { meta: m, arrivalsMs, sloMs: Float64Array.from(slos), priority: Int32Array.from(prios) } : { meta: m, arrivalsMs };
}

export function writeTraceFile(path: string, trace: Trace): void { writeFileSync(path, encodeTrace(trace)); }

export function readTraceFile(path: string): Trace {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new TraceFormatError(`cannot read trace file ${path}: ${(e as Error).message}`);
  }
  return decodeTrace(text, path);
}
