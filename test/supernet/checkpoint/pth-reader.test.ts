import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointError } from '../../../supernet/checkpoint/errors.ts';
import { float32ToFloat16 } from '../../../supernet/checkpoint/float-convert.ts';
import { readPth } from '../../../supernet/checkpoint/pth-reader.ts';
import { checkStateDict } from '../../../supernet/checkpoint/spec.ts';
import type { ArchName, RawTensor } from '../../../supernet/types.ts';
import { fixturesOrSkip, fixtureTest } from '../../fixtures.ts';
import { buildTorchZip, f32Bytes } from './torch-file-builder.ts';

interface IndexEntry { name: string; shape: number[]; dtype: string; sum: number; sha256_le: string }

function leBytes(t: RawTensor, dtype: string): Uint8Array {
  if (dtype === 'float16') return new Uint8Array(float32ToFloat16(t.data as Float32Array).buffer);
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

for (const [fixture, arch] of [['ofa-mbv3/seed1', 'ofa-mbv3-w1.0'], ['ofa-resnet50/seed1', 'ofa-resnet50']] as const) {
  fixtureTest(fixture, `${fixture}: every tensor's shape, sum and bytes match the manifest index; spec check passes`, (dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tensors: IndexEntry[] };
    const sd = readPth(readFileSync(join(dir, 'supernet.pth')));
    assert.is(sd.size, manifest.tensors.length);
    assert.equal([...sd.keys()], manifest.tensors.map((t) => t.name), 'names in OFA order');
    for (const e of manifest.tensors) {
      const t = sd.get(e.name)!;
      assert.equal(t.shape, e.shape, e.name);
      assert.is(t.dtype, e.dtype === 'int64' ? 'int64' : 'float32', e.name);
      let sum = 0;
      for (const v of t.data) sum += Number(v);
      assert.ok(Math.abs(sum - e.sum) <= 1e-6 * Math.max(1, Math.abs(e.sum)), `${e.name}: sum ${sum} vs ${e.sum}`);
      // float16 tensors: the float32 upcast must round back to the stored half bits exactly.
      assert.is(createHash('sha256').update(leBytes(t, e.dtype)).digest('hex'), e.sha256_le, `${e.name} bytes`);
    }
    checkStateDict(arch as ArchName, sd);
  });
}

function throwsCheckpointError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CheckpointError);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a CheckpointError matching ${pattern}`);
}

fixtureTest('ofa-mbv3/seed1', 'a truncated fixture fails as truncated', (dir) => {
  const bytes = readFileSync(join(dir, 'supernet.pth'));
  throwsCheckpointError(() => readPth(bytes.subarray(0, 20_000_000)), /truncated/);
  throwsCheckpointError(() => readPth(bytes.subarray(0, bytes.length - 30)), /truncated/);
});

fixtureTest('ofa-mbv3/seed1', 'a byte flipped inside a storage or the pickle fails the CRC check, naming the entry', (dir) => {
  const bytes = new Uint8Array(readFileSync(join(dir, 'supernet.pth')));
  const inStorage = bytes.slice();
  inStorage[87232 + 100]! ^= 0x40; // inside supernet/data/0 (offset from the manifest layout)
  throwsCheckpointError(() => readPth(inStorage), /corrupted zip entry 'supernet\/data\/0': CRC-32/);
  const inPickle = bytes.slice();
  inPickle[64 + 500]! ^= 0x01;
  throwsCheckpointError(() => readPth(inPickle), /corrupted zip entry 'supernet\/data.pkl'/);
});

test('non-zip, legacy and non-torch zip files are refused clearly', () => {
  throwsCheckpointError(() => readPth(new TextEncoder().encode('hello, I am not a checkpoint at all')), /not a PyTorch checkpoint: not a zip/);
  throwsCheckpointError(() => readPth(new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22])), /legacy/);
  throwsCheckpointError(() => readPth(zipSync({ 'readme.txt': new TextEncoder().encode('hi') })), /no '<name>\/data.pkl'.*readme\.txt/);
  throwsCheckpointError(() => readPth(new Uint8Array(0)), /not a zip/);
});

test('protocol 4 spelling, a bare state dict, module. prefixes and deflated storages', () => {
  const bytes = buildTorchZip([
    { name: 'module.a.weight', storageKey: '0', numel: 6, size: [2, 3] },
    { name: 'module.a.bias', storageKey: '1', numel: 2, size: [2] },
    { name: 'module.n', storageKey: '2', storageClass: 'LongStorage', numel: 1, size: [] },
  ], {
    0: f32Bytes([1, 2, 3, 4, 5, 6]), 1: f32Bytes([-1, 0.5]),
    2: new Uint8Array(new BigInt64Array([42n]).buffer),
  }, { wrap: false, protocol4: true, deflate: true });
  const sd = readPth(bytes);
  assert.equal([...sd.keys()], ['a.weight', 'a.bias', 'n']);
  assert.equal(sd.get('a.weight'), { shape: [2, 3], dtype: 'float32', data: new Float32Array([1, 2, 3, 4, 5, 6]) });
  assert.equal([...sd.get('a.bias')!.data], [-1, 0.5]);
  assert.equal(sd.get('n'), { shape: [], dtype: 'int64', data: new BigInt64Array([42n]) });
});

test('shared storages with offsets, and half / bfloat16 upcasts', () => {
  const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001]).buffer); // 1, -2, 0.33325, 2^-24
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0x4049]).buffer); // 1, 3.140625
  const sd = readPth(buildTorchZip([
    { name: 'x', storageKey: '0', numel: 6, offset: 0, size: [2] },
    { name: 'y', storageKey: '0', numel: 6, offset: 2, size: [2, 2] },
    { name: 'h', storageKey: '1', storageClass: 'HalfStorage', numel: 4, size: [4] },
    { name: 'b', storageKey: '2', storageClass: 'BFloat16Storage', numel: 2, size: [2] },
  ], { 0: f32Bytes([0, 1, 2, 3, 4, 5]), 1: half, 2: bf16 }));
  assert.equal([...sd.get('x')!.data], [0, 1]);
  assert.equal([...sd.get('y')!.data], [2, 3, 4, 5]);
  assert.equal([...sd.get('h')!.data], [1, -2, 0.333251953125, 2 ** -24]);
  assert.equal([...sd.get('b')!.data], [1, 3.140625]);
});

test('non-contiguous tensors, short storages, bad dtypes, globals and opcodes are refused', () => {
  const data = { 0: f32Bytes([0, 1, 2, 3, 4, 5]) };
  throwsCheckpointError(() => readPth(buildTorchZip([{ name: 't', storageKey: '0', numel: 6, size: [2, 3], stride: [1, 2] }], data)), /'t' is not contiguous/);
  throwsCheckpointError(() => readPth(buildTorchZip([{ name: 't', storageKey: '0', numel: 6, offset: 3, size: [2, 2] }], data)), /too short/);
  throwsCheckpointError(() => readPth(buildTorchZip([{ name: 't', storageKey: '0', numel: 8, size: [8] }], data)), /storage 'archive\/data\/0': 24 bytes, expected 32/);
  throwsCheckpointError(() => readPth(buildTorchZip([{ name: 't', storageKey: '0', storageClass: 'ComplexFloatStorage', numel: 3, size: [3] }], data)), /unsupported tensor dtype: torch.ComplexFloatStorage/);
  throwsCheckpointError(() => readPth(buildTorchZip([], {}, { dictGlobal: ['os', 'system'] })), /unsupported pickle global 'os.system'/);
  throwsCheckpointError(() => readPth(buildTorchZip([], {}, { inject: [0x8f] })), /unsupported pickle opcode 0x8f \(EMPTY_SET\)/);
  throwsCheckpointError(() => readPth(buildTorchZip([{ name: 't', storageKey: '9', numel: 1, size: [1] }], data)), /storage 'archive\/data\/9' is missing/);
});

test.run();
