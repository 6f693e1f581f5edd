/**
 * A windowed empirical quantile: the last `size` samples in a ring, the quantile recomputed (one sort of the
 * window) only after `refreshEvery` new samples or a new level. Exact on the window, cheap per sample, and it
 * forgets: what slackfit-m plans with (measured / predicted batch time at the SLO target).
 * @module
 */
export class WindowQuantile {
  readonly #ring: Float64Array;
  #count = 0;
  #next = 0;
  #sinceSort = 0;
  #sorted: Float64Array | undefined;
  #sortedCount = 0;
  #cachedLevel = Number.NaN;
  #cached = Number.NaN;

  constructor(size: number, readonly refreshEvery = 16) {
    this.#ring = new Float64Array(size);
  }

  get count(): number { return this.#count; }

  add(x: number): void {
    this.#ring[this.#next] = x;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#count < this.#ring.length) this.#count++;
    this.#sinceSort++;
  }

  /** The nearest-rank `level` quantile of the window; NaN when empty. */
  quantile(level: number): number {
    if (this.#count === 0) return Number.NaN;
    if (this.#sorted === undefined || this.#sinceSort >= this.refreshEvery || (this.#count < this.refreshEvery * 4 && this.#sinceSort > 0)) {
      this.#sorted ??= new Float64Array(this.#ring.length);
      const s = this.#sorted.subarray(0, this.#count);
      s.set(this.#ring.subarray(0, this.#count));
      s.sort();
      this.#sortedCount = this.#count;
      this.#sinceSort = 0;
      this.#cachedLevel = Number.NaN;
    }
    if (level !== this.#cachedLevel) {
      const n = this.#sortedCount;
      this.#cached = this.#sorted[Math.min(n - 1, Math.max(0, Math.ceil(level * n) - 1))]!;
      this.#cachedLevel = level;
    }
    return this.#cached;
  }

  copyFrom(other: WindowQuantile): void {
    const n = Math.min(other.#count, this.#ring.length);
    for (let k = 0; k < n; k++) this.add(other.#ring[(other.#next - n + k + other.#ring.length) % other.#ring.length]!);
  }
}
