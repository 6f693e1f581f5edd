import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCheckpoint } from '../../../supernet/checkpoint/checkpoint-dir.ts';
import { CheckpointError } from '../../../supernet/checkpoint/errors.ts';
import { importOfa } from '../../../supernet/checkpoint/import-ofa.ts';
import { readPth } from '../../../supernet/checkpoint/pth-reader.ts';
import type { ArchName } from '../../../supernet/types.ts';
import { run } from '../../../src/commands/import-ofa.ts';
import { fixturesOrSkip, fixtureTest } from '../../fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'superserve-import-'));
const out = join(root, 'out');

async function failsCleanly(pth: string, arch: ArchName, pattern: RegExp): Promise<void> {
  const dir = join(out, 'x');
  try {
    await importOfa(pth, arch, dir);
    assert.unreachable('import should fail');
  } catch (err) {
    assert.instance(err, CheckpointError);
    assert.match((err as Error).message, pattern);
  }
  assert.equal(readdirSync(out), [], 'nothing left on disk');
}

test.before(() => mkdirSync(out));

fixtureTest('ofa-mbv3/seed1', 'imports the MBv3 fixture; the checkpoint reads back equal to the .pth', async (dir) => {
  const pth = join(dir, 'supernet.pth');
  const phases = new Set<string>();
  const r = await importOfa(pth, 'ofa-mbv3-w1.0', join(out, 'mbv3'), { onProgress: (p) => phases.add(p) });
  assert.is(r.tensors, 475);
  assert.is(r.sha256, 'c4ce3f06d291aabe12ebbfed015ab225022450b2794e70255d356b073b8cba3a');
  assert.equal([...phases], ['read', 'parse', 'write']);
  const ck = await readCheckpoint(join(out, 'mbv3'));
  assert.equal(ck.meta.source, { file: 'supernet.pth', sha256: r.sha256 });
  assert.is(ck.meta.untrained, false);
  const ref = readPth(readFileSync(pth));
  for (const [name, t] of ref) {
    const u = ck.stateDict.get(name)!;
    assert.ok(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), name);
  }
  rmSync(join(out, 'mbv3'), { recursive: true });
});

fixtureTest('ofa-mbv3/seed1', 'wrong architecture, truncated, corrupted, non-zip and non-torch files: CheckpointError, no output', async (dir) => {
  const bytes = new Uint8Array(readFileSync(join(dir, 'supernet.pth')));
  const pth = join(dir, 'supernet.pth');
  await failsCleanly(pth, 'ofa-resnet50', /does not match ofa-resnet50.*it is an ofa-mbv3-w1.0 state dict/);
  await failsCleanly(pth, 'ofa-mbv3-w1.2', /does not match ofa-mbv3-w1.2: 370 with the wrong shape.*it is an ofa-mbv3-w1.0/);
  const write = (name: string, data: Uint8Array): string => { const p = join(root, name); writeFileSync(p, data); return p; };
  await failsCleanly(write('truncated.pth', bytes.subarray(0, bytes.length >> 1)), 'ofa-mbv3-w1.0', /truncated\.pth: truncated file/);
  const flipped = bytes.slice();
  flipped[20_000_000]! ^= 0xff;
  await failsCleanly(write('flipped.pth', flipped), 'ofa-mbv3-w1.0', /flipped\.pth: corrupted zip entry 'supernet\/data\/\d+': CRC-32/);
  await failsCleanly(write('text.pth', new TextEncoder().encode('{"not": "a checkpoint"}')), 'ofa-mbv3-w1.0', /not a PyTorch checkpoint/);
  await failsCleanly(write('plain.zip', zipSync({ 'a/b.txt': new Uint8Array([1, 2, 3]) })), 'ofa-mbv3-w1.0', /not a PyTorch checkpoint: the zip has no '<name>\/data.pkl'/);
  await failsCleanly(join(root, 'missing.pth'), 'ofa-mbv3-w1.0', /cannot read .*missing\.pth: ENOENT/);
});

fixtureTest('ofa-resnet50/seed1', 'imports the float16 ResNet50 fixture as float32', async (dir) => {
  const r = await importOfa(join(dir, 'supernet.pth'), 'ofa-resnet50', join(out, 'r50'));
  assert.is(r.tensors, 368);
  const ck = await readCheckpoint(join(out, 'r50'));
  const w = ck.stateDict.get('input_stem.0.conv.conv.weight')!;
  assert.is(w.dtype, 'float32');
  let sum = 0;
  for (const v of w.data as Float32Array) sum += v;
  assert.ok(Math.abs(sum - -0.3940436840057373) < 1e-6);
  rmSync(join(out, 'r50'), { recursive: true });
});

fixtureTest('ofa-mbv3/seed1', 'CLI: exit 0 on success, 2 on usage errors, 1 on a bad file; nothing left on failure', async (dir) => {
  const pth = join(dir, 'supernet.pth');
  const target = join(out, 'cli');
  const quiet = console.error;
  console.error = () => {};
  try {
    assert.is(await run([pth, '--out', target]), 2, 'missing --arch');
    assert.is(await run([pth, '--arch', 'ofa-vgg', '--out', target]), 2, 'unknown arch');
    assert.is(await run(['--arch', 'ofa-mbv3-w1.0', '--out', target]), 2, 'no file');
    assert.is(await run([pth, '--arch', 'ofa-mbv3-w1.0', '--out', target, '--bogus']), 2, 'unknown flag');
    assert.is(await run([pth, '--arch', 'ofa-resnet50', '--out', target]), 1, 'wrong arch');
    assert.equal(readdirSync(out), []);
    assert.is(await run([pth, '--arch', 'ofa-mbv3-w1.0', '--out', target]), 0);
    assert.is(await run([pth, '--arch', 'ofa-mbv3-w1.0', '--out', target]), 1, 'exists without --force');
    assert.is(await run([pth, '--arch', 'ofa-mbv3-w1.0', '--out', target, '--force']), 0);
  } finally {
    console.error = quiet;
  }
  assert.equal(readdirSync(out), ['cli']);
  assert.is((await readCheckpoint(target)).arch, 'ofa-mbv3-w1.0');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
