/**
 * Bounded LRU of materialised sub-networks (sliced, BN-folded weights), budgeted in bytes.
 * On WASM a freshly sliced filter misses XNNPACK's packed-weight cache, so the sub-networks actually
 * served stay resident; anything else is materialised for one batch and disposed.
 * @module
 */
import type { MaterializedSubnet } from './types.ts';

export class SubnetCache {
  // insertion order = LRU order; each entry with the resident bytes it was admitted at
  private readonly entries = new Map<string, { m: MaterializedSubnet; bytes: number }>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly budgetBytes: number) {}

  get bytes(): number { return this.used; }
  get size(): number { return this.entries.size; }
  keys(): string[] { return [...this.entries.keys()]; }

  /** Returns the cached subnet (marking it most recently used) or undefined. */
  get(key: string): MaterializedSubnet | undefined {
    const e = this.entries.get(key);
    if (e === undefined) { this.misses++; return undefined; }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.m;
  }

  /**
   * Evicts least recently used entries until `bytes` more would fit (before materialising a sub-network, so that
   * the evicted one's memory is free again first: the WASM heap never shrinks, its high-water mark is what counts).
   */
  makeRoom(bytes: number): void {
    while (this.entries.size > 0 && this.used + bytes > this.budgetBytes) {
      const [lruKey, lru] = this.entries.entries().next().value as [string, { m: MaterializedSubnet; bytes: number }];
      this.evict(lruKey, lru);
    }
  }

  /**
   * Admits `m`, costing `bytes` of the budget (default its own size), if that fits the budget (evicting least
   * recently used entries); returns false when it is larger than the whole budget, in which case the caller
   * still owns (and must dispose) it.
   */
  put(m: MaterializedSubnet, bytes = m.bytes): boolean {
    if (bytes > this.budgetBytes) return false;
    const old = this.entries.get(m.key);
    if (old !== undefined) this.evict(m.key, old);
    this.makeRoom(bytes);
    this.entries.set(m.key, { m, bytes });
    this.used += bytes;
    return true;
  }

  clear(): void {
    for (const [k, e] of [...this.entries]) this.evict(k, e);
  }

  private evict(key: string, e: { m: MaterializedSubnet; bytes: number }): void {
    this.entries.delete(key);
    this.used -= e.bytes;
    e.m.dispose();
  }
}
