/**
 * Image build step: create the embedded default checkpoint (what `serve` and `worker` otherwise create on
 * their first start) and print its directory.
 * @module
 */
import { ensureDefaultCheckpoint } from '../../supernet/load.ts';

console.log(`embedded checkpoint: ${await ensureDefaultCheckpoint()}`);
