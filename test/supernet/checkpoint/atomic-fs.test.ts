/**
 * Atomic writes leave no temporary behind: not on error, not when the process gets SIGTERM mid-write, and a
 * temporary of a process killed outright (SIGKILL) is removed by the next write to the same target.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemporaries, writeDirAtomically, writeFileAtomically } from '../../../supernet/checkpoint/atomic-fs.ts';

const ROOT = join(import.meta.dirname, '../../..');

test('an error while filling removes the temporary and leaves no target', async () => {
  const base = await mkdtemp(join(tmpdir(), 'atomic-'));
  const dir = join(base, 'ck');
  await writeDirAtomically(dir, async (tmp) => { await writeFile(join(tmp, 'a'), 'x'); throw new Error('boom'); }).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'boom'));
  assert.equal(await readdir(base), []);
  await writeFileAtomically(join(base, 'f.json'), '{"a":1}');
  assert.is(await readFile(join(base, 'f.json'), 'utf8'), '{"a":1}');
  assert.equal(await readdir(base), ['f.json']);
});

test('a temporary left by a dead process is removed by the next write; a live process\'s is kept', async () => {
  const base = await mkdtemp(join(tmpdir(), 'atomic-'));
  const dir = join(base, 'ck');
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.once('exit', r));
  await mkdir(`${dir}.tmp-${dead.pid}`);
  await writeFile(join(`${dir}.tmp-${dead.pid}`, 'half'), 'x');
  await mkdir(`${dir}.tmp-1`); // pid 1 runs: not ours to remove
  await writeDirAtomically(dir, async (tmp) => { await writeFile(join(tmp, 'w'), 'ok'); });
  assert.equal((await readdir(base)).sort(), ['ck', 'ck.tmp-1']);
  assert.equal(await removeStaleTemporaries(dir), []);
});

test('SIGTERM while a directory is being written: the temporary is removed and the process exits 143', async () => {
  const base = await mkdtemp(join(tmpdir(), 'atomic-'));
  const dir = join(base, 'ck');
  const script = `import { writeDirAtomically } from ${JSON.stringify(join(ROOT, 'supernet/checkpoint/atomic-fs.ts'))};
    import { writeFile } from 'node:fs/promises';
    await writeDirAtomically(${JSON.stringify(dir)}, async (tmp) => { await writeFile(tmp + '/part', 'x'); await new Promise(() => setInterval(() => {}, 1000)); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const tmp = `${dir}.tmp-${child.pid}`;
  const until = Date.now() + 60_000;
  while (!existsSync(join(tmp, 'part')) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.ok(existsSync(join(tmp, 'part')), 'the child started writing');
  child.kill('SIGTERM');
  assert.is(await exited, 143);
  assert.equal(await readdir(base), []);
});

test.run();
