/** The architecture a checkpoint holds, for commands where --arch is optional; problems are usage errors. @module */
import type { ArchName } from '../../supernet/types.ts';
import { checkpointArch } from '../worker/nats-identity.ts';
import { UsageError } from './args.ts';

export async function archOfCheckpoint(checkpoint: string): Promise<ArchName> {
  try {
    return await checkpointArch(checkpoint);
  } catch (e) {
    throw new UsageError(`${checkpoint}: ${(e as Error).message}`);
  }
}
