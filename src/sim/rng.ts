/**
 * Seeded pseudo-random numbers for reproducible traces: xoshiro128** seeded through splitmix32,
 * with exponential and gamma (Marsaglia–Tsang) variates.
 * @module
 */

export class RandomError extends Error {
  constructor(message: string) { super(message); this.name = 'RandomError'; }
}

/** A deterministic generator: the same seed always yields the same sequence on every platform. */
export class Rng {
  private s0: number; private s1: number; private s2: number; private s3: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RandomError(`seed must be an integer, got ${seed}`);
    let x = seed >>> 0;
    const split = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = split(); this.s1 = split(); this.s2 = split(); this.s3 = split();
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t; this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  /** Uniform double in (0, 1]: safe to take the logarithm of. */
  uniformOpen(): number { return 1 - this.uniform(); }

  /** Exponential variate with the given mean. */
  exponential(mean: number): number { return -Math.log(this.uniformOpen()) * mean; }

  /** Standard normal variate (Box–Muller, one of the pair). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniformOpen())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Gamma variate with shape k and scale θ (mean kθ, CV² = 1/k). Marsaglia–Tsang, boosted for k < 1. */
  gamma(shape: number, scale: number): number {
    if (!(shape > 0) || !(scale > 0)) throw new RandomError(`gamma needs shape > 0 and scale > 0, got ${shape}, ${scale}`);
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(this.uniformOpen(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number; let v: number;
      do { x = this.normal(); v = 1 + c * x; } while (v <= 0);
      v = v * v * v;
      const u = this.uniformOpen();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }
}

function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }
