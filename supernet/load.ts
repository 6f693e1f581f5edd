/**
 * Loads a supernet from a checkpoint directory or straight from an OFA `.pth`, and creates the embedded
 * default (seeded random-weight OFA-ResNet50, labelled untrained) on first start.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSupernet } from './archs.ts';
import { readPth } from './checkpoint/pth-reader.ts';
import { checkStateDict } from './checkpoint/spec.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoint/checkpoint-dir.ts';
import { CHECKPOINT_JSON } from './checkpoint/checkpoint-format.ts';
import { randomStateDict } from './checkpoint/random-init.ts';
import { collectGarbage } from './gc.ts';
import type { ArchName, Supernet } from './types.ts';

export interface LoadedModel {
  arch: ArchName;
  supernet: Supernet;
  /** Directory of the checkpoint, or the .pth path. */
  source: string;
  untrained: boolean;
}

export const DEFAULT_CHECKPOINT_DIR = 'checkpoints/embedded-ofa-resnet50-seed0';
export const DEFAULT_ARCH: ArchName = 'ofa-resnet50';
export const DEFAULT_SEED = 0;

export async function loadModel(source: string, arch?: ArchName): Promise<LoadedModel> {
  if (source.endsWith('.pth') || source.endsWith('.pt')) {
    if (arch === undefined) throw new Error(`--arch is required when loading a .pth file (${source})`);
    const sd = readPth(new Uint8Array(await readFile(source)));
    checkStateDict(arch, sd);
    return { arch, supernet: createSupernet(arch, sd, new Map()), source, untrained: false };
  }
  const ck = await readCheckpoint(source);
  if (arch !== undefined && arch !== ck.arch) {
    throw new Error(`checkpoint ${source} holds ${ck.arch}, not the requested ${arch}`);
  }
  return {
    arch: ck.arch,
    supernet: createSupernet(ck.arch, ck.stateDict, ck.subnetNorm),
    source,
    untrained: ck.meta.untrained === true,
  };
}

/**
 * Creates the embedded default checkpoint if it does not exist yet; returns its directory. Safe when several
 * processes start at once on a fresh checkout: each builds it in its own temporary and renames it into
 * place (atomic-fs.ts); whoever loses the race uses the winner's, which is complete, since only a rename
 * makes `dir` appear.
 */
export async function ensureDefaultCheckpoint(dir = DEFAULT_CHECKPOINT_DIR): Promise<string> {
  if (existsSync(dir)) return dir;
  try {
    await writeCheckpoint(dir, DEFAULT_ARCH, randomStateDict(DEFAULT_ARCH, DEFAULT_SEED), { untrained: true, source: { seed: DEFAULT_SEED } });
  } catch (e) {
    if (!existsSync(join(dir, CHECKPOINT_JSON))) throw e;
  } finally {
    collectGarbage(); // the generated weights (193 MB) are garbage now; serve's HTTP thread would otherwise keep them
  }
  return dir;
}
