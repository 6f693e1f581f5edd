import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeOfaKeys } from '../../../supernet/checkpoint/key-normalize.ts';
import { checkStateDict, stateDictSpec, StateDictMismatchError } from '../../../supernet/checkpoint/spec.ts';
import type { ArchName, StateDict, StateDictSpec } from '../../../supernet/types.ts';
import { FIXTURES_DIR, fixtureTest, testIf } from '../../fixtures.ts';

const DOCS = resolve(FIXTURES_DIR, '../docs');

function asText(spec: StateDictSpec): string {
  return spec.map((e) => `${e.name} (${e.shape.join(', ')}${e.shape.length === 1 ? ',' : ''}) ${e.dtype}`).join('\n') + '\n';
}

function zeros(spec: StateDictSpec): StateDict {
  const sd: StateDict = new Map();
  for (const e of spec) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    sd.set(e.name, e.dtype === 'int64' ? { shape: e.shape, dtype: 'int64', data: new BigInt64Array(n) } : { shape: e.shape, dtype: 'float32', data: new Float32Array(n) });
  }
  return sd;
}

test('key counts: 475 / 475 / 368', () => {
  assert.is(stateDictSpec('ofa-mbv3-w1.0').length, 475);
  assert.is(stateDictSpec('ofa-mbv3-w1.2').length, 475);
  assert.is(stateDictSpec('ofa-resnet50').length, 368);
});

for (const [fixture, arch] of [['ofa-mbv3/seed1', 'ofa-mbv3-w1.0'], ['ofa-resnet50/seed1', 'ofa-resnet50']] as const) {
  fixtureTest(fixture, `${arch} spec equals the ${fixture} tensor index (names, order, shapes)`, (dir) => {
    const index = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tensors: Array<{ name: string; shape: number[]; dtype: string }> }).tensors;
    assert.equal(stateDictSpec(arch).map((e) => [e.name, e.shape, e.dtype]),
      index.map((t) => [t.name, t.shape, t.dtype === 'int64' ? 'int64' : 'float32']));
  });
}

for (const [file, arch] of [['ofa_state_dict_mbv3_w1.2.txt', 'ofa-mbv3-w1.2'], ['ofa_state_dict_resnet50.txt', 'ofa-resnet50']] as const) {
  const path = join(DOCS, file);
  if (!existsSync(path)) console.warn(`\n!!! SKIPPED: ${path} not found !!!\n`);
  testIf(existsSync(path))(`${arch} spec equals docs/${file}`, () => {
    assert.fixture(asText(stateDictSpec(arch)), readFileSync(path, 'utf8'));
  });
}

test('checkStateDict names missing, unexpected and wrong-shape tensors and the matching arch', () => {
  const sd = zeros(stateDictSpec('ofa-mbv3-w1.0'));
  checkStateDict('ofa-mbv3-w1.0', sd);
  for (const arch of ['ofa-mbv3-w1.2', 'ofa-resnet50'] as ArchName[]) {
    try {
      checkStateDict(arch, sd);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, StateDictMismatchError);
      assert.is((err as StateDictMismatchError).matchingArch, 'ofa-mbv3-w1.0');
      assert.match((err as Error).message, new RegExp(`does not match ${arch}.*it is an ofa-mbv3-w1.0 state dict`));
    }
  }
  const broken = new Map(sd);
  broken.delete('classifier.linear.bias');
  broken.set('extra.weight', { shape: [1], dtype: 'float32', data: new Float32Array(1) });
  broken.set('first_conv.conv.weight', { shape: [16, 3, 3], dtype: 'float32', data: new Float32Array(144) });
  try {
    checkStateDict('ofa-mbv3-w1.0', broken);
    assert.unreachable();
  } catch (err) {
    const e = err as StateDictMismatchError;
    assert.equal(e.missing, ['classifier.linear.bias']);
    assert.equal(e.unexpected, ['extra.weight']);
    assert.is(e.wrongShape.length, 1);
    assert.match(e.message, /1 missing \(classifier.linear.bias\); 1 unexpected \(extra.weight\); 1 with the wrong shape.*first_conv.conv.weight \[16,3,3\]/);
  }
});

test('OFA key normalisation: old names are renamed, absent matrices / counters filled', () => {
  const sd = zeros(stateDictSpec('ofa-mbv3-w1.0'));
  const old: StateDict = new Map();
  for (const [k, t] of sd) {
    if (k.endsWith('_matrix') || k.endsWith('num_batches_tracked')) continue;
    old.set(k.replace('blocks.3.conv.', 'blocks.3.mobile_inverted_conv.').replace('.bn.bn.', '.bn.').replace('classifier.linear.', 'classifier.linear.linear.'), t);
  }
  const { stateDict, notes } = normalizeOfaKeys('ofa-mbv3-w1.0', old);
  checkStateDict('ofa-mbv3-w1.0', stateDict);
  assert.equal([...stateDict.get('blocks.1.conv.depth_conv.conv.5to3_matrix')!.data].slice(0, 11), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.is(notes.length, 3);
});

test.run();
