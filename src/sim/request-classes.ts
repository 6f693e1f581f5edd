/**
 * Request classes of a trace: `--slo-mix MS:FRAC,...` and `--priority-mix P:FRAC,...` assign each request an
 * SLO and a priority from their own seeded streams (so the arrival times are those of the same trace without
 * a mix), and the simulator and replay map a request to its class (SLO, priority level) for per-class results.
 * Priorities follow Triton: 0 = the default level, 1 = the highest, a level above `levels` = the default.
 * @module
 */
import { Rng } from './rng.ts';
import type { Trace } from './trace-file.ts';

export class ClassMixError extends Error {
  constructor(message: string) { super(message); this.name = 'ClassMixError'; }
}

/** Default number of priority levels (Triton's `priority_levels`; the server's `--priority-levels`). */
export const DEFAULT_PRIORITY_LEVELS = 2;

export interface MixEntry { value: number; fraction: number }

/** Parses "1000:0.9,10000:0.1": positive values (integers for priorities), fractions summing to 1 (within 1e-6). */
export function parseMix(raw: string, flag: string, integer: boolean): MixEntry[] {
  const out = raw.split(',').map((part) => {
    const m = /^\s*([0-9.]+)\s*:\s*([0-9.eE+-]+)\s*$/.exec(part);
    const value = Number(m?.[1]); const fraction = Number(m?.[2]);
    if (!m || !Number.isFinite(value) || !(fraction > 0 && fraction <= 1) || (integer ? !Number.isInteger(value) || value < 0 : !(value > 0))) {
      throw new ClassMixError(`${flag}: "${part.trim()}" is not ${integer ? 'P:FRAC (P an integer >= 0)' : 'MS:FRAC (MS > 0)'} with 0 < FRAC <= 1`);
    }
    return { value, fraction };
  });
  const sum = out.reduce((a, e) => a + e.fraction, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new ClassMixError(`${flag}: fractions must sum to 1, got ${+sum.toFixed(6)}`);
  if (new Set(out.map((e) => e.value)).size !== out.length) throw new ClassMixError(`${flag}: a value appears twice in "${raw}"`);
  return out;
}

/** Salts of the class streams: independent of the arrival stream, which uses the seed itself. */
const SLO_SALT = 0x5105eed;
const PRIORITY_SALT = 0x9e1011;

function draw(n: number, mix: MixEntry[], seed: number): number[] {
  const rng = new Rng(seed);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    let acc = 0;
    let v = mix[mix.length - 1]!.value;
    for (const e of mix) { acc += e.fraction; if (u < acc) { v = e.value; break; } }
    out[i] = v;
  }
  return out;
}

/** The trace with classes assigned (arrival times untouched); the mixes are recorded in its meta. */
export function withClassMix(trace: Trace, o: { sloMix?: MixEntry[]; priorityMix?: MixEntry[]; seed: number }): Trace {
  const n = trace.arrivalsMs.length;
  const out: Trace = { ...trace, meta: { ...trace.meta } };
  if (o.sloMix) {
    out.sloMs = Float64Array.from(draw(n, o.sloMix, (o.seed ^ SLO_SALT) | 0));
    out.meta.slo_mix = o.sloMix.map((e) => `${e.value}:${e.fraction}`).join(',');
  }
  if (o.priorityMix) {
    out.priority = Int32Array.from(draw(n, o.priorityMix, (o.seed ^ PRIORITY_SALT) | 0));
    out.meta.priority_mix = o.priorityMix.map((e) => `${e.value}:${e.fraction}`).join(',');
  }
  return out;
}

/** Triton's mapping: 0 or above `levels` -> the default level (`levels`, the least important); else as given. */
export function priorityLevel(p: number | undefined, levels = DEFAULT_PRIORITY_LEVELS): number {
  return p === undefined || !Number.isInteger(p) || p < 1 || p > levels ? levels : p;
}

export interface RequestClass { slo_ms: number; priority: number }

/** Each request's class index and the classes (sorted by SLO, then priority) of a trace under a run's SLO. */
export function classesOf(trace: Trace, runSloMs: number, levels = DEFAULT_PRIORITY_LEVELS): { classes: RequestClass[]; classOf: Uint16Array; sloMs: Float64Array; level: Int32Array } {
  const n = trace.arrivalsMs.length;
  const sloMs = new Float64Array(n);
  const level = new Int32Array(n);
  if (trace.sloMs === undefined && trace.priority === undefined) {
    sloMs.fill(runSloMs); level.fill(levels);
    return { classes: [{ slo_ms: runSloMs, priority: levels }], classOf: new Uint16Array(n), sloMs, level };
  }
  const keys = new Map<string, RequestClass>();
  for (let i = 0; i < n; i++) {
    const s = trace.sloMs?.[i];
    sloMs[i] = s !== undefined && s > 0 ? s : runSloMs;
    level[i] = priorityLevel(trace.priority?.[i], levels);
    const k = `${sloMs[i]}/${level[i]}`;
    if (!keys.has(k)) keys.set(k, { slo_ms: sloMs[i]!, priority: level[i]! });
  }
  const classes = [...keys.values()].sort((a, b) => a.slo_ms - b.slo_ms || a.priority - b.priority);
  if (classes.length > 65535) throw new ClassMixError(`too many request classes (${classes.length})`);
  const index = new Map(classes.map((c, i) => [`${c.slo_ms}/${c.priority}`, i]));
  const classOf = new Uint16Array(n);
  for (let i = 0; i < n; i++) classOf[i] = index.get(`${sloMs[i]}/${level[i]}`)!;
  return { classes, classOf, sloMs, level };
}
