/**
 * A fixed-capacity ring: pushing beyond the capacity overwrites the oldest item, so memory stays the same
 * however long the server runs.
 * @module
 */
export class RingBuffer<T> {
  private readonly items: Array<T | undefined>;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RingBuffer: capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number { return this.count; }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The i-th item, oldest first (0 <= i < size). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.start + i) % this.capacity];
  }

  /** The newest `n` items (all when n >= size), oldest first. */
  last(n: number): T[] {
    const k = Math.max(0, Math.min(n, this.count));
    const out: T[] = new Array<T>(k);
    for (let i = 0; i < k; i++) out[i] = this.at(this.count - k + i)!;
    return out;
  }

  toArray(): T[] { return this.last(this.count); }
}
