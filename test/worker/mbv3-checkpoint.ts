/**
 * Test helper: a seeded random OFA-MobileNetV3 w1.0 checkpoint in a temporary directory (small and fast
 * to load), and the smallest MobileNetV3 sub-network config.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCheckpoint } from '../../supernet/checkpoint/checkpoint-dir.ts';
import { randomStateDict } from '../../supernet/checkpoint/random-init.ts';

export const MBV3 = 'ofa-mbv3-w1.0' as const;
export const SMALLEST_MBV3 = { ks: Array(20).fill(3), e: Array(20).fill(3), d: Array(5).fill(2), image_size: 128 };

export interface TmpCheckpoints { dirs: string[]; remove(): Promise<void> }

/** One checkpoint directory per seed. */
export async function mbv3Checkpoints(seeds: number[]): Promise<TmpCheckpoints> {
  const root = await mkdtemp(join(tmpdir(), 'superserve-nats-'));
  const dirs: string[] = [];
  for (const seed of seeds) {
    const dir = join(root, `mbv3-seed${seed}`);
    await writeCheckpoint(dir, MBV3, randomStateDict(MBV3, seed), { untrained: true, source: { seed } });
    dirs.push(dir);
  }
  return { dirs, remove: () => rm(root, { recursive: true, force: true }) };
}
