/**
 * The latency profile kept in a checkpoint directory: reused when it was measured on the same backend for
 * the same checkpoint, otherwise measured again.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from '../../supernet/checkpoint/atomic-fs.ts';
import { join } from 'node:path';
import type { ProfileJson } from '../profiler/measure.ts';

export function profilePath(checkpointDir: string): string {
  return join(checkpointDir, 'profile.json');
}

/** The stored profile if it matches this backend and checkpoint, else undefined (with the reason). */
export async function readUsableProfile(checkpointDir: string, backend: string, checkpointHash: string):
  Promise<{ profile?: ProfileJson; reason: string }> {
  const file = profilePath(checkpointDir);
  if (!existsSync(file)) return { reason: `no ${file}` };
  let p: ProfileJson;
  try {
    p = JSON.parse(await readFile(file, 'utf8')) as ProfileJson;
  } catch (e) {
    return { reason: `${file} is unreadable (${(e as Error).message})` };
  }
  if (p.backend !== backend) return { reason: `${file} was measured on backend ${p.backend}, not ${backend}` };
  if (p.checkpoint_hash !== checkpointHash) return { reason: `${file} belongs to another checkpoint` };
  return { profile: p, reason: 'reused' };
}

export async function writeProfile(checkpointDir: string, p: ProfileJson): Promise<string> {
  const file = profilePath(checkpointDir);
  await writeFileAtomically(file, JSON.stringify(p, null, 1));
  return file;
}
