/**
 * Bounded LRU of materialised sub-networks (sliced, BN-folded weights), budgeted in bytes.
 * On WASM a freshly sliced filter misses XNNPACK's packed-weight cache, so the sub-networks actually
 * served stay resident; anything else is materialised for one batch and disposed.
 * @module
 */
import type { MaterializedSubnet } from './types.ts';

export class SubnetCache {
  private readonly entries = new Map<string, MaterializedSubnet>(); // insertion order = LRU order
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly budgetBytes: number) {}

  get bytes(): number { return this.used; }
  get size(): number { return this.entries.size; }
  keys(): string[] { return [...this.entries.keys()]; }

  /** Returns the cached subnet (marking it most recently used) or undefined. */
  get(key: string): MaterializedSubnet | undefined {
    const m = this.entries.get(key);
    if (m === undefined) { this.misses++; return undefined; }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, m);
    return m;
  }

  /**
   * Admits `m` if it fits the budget (evicting least recently used entries); returns false when it
   * is larger than the whole budget, in which case the caller still owns (and must dispose) it.
   */
  put(m: MaterializedSubnet): boolean {
    if (m.bytes > this.budgetBytes) return false;
    const old = this.entries.get(m.key);
    if (old !== undefined) this.evict(m.key, old);
    while (this.used + m.bytes > this.budgetBytes) {
      const [lruKey, lru] = this.entries.entries().next().value as [string, MaterializedSubnet];
      this.evict(lruKey, lru);
    }
    this.entries.set(m.key, m);
    this.used += m.bytes;
    return true;
  }

  clear(): void {
    for (const [k, m] of [...this.entries]) this.evict(k, m);
  }

  private evict(key: string, m: MaterializedSubnet): void {
    this.entries.delete(key);
    this.used -= m.bytes;
    m.dispose();
  }
}
