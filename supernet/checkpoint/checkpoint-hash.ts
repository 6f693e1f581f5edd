/**
 * Identity of a checkpoint directory for workers announcing what they serve:
 * sha256 over `checkpoint.json` then `weights.bin`, cached per directory until either file changes.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CHECKPOINT_JSON, WEIGHTS_BIN } from './checkpoint-format.ts';
import { CheckpointError } from './errors.ts';

const cache = new Map<string, { stamp: string; hash: Promise<string> }>();

/** Hex sha256 of the checkpoint's `checkpoint.json` + `weights.bin`. */
export async function checkpointHash(dir: string): Promise<string> {
  const abs = resolve(dir);
  const files = [join(abs, CHECKPOINT_JSON), join(abs, WEIGHTS_BIN)];
  for (const f of files) if (!existsSync(f)) throw new CheckpointError(`not a checkpoint directory: ${f} is missing`);
  const stats = await Promise.all(files.map((f) => stat(f)));
  const stamp = stats.map((s) => `${s.size}:${s.mtimeMs}:${s.ino}`).join('|');
  const hit = cache.get(abs);
  if (hit && hit.stamp === stamp) return hit.hash;
  const hash = hashFiles(files);
  cache.set(abs, { stamp, hash });
  hash.catch(() => cache.delete(abs));
  return hash;
}

async function hashFiles(files: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) {
    for await (const chunk of createReadStream(f)) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}
