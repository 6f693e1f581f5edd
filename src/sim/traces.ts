/**
 * Seeded synthetic arrival traces: Poisson, bursty (constant base + gamma stream, InferLine-style),
 * and time-varying (rate ramp at a fixed acceleration with gamma inter-arrivals).
 * @module
 */
import { Rng } from './rng.ts';
import type { Trace } from './trace-file.ts';

export class TraceParamError extends Error {
  constructor(message: string) { super(message); this.name = 'TraceParamError'; }
}

export interface PoissonOptions { rate: number; durationS: number; seed: number }
export interface BurstyOptions {
  /** λ_b: constant-rate (CV² = 0) base stream, q/s; 0 for none. */
  baseRate: number;
  /** λ_v: gamma stream, q/s. */
  rate: number;
  cv2: number;
  durationS: number;
  seed: number;
}
export interface TimeVaryingOptions {
  rateFrom: number;
  rateTo: number;
  /** τ, q/s²: how fast the rate moves from rateFrom to rateTo. */
  accel: number;
  cv2: number;
  /** Seconds at rateFrom before the ramp starts. */
  warmS: number;
  durationS: number;
  seed: number;
}

/** Poisson arrivals at `rate` q/s for `durationS` s. */
export function poissonTrace(o: PoissonOptions): Trace {
  checkPositive('rate', o.rate); checkPositive('duration-s', o.durationS);
  const rng = new Rng(o.seed);
  const out: number[] = [];
  const endMs = o.durationS * 1000; const meanMs = 1000 / o.rate;
  for (let t = rng.exponential(meanMs); t < endMs; t += rng.exponential(meanMs)) out.push(t);
  return { meta: { kind: 'poisson', seed: o.seed, durationS: o.durationS, rate: o.rate }, arrivalsMs: Float64Array.from(out) };
}

/** Base stream with constant inter-arrivals 1/λ_b superposed with a gamma renewal stream (λ_v, CV²). */
export function burstyTrace(o: BurstyOptions): Trace {
  if (!(o.baseRate >= 0)) throw new TraceParamError(`--base-rate must be >= 0, got ${o.baseRate}`);
  checkPositive('rate', o.rate); checkPositive('duration-s', o.durationS); checkCv2(o.cv2);
  const rng = new Rng(o.seed);
  const endMs = o.durationS * 1000;
  const base: number[] = [];
  if (o.baseRate > 0) {
    const gap = 1000 / o.baseRate;
    for (let t = gap / 2; t < endMs; t += gap) base.push(t);
  }
  const variant = renewal(rng, o.cv2, o.rate * o.durationS, (u) => (u / o.rate) * 1000);
  return {
    meta: { kind: 'bursty', seed: o.seed, durationS: o.durationS, baseRate: o.baseRate, rate: o.rate, cv2: o.cv2 },
    arrivalsMs: mergeSorted(base, variant),
  };
}

/**
 * Rate rateFrom for warmS seconds, then a linear ramp at ±accel q/s² to rateTo, then rateTo until durationS.
 * Arrivals are a gamma renewal process in operational time Λ(t) = ∫λ, so the local CV² is the target
 * at every rate (time-rescaling).
 */
export function timeVaryingTrace(o: TimeVaryingOptions): Trace {
  checkPositive('rate-from', o.rateFrom); checkPositive('rate-to', o.rateTo); checkPositive('accel', o.accel);
  checkPositive('duration-s', o.durationS); checkCv2(o.cv2);
  if (!(o.warmS >= 0)) throw new TraceParamError(`--warm-s must be >= 0, got ${o.warmS}`);
  const shape = rampShape(o.rateFrom, o.rateTo, o.accel, o.warmS);
  const rng = new Rng(o.seed);
  const arrivals = renewal(rng, o.cv2, shape.opsAt(o.durationS), (u) => shape.timeAtOps(u) * 1000);
  return {
    meta: {
      kind: 'time-varying', seed: o.seed, durationS: o.durationS, rateFrom: o.rateFrom, rateTo: o.rateTo,
      accel: o.accel, cv2: o.cv2, warmS: o.warmS, rampS: shape.rampS,
    },
    arrivalsMs: Float64Array.from(arrivals),
  };
}

/** The rate curve of a time-varying trace and its cumulative integral Λ, forwards and inverted. */
export function rampShape(l1: number, l2: number, accel: number, warmS: number) {
  const rampS = Math.abs(l2 - l1) / accel;
  const slope = l2 >= l1 ? accel : -accel;
  const warmOps = l1 * warmS;
  const rampOps = ((l1 + l2) / 2) * rampS;
  return {
    rampS,
    rateAt(t: number): number {
      if (t < warmS) return l1;
      if (t < warmS + rampS) return l1 + slope * (t - warmS);
      return l2;
    },
    opsAt(t: number): number {
      if (t <= warmS) return l1 * t;
      const s = Math.min(t - warmS, rampS);
      const ramp = l1 * s + (slope * s * s) / 2;
      return warmOps + ramp + (t > warmS + rampS ? l2 * (t - warmS - rampS) : 0);
    },
    timeAtOps(u: number): number {
      if (u <= warmOps) return u / l1;
      const v = u - warmOps;
      // λ1 s + slope s²/2 = v, in the cancellation-free form of the quadratic root
      if (v <= rampOps) return warmS + (2 * v) / (l1 + Math.sqrt(Math.max(0, l1 * l1 + 2 * slope * v)));
      return warmS + rampS + (v - rampOps) / l2;
    },
  };
}

/** A unit-rate renewal process with the given CV² up to `totalOps`, each point mapped to ms by `toMs`. */
function renewal(rng: Rng, cv2: number, totalOps: number, toMs: (u: number) => number): number[] {
  const out: number[] = [];
  if (cv2 === 0) {
    for (let u = 0.5; u < totalOps; u += 1) out.push(toMs(u));
    return out;
  }
  const shape = 1 / cv2;
  const draw = cv2 === 1 ? () => rng.exponential(1) : () => rng.gamma(shape, cv2);
  for (let u = draw(); u < totalOps; u += draw()) out.push(toMs(u));
  return out;
}

function mergeSorted(a: number[], b: number[]): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0; let j = 0; let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

function checkPositive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new TraceParamError(`--${name} must be a positive number, got ${v}`);
}
function checkCv2(v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new TraceParamError(`--cv2 must be >= 0, got ${v}`);
}

/** Mean rate (q/s) and inter-arrival CV² of a sorted arrival list in ms. */
export function traceStats(arrivalsMs: ArrayLike<number>, durationS: number): { rate: number; cv2: number } {
  const n = arrivalsMs.length;
  if (n < 2) return { rate: n / durationS, cv2: NaN };
  let sum = 0; let sq = 0;
  for (let i = 1; i < n; i++) { const d = arrivalsMs[i]! - arrivalsMs[i - 1]!; sum += d; sq += d * d; }
  const m = sum / (n - 1);
  return { rate: n / durationS, cv2: (sq / (n - 1) - m * m) / (m * m) };
}
