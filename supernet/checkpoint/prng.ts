/**
 * Small deterministic PRNG (mulberry32) with normals by Marsaglia's polar method; same numbers on
 * every platform.
 * @module
 */

export class Prng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal N(0, 1). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * m;
      return u * m;
    }
  }

  /** Fill `out` with N(0, 1) draws (the same sequence as repeated `normal()` calls). */
  fillNormal(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
  }
}

/** 32-bit FNV-1a of a string mixed with a seed: independent streams per (seed, tensor name). */
export function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
