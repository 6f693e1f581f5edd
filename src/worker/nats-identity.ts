/**
 * What a router and a worker compare before working together, computed without loading any weights:
 * the checkpoint's architecture, its hash (the same one EngineHost reports in WorkerInfo.checkpointHash)
 * and the hash of its stored latency profile.
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArch, type ArchName } from '../../supernet/types.ts';
import { readCheckpointJson } from '../../supernet/checkpoint/checkpoint-dir.ts';
import { CHECKPOINT_JSON } from '../../supernet/checkpoint/checkpoint-format.ts';

export class IdentityError extends Error { override name = 'IdentityError'; }

export interface CheckpointIdentity {
  arch: ArchName;
  checkpointHash: string;
}

function isPth(source: string): boolean { return source.endsWith('.pth') || source.endsWith('.pt'); }

/** Architecture of a checkpoint: `arch` when given (it must match a directory's), else read from checkpoint.json. */
export async function checkpointArch(source: string, arch?: ArchName): Promise<ArchName> {
  if (isPth(source)) {
    if (arch === undefined) throw new IdentityError(`--arch is required with a .pth checkpoint (${source})`);
    return arch;
  }
  const stored = parseArch((await readCheckpointJson(source)).arch);
  if (arch !== undefined && arch !== stored) throw new IdentityError(`checkpoint ${source} holds ${stored}, not the requested ${arch}`);
  return stored;
}

/**
 * The checkpoint hash every worker reports (EngineHost uses this function): checkpoint.json (which records the
 * source file's sha256 and the import time) + subnetnorm.json, or the .pth file itself.
 */
export async function checkpointIdentity(source: string, arch?: ArchName): Promise<CheckpointIdentity> {
  const resolved = await checkpointArch(source, arch);
  const h = createHash('sha256');
  const files = isPth(source) ? [source] : [join(source, CHECKPOINT_JSON)];
  if (!isPth(source) && existsSync(join(source, 'subnetnorm.json'))) files.push(join(source, 'subnetnorm.json'));
  for (const f of files) h.update(await readFile(f));
  return { arch: resolved, checkpointHash: h.digest('hex').slice(0, 16) };
}

/** sha256 prefix of `<checkpoint dir>/profile.json`, or null when there is none. */
export async function profileHash(source: string): Promise<string | null> {
  if (isPth(source)) return null;
  const file = join(source, 'profile.json');
  if (!existsSync(file)) return null;
  return createHash('sha256').update(await readFile(file)).digest('hex').slice(0, 16);
}
