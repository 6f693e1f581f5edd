/**
 * Dense latency table the policies and the scheduler read: l(subnet, b) for every integer
 * b = 1..largest profiled batch, linearly interpolated between profiled batch sizes (monotone,
 * because the profiled points are). Built once per policy; lookups are O(1).
 * @module
 */
import { ProfileError } from './errors.ts';
import { normalizeProfile } from './profile.ts';
import type { LatencyProfile, SubnetProfile } from './types.ts';

export class ProfileTable {
  /** Sorted by accuracy, small -> large; index = "subnet index" below. */
  readonly subnets: readonly SubnetProfile[];
  readonly profiledBatches: readonly number[];
  /** Largest profiled batch size. */
  readonly maxBatch: number;
  readonly #lat: Float64Array[];
  readonly #index = new Map<number, number>();

  constructor(profile: LatencyProfile) {
    const p = normalizeProfile(profile);
    this.subnets = p.subnets;
    this.profiledBatches = p.batchSizes;
    this.maxBatch = p.batchSizes[p.batchSizes.length - 1]!;
    this.#lat = p.subnets.map((s, i) => {
      this.#index.set(s.id, i);
      const row = new Float64Array(this.maxBatch + 1);
      const bs = p.batchSizes;
      for (let k = 0; k < bs.length; k++) {
        const lo = bs[k]!;
        const hi = bs[k + 1];
        const lLo = s.latencyMs[lo]!;
        row[lo] = lLo;
        if (hi === undefined) break;
        const lHi = s.latencyMs[hi]!;
        for (let b = lo + 1; b < hi; b++) row[b] = lLo + ((lHi - lLo) * (b - lo)) / (hi - lo);
      }
      return row;
    });
  }

  get count(): number {
    return this.subnets.length;
  }

  /** Index of a subnet id; throws ProfileError for an unknown id. */
  indexOf(id: number): number {
    const i = this.#index.get(id);
    if (i === undefined) throw new ProfileError(`no subnet with id ${id} (ids: ${this.subnets.map((s) => s.id).join(', ')})`);
    return i;
  }

  has(id: number): boolean {
    return this.#index.has(id);
  }

  /** Latency (ms) of subnet index `i` at batch `b` (1 <= b <= maxBatch). */
  latency(i: number, b: number): number {
    const v = this.#lat[i]?.[b];
    if (v === undefined || b < 1) throw new ProfileError(`no latency for subnet index ${i} at batch ${b} (max batch ${this.maxBatch})`);
    return v;
  }

  /** Batch sizes a policy may use, up to `maxBatch`: the profiled ones, every integer, or a given list. */
  batchGrid(sizes: 'profiled' | 'all' | readonly number[], maxBatch: number): number[] {
    const cap = Math.min(maxBatch, this.maxBatch);
    if (sizes === 'all') return Array.from({ length: cap }, (_, k) => k + 1);
    return (sizes === 'profiled' ? this.profiledBatches : sizes).filter((b) => b <= cap);
  }
}
