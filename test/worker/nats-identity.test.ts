import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineHost } from '../../src/worker/engine-host.ts';
import { checkpointArch, checkpointIdentity, IdentityError, profileHash } from '../../src/worker/nats-identity.ts';
import { MBV3, mbv3Checkpoints, SMALLEST_MBV3 } from './mbv3-checkpoint.ts';

const cks = await mbv3Checkpoints([1, 2]);
test.after(() => cks.remove());
const [a, b] = cks.dirs as [string, string];

test('the router-side identity equals what EngineHost announces, without loading weights', async () => {
  const host = await EngineHost.create({ checkpoint: a, backend: 'wasm', cacheMiB: 64, subnets: [{ id: 0, config: SMALLEST_MBV3 }], warmupBatches: [] });
  const id = await checkpointIdentity(a);
  assert.equal(id, { arch: host.info.arch, checkpointHash: host.info.checkpointHash });
  assert.is(id.arch, MBV3);
});

test('two checkpoints of the same architecture differ in hash', async () => {
  assert.is.not((await checkpointIdentity(a)).checkpointHash, (await checkpointIdentity(b)).checkpointHash);
});

test('arch comes from checkpoint.json; a contradicting --arch and a missing directory are clear errors', async () => {
  assert.is(await checkpointArch(a), MBV3);
  await checkpointArch(a, 'ofa-resnet50').then(() => assert.unreachable(), (e: Error) => { assert.instance(e, IdentityError); assert.match(e.message, /holds ofa-mbv3-w1.0, not the requested ofa-resnet50/); });
  await checkpointArch(join(a, 'nope')).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /checkpoint.json is missing/));
  await checkpointArch('x.pth').then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /--arch is required/));
});

test('profile hash: null without profile.json, stable with one', async () => {
  assert.is(await profileHash(b), null);
  await writeFile(join(b, 'profile.json'), '{"format":"superserve-profile"}');
  const h = await profileHash(b);
  assert.match(h ?? '', /^[0-9a-f]{16}$/);
  assert.is(await profileHash(b), h);
});

test.run();
