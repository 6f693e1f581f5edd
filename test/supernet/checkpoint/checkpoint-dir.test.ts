import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkpointHash, readCheckpoint, writeCheckpoint, writeSubnetNorm } from '../../../supernet/checkpoint/checkpoint-dir.ts';
import { CheckpointError } from '../../../supernet/checkpoint/errors.ts';
import { randomStateDict } from '../../../supernet/checkpoint/random-init.ts';
import type { BnStats, StateDict, SubnetNormTable } from '../../../supernet/types.ts';

const root = mkdtempSync(join(tmpdir(), 'superserve-ckpt-'));
const sd = randomStateDict('ofa-mbv3-w1.0', 3);
sd.get('first_conv.bn.num_batches_tracked')!.data[0] = 123456n;

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try { await p; } catch (err) {
    assert.instance(err, CheckpointError);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a CheckpointError matching ${pattern}`);
}

function sameStateDict(a: StateDict, b: StateDict): void {
  assert.equal([...a.keys()], [...b.keys()]);
  for (const [name, t] of a) {
    const u = b.get(name)!;
    assert.equal(u.shape, t.shape, name);
    assert.is(u.dtype, t.dtype, name);
    assert.ok(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength)
      .equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), `${name} bit-exact`);
  }
}

test('write + read round trip is bit-exact (int64 counters included) and leaves no temp dir', async () => {
  const dir = join(root, 'a');
  await writeCheckpoint(dir, 'ofa-mbv3-w1.0', sd, { untrained: true, source: { seed: 3 } });
  assert.equal(readdirSync(root), ['a']);
  assert.equal(readdirSync(dir).sort(), ['checkpoint.json', 'weights.bin']);
  const ck = await readCheckpoint(dir);
  assert.is(ck.arch, 'ofa-mbv3-w1.0');
  assert.equal(ck.meta.source, { seed: 3 });
  assert.is(ck.meta.untrained, true);
  assert.is(ck.subnetNorm.size, 0);
  sameStateDict(sd, ck.stateDict);
  assert.is(ck.stateDict.get('first_conv.bn.num_batches_tracked')!.data[0], 123456n);
});

test('refuses to overwrite without force; force replaces atomically', async () => {
  const dir = join(root, 'a');
  await rejects(writeCheckpoint(dir, 'ofa-mbv3-w1.0', sd, { untrained: true }), /already exists/);
  const other = randomStateDict('ofa-mbv3-w1.0', 4);
  await writeCheckpoint(dir, 'ofa-mbv3-w1.0', other, { untrained: true, source: { seed: 4 } }, { force: true });
  sameStateDict(other, (await readCheckpoint(dir)).stateDict);
  assert.equal(readdirSync(root).sort(), ['a']);
});

test('a state dict that does not match the arch is refused before anything is written', async () => {
  const dir = join(root, 'wrong');
  await rejects(writeCheckpoint(dir, 'ofa-mbv3-w1.2', sd, { untrained: true }), /does not match ofa-mbv3-w1.2.*it is an ofa-mbv3-w1.0 state dict/);
  const bad = new Map(sd);
  bad.set('blocks.0.conv.point_linear.bn.num_batches_tracked', { shape: [], dtype: 'int64', data: new BigInt64Array([2n ** 40n]) });
  await rejects(writeCheckpoint(dir, 'ofa-mbv3-w1.0', bad, { untrained: true }), /does not fit the int32/);
  assert.not.ok(existsSync(dir));
  assert.equal(readdirSync(root).sort(), ['a']);
});

test('clear errors for a missing dir, bad json, wrong format and short weights', async () => {
  await rejects(readCheckpoint(join(root, 'nope')), /checkpoint directory not found/);
  const dir = join(root, 'broken');
  await writeCheckpoint(dir, 'ofa-mbv3-w1.0', sd, { untrained: true });
  const json = readFileSync(join(dir, 'checkpoint.json'), 'utf8');
  writeFileSync(join(dir, 'checkpoint.json'), json.slice(0, 100));
  await rejects(readCheckpoint(dir), /checkpoint.json: invalid JSON/);
  writeFileSync(join(dir, 'checkpoint.json'), json.replace('"superserve-checkpoint"', '"other"'));
  await rejects(readCheckpoint(dir), /format is "other"/);
  writeFileSync(join(dir, 'checkpoint.json'), json);
  truncateSync(join(dir, 'weights.bin'), 1000);
  await rejects(readCheckpoint(dir), /weights size mismatch: weights.bin has 1000 bytes, the manifest needs 30883072/);
  rmSync(dir, { recursive: true });
});

function stats(c: number, base: number): BnStats {
  return { mean: Float32Array.from({ length: c }, (_, i) => base + i / 7), var: Float32Array.from({ length: c }, (_, i) => 1 + i / 3) };
}

test('SubnetNorm write/read round trip, merging by subnet key, with validation', async () => {
  const dir = join(root, 'a');
  const t1: SubnetNormTable = new Map([
    ['k1', new Map([['first_conv.bn', stats(16, 0.5)], ['blocks.5.conv.depth_conv.bn.bn', stats(96, -1)]])],
    ['k2', new Map([['blocks.1.conv.inverted_bottleneck.bn.bn', stats(48, 2)]])],
  ]);
  await writeSubnetNorm(dir, t1);
  await writeSubnetNorm(dir, new Map([['k2', new Map([['final_expand_layer.bn', stats(960, 3)]])], ['k3', new Map([['first_conv.bn', stats(16, 9)]])]]));
  const back = (await readCheckpoint(dir)).subnetNorm;
  assert.equal([...back.keys()], ['k1', 'k2', 'k3']);
  assert.equal(back.get('k1'), t1.get('k1'));
  assert.equal([...back.get('k2')!.keys()], ['final_expand_layer.bn']);
  assert.equal(back.get('k2')!.get('final_expand_layer.bn'), stats(960, 3));
  await rejects(writeSubnetNorm(dir, new Map([['x', new Map([['not.a.bn', stats(4, 0)]])]])), /'not.a.bn' is not a BN layer/);
  await rejects(writeSubnetNorm(dir, new Map([['x', new Map([['first_conv.bn', stats(17, 0)]])]])), /expected equal lengths in 1..16/);
  await rejects(writeSubnetNorm(join(root, 'nope'), t1), /not a checkpoint directory/);
  writeFileSync(join(dir, 'subnetnorm.bin'), new Uint8Array(readFileSync(join(dir, 'subnetnorm.bin')).length));
  await rejects(readCheckpoint(dir), /subnetnorm.bin does not match the index/);
  rmSync(join(dir, 'subnetnorm.json'));
  rmSync(join(dir, 'subnetnorm.bin'));
  assert.equal(readdirSync(dir).sort(), ['checkpoint.json', 'weights.bin']);
});

test('checkpointHash is the sha256 of checkpoint.json + weights.bin and follows changes', async () => {
  const dir = join(root, 'a');
  const { createHash } = await import('node:crypto');
  const expect = createHash('sha256').update(readFileSync(join(dir, 'checkpoint.json'))).update(readFileSync(join(dir, 'weights.bin'))).digest('hex');
  assert.is(await checkpointHash(dir), expect);
  assert.is(await checkpointHash(dir), expect);
  await writeCheckpoint(dir, 'ofa-mbv3-w1.0', sd, { untrained: true, source: { seed: 3 }, created: 'x' }, { force: true });
  assert.is.not(await checkpointHash(dir), expect);
  await rejects(checkpointHash(join(root, 'nope')), /not a checkpoint directory/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
