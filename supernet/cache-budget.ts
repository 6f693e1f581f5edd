/**
 * `--cache-mib auto`: a sub-network cache big enough to keep every served sub-network resident (none streamed),
 * unless that would take more than a share of the machine's memory. What a sub-network costs resident is its own
 * weights times the backend's resident factor (WASM: 3, see engine.ts); a supernet that cannot say so without
 * materialising (MobileNetV3) is materialised once to measure it.
 * @module
 */
import { DEFAULT_CACHE_MIB } from './defaults.ts';
import type { SubnetConfig, Supernet } from './types.ts';

/** The most of the machine's memory one worker's cache may take by default. */
export const CACHE_MEMORY_SHARE = 1 / 8;

export interface CacheBudget {
  budgetMiB: number;
  /** MiB that keep every served sub-network resident. */
  needMiB: number;
  /** True when memory capped the budget below the need (some sub-networks will be streamed). */
  capped: boolean;
}

export function ownBytes(supernet: Supernet, config: SubnetConfig): number {
  const estimate = supernet.materializedBytes?.(config);
  if (estimate !== undefined) return estimate;
  const m = supernet.materialize(config);
  try {
    return m.ownBytes ?? m.bytes;
  } finally {
    m.dispose();
  }
}

export function autoCacheBudget(supernet: Supernet, configs: SubnetConfig[], residentFactor: number, totalMemoryBytes: number): CacheBudget {
  const keys = new Set<string>();
  let bytes = 0;
  for (const c of configs) {
    const key = supernet.key(c);
    if (keys.has(key)) continue;
    keys.add(key);
    bytes += ownBytes(supernet, c) * residentFactor;
  }
  // 10 % for the cache's own accounting slack, and never below the old fixed default.
  const needMiB = Math.max(DEFAULT_CACHE_MIB, Math.ceil((bytes * 1.1) / 2 ** 20));
  const capMiB = Math.floor((totalMemoryBytes * CACHE_MEMORY_SHARE) / 2 ** 20);
  return { budgetMiB: Math.min(needMiB, Math.max(DEFAULT_CACHE_MIB, capMiB)), needMiB, capped: needMiB > Math.max(DEFAULT_CACHE_MIB, capMiB) };
}
