/** Reads the architecture a checkpoint directory holds, for commands where --arch is optional. @module */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArch } from '../../supernet/archs.ts';
import type { ArchName } from '../../supernet/types.ts';
import { UsageError } from './args.ts';

export async function archOfCheckpoint(checkpoint: string): Promise<ArchName> {
  if (checkpoint.endsWith('.pth') || checkpoint.endsWith('.pt')) throw new UsageError('--arch is required with a .pth checkpoint');
  let meta: { arch?: string };
  try {
    meta = JSON.parse(await readFile(join(checkpoint, 'checkpoint.json'), 'utf8')) as { arch?: string };
  } catch (e) {
    throw new UsageError(`${checkpoint} is not a checkpoint directory: ${(e as Error).message}`);
  }
  return parseArch(meta.arch);
}
