/**
 * The OFA reference fixtures through the project's own `run-subnet --backend webgpu` (in CI on Mesa's software
 * adapter): the smallest and largest case of each architecture within 1e-4 of PyTorch, the backend reported as
 * webgpu. Skipped (counted as skipped) without the fixtures or without an adapter.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../supernet/backend.ts';
import { FIXTURES_DIR, fixturesOrSkip } from '../fixtures.ts';
import { runCli } from '../helpers/capture-cli.ts';
import { webgpuAdapterOrSkip } from './webgpu-adapter.ts';

const CASES = [
  { fixture: 'ofa-resnet50/seed1', arch: 'ofa-resnet50', cases: ['00-min-r224', '01-max-r224'] },
  { fixture: 'ofa-mbv3/seed1', arch: 'ofa-mbv3-w1.0', cases: ['00-min-r160', '01-max-r224'] },
];
const adapter = await webgpuAdapterOrSkip();
let tmp = '';

const f32 = async (file: string): Promise<Float32Array> => {
  const b = await readFile(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

test.before(async () => { tmp = await mkdtemp(join(tmpdir(), 'superserve-webgpu-')); });
test.after(async () => {
  await rm(tmp, { recursive: true, force: true });
  await selectBackend('wasm');
});

for (const { fixture, arch, cases } of CASES) {
  const dir = adapter === null ? null : fixturesOrSkip(fixture);
  for (const c of cases) {
    const name = `${arch} ${c}: run-subnet --backend webgpu matches OFA within 1e-4`;
    if (dir === null) { test.skip(`${name} (needs a WebGPU adapter and ${FIXTURES_DIR})`, () => {}); continue; }
    test(name, async () => {
      const out = join(tmp, `${arch}-${c}.bin`);
      const r = await runCli(['run-subnet', '--checkpoint', join(dir, 'supernet.pth'), '--arch', arch, '--backend', 'webgpu',
        '--subnet', join(dir, 'cases', c, 'config.json'), '--input', join(dir, 'cases', c, 'input.bin'), '--output', out]);
      assert.is(r.code, 0, r.output);
      assert.match(r.output, /backend: webgpu on /);
      const got = await f32(out);
      const want = await f32(join(dir, 'cases', c, 'logits_supernet.bin'));
      assert.is(got.length, want.length);
      let d = 0;
      for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!));
      assert.ok(d <= 1e-4, `max abs diff ${d}`);
      console.log(`  ${arch} ${c} on webgpu: max abs diff ${d.toExponential(2)}`);
    });
  }
}

test.run();
