import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCheckpointJson } from '../../supernet/checkpoint/checkpoint-dir.ts';
import { DEFAULT_CHECKPOINT_DIR } from '../../supernet/load.ts';

const HELPER = fileURLToPath(new URL('../helpers/ensure-default-checkpoint.ts', import.meta.url));

function start(cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), HELPER], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

test('three processes started at once on an empty checkpoints dir all get the one embedded checkpoint', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'superserve-first-start-'));
  try {
    const runs = await Promise.all([start(cwd), start(cwd), start(cwd)]);
    for (const r of runs) assert.is(r.code, 0, `a process failed on first start:\n${r.err}`);
    const ids = runs.map((r) => r.out.trim());
    assert.is(new Set(ids).size, 1, `the processes saw different checkpoints: ${ids.join(' | ')}`);
    const dir = join(cwd, DEFAULT_CHECKPOINT_DIR);
    assert.is((await readCheckpointJson(dir)).arch, 'ofa-resnet50');
    assert.ok(existsSync(join(dir, 'weights.bin')));
    const left = (await readdir(join(cwd, 'checkpoints'))).filter((n) => n !== 'embedded-ofa-resnet50-seed0');
    assert.equal(left, [], 'temporaries left behind');
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

test.run();
