/**
 * Options shared by every policy, with their defaults and validation.
 * @module
 */
import { PolicyError } from './errors.ts';
import type { ProfileTable } from './profile-table.ts';

export interface PolicyOptions {
  /** Largest batch a policy may pick. @default 16 (the paper's), capped at the profile's largest batch */
  readonly maxBatch?: number;
  /** SlackFit: number of evenly spaced latency buckets (the paper does not give it). @default 10 */
  readonly buckets?: number;
  /**
   * Batch sizes considered: 'profiled' (only the profiled sizes, as the paper's policies) or
   * 'all' (every integer, latencies interpolated). @default 'profiled', except 'all' for slackfit-q
   */
  readonly batchGrid?: 'profiled' | 'all';
  /** slackfit-q: workers pulling from the queue (more workers drain it faster). @default 1 */
  readonly workers?: number;
}

export const DEFAULT_MAX_BATCH = 16;
export const DEFAULT_BUCKETS = 10;

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 1) throw new PolicyError(`${name} must be a positive integer, got ${v}`);
  return x;
}

export interface ResolvedOptions {
  maxBatch: number;
  buckets: number;
  batchGrid: 'profiled' | 'all';
  workers: number;
  /** The batch sizes to consider, ascending. */
  grid: number[];
}

export function resolveOptions(table: ProfileTable, opts: PolicyOptions, gridDefault: 'profiled' | 'all'): ResolvedOptions {
  const maxBatch = Math.min(positiveInt('maxBatch', opts.maxBatch, DEFAULT_MAX_BATCH), table.maxBatch);
  const buckets = positiveInt('buckets', opts.buckets, DEFAULT_BUCKETS);
  const workers = positiveInt('workers', opts.workers, 1);
  const batchGrid = opts.batchGrid ?? gridDefault;
  if (batchGrid !== 'profiled' && batchGrid !== 'all') throw new PolicyError(`batchGrid must be 'profiled' or 'all', got ${JSON.stringify(batchGrid)}`);
  return { maxBatch, buckets, batchGrid, workers, grid: table.batchGrid(batchGrid, maxBatch) };
}
