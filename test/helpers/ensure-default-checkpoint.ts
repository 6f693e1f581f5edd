// Test helper process: what `serve` and `worker` do first on a fresh checkout (create the embedded default
// checkpoint under the working directory), then print the checkpoint's identity.
import { ensureDefaultCheckpoint } from '../../supernet/load.ts';
import { checkpointIdentity } from '../../src/worker/nats-identity.ts';

const dir = await ensureDefaultCheckpoint();
console.log(JSON.stringify(await checkpointIdentity(dir)));
