/**
 * The model CLI end to end on the OFA-MBv3 reference fixture: import-ofa -> run-subnet (supernet path and .pth path),
 * export-subnet -> static model, calibrate -> SubnetNorm in the checkpoint -> calibrated logits; and their errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../supernet/backend.ts';
import { loadStaticSubnet } from '../../supernet/static-model.ts';
import { runCli } from '../helpers/capture-cli.ts';
import { fixturesOrSkip, testIf } from '../fixtures.ts';

const FIX = fixturesOrSkip('ofa-mbv3/seed1') ?? '';
const it = testIf(FIX !== '');
const ARCH = 'ofa-mbv3-w1.0';
let tmp = '';
let ckpt = '';

const f32 = async (file: string): Promise<Float32Array> => { const b = await readFile(file); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
const maxAbsDiff = (a: Float32Array, b: Float32Array): number => { assert.is(a.length, b.length); let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };
let lastOutput = '';
const quiet = async (argv: string[]): Promise<number> => {
  const r = await runCli(argv);
  lastOutput = r.output;
  return r.code;
};

test.before(async () => {
  await selectBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'superserve-cli-'));
  ckpt = join(tmp, 'ckpt');
});

const casesDir = join(FIX, 'cases');

it('import-ofa writes a checkpoint; run-subnet reproduces the reference logits (checkpoint and .pth)', async () => {
  assert.is(await quiet(['import-ofa', join(FIX, 'supernet.pth'), '--arch', ARCH, '--out', ckpt]), 0, lastOutput);
  for (const c of ['00-min-r160', '02-rand-r224', '06-rand-r132']) {
    const out = join(tmp, `${c}.bin`);
    for (const source of [ckpt, join(FIX, 'supernet.pth')]) {
      const code = await quiet(['run-subnet', '--checkpoint', source, '--arch', ARCH, '--subnet', join(casesDir, c, 'config.json'),
        '--input', join(casesDir, c, 'input.bin'), '--output', out]);
      assert.is(code, 0, lastOutput);
      const d = maxAbsDiff(await f32(out), await f32(join(casesDir, c, 'logits_supernet.bin')));
      assert.ok(d <= 1e-4, `${c} from ${source}: max abs diff ${d}`);
    }
  }
});

it('export-subnet saves a static tfjs model that reproduces the reference logits', async () => {
  const c = '03-rand-r192';
  const dir = join(tmp, 'static');
  assert.is(await quiet(['export-subnet', '--checkpoint', ckpt, '--subnet', join(casesDir, c, 'config.json'), '--out', dir]), 0, lastOutput);
  const model = await loadStaticSubnet(dir);
  const cfg = JSON.parse(await readFile(join(casesDir, c, 'config.json'), 'utf8')) as { image_size: number };
  const r = cfg.image_size;
  const x = await f32(join(casesDir, c, 'input.bin'));
  const logits = tf.tidy(() => model.forward(tf.transpose(tf.tensor4d(x, [2, 3, r, r]), [0, 2, 3, 1]) as tf.Tensor4D));
  const d = maxAbsDiff(await logits.data() as Float32Array, await f32(join(casesDir, c, 'logits_supernet.bin')));
  logits.dispose();
  model.dispose();
  assert.ok(d <= 1e-4, `static model max abs diff ${d}`);
});

it('calibrate stores SubnetNorm statistics the engine then uses (OFA set_running_statistics fixture)', async () => {
  const c = join(casesDir, '05-rand-r128');
  const subnets = join(tmp, 'subnets.json');
  await writeFile(subnets, JSON.stringify([JSON.parse(await readFile(join(c, 'config.json'), 'utf8'))]));
  assert.is(await quiet(['calibrate', ckpt, '--input-bin', join(c, 'calib_input.bin'), '--subnets', subnets, '--batch-size', '3']), 0, lastOutput);
  assert.ok(existsSync(join(ckpt, 'subnetnorm.json')));
  const out = join(tmp, 'calibrated.bin');
  assert.is(await quiet(['run-subnet', '--checkpoint', ckpt, '--subnet', join(c, 'config.json'), '--input', join(c, 'input.bin'), '--output', out]), 0, lastOutput);
  const d = maxAbsDiff(await f32(out), await f32(join(c, 'logits_calibrated_supernet.bin')));
  assert.ok(d <= 1e-4, `calibrated logits max abs diff ${d}`);
});

it('bad inputs: clear messages and non-zero exit codes', async () => {
  const c = join(casesDir, '02-rand-r224');
  assert.is(await quiet(['run-subnet', '--checkpoint', ckpt, '--subnet', join(c, 'config.json')]), 2);
  assert.match(lastOutput, /--input and --output are required/);
  const bad = join(tmp, 'bad-config.json');
  await writeFile(bad, JSON.stringify({ ks: Array(20).fill(4), e: Array(20).fill(3), d: Array(5).fill(2), image_size: 224 }));
  assert.is(await quiet(['run-subnet', '--checkpoint', ckpt, '--subnet', bad, '--input', join(c, 'input.bin'), '--output', join(tmp, 'x.bin')]), 1);
  assert.match(lastOutput, /ks/);
  const short = join(tmp, 'short.bin');
  await writeFile(short, new Uint8Array(1000));
  assert.is(await quiet(['run-subnet', '--checkpoint', ckpt, '--subnet', join(c, 'config.json'), '--input', short, '--output', join(tmp, 'x.bin')]), 2);
  assert.match(lastOutput, /not a whole number/);
  assert.is(await quiet(['run-subnet', '--checkpoint', join(tmp, 'missing'), '--subnet', join(c, 'config.json'), '--input', short, '--output', join(tmp, 'x.bin')]), 1);
  assert.is(await quiet(['export-subnet', '--checkpoint', ckpt, '--pareto', '99', '--out', join(tmp, 'e')]), 2);
  assert.match(lastOutput, /--pareto must be an id/);
  assert.is(await quiet(['calibrate', ckpt, '--images', tmp, '--subnets', 'pareto']), 2);
  assert.match(lastOutput, /no JPEG or PNG images/);
  assert.is(await quiet(['no-such-command']), 2);
});

test.run();
