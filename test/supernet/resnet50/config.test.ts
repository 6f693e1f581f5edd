/**
 * OFA-ResNet50 config validation, canonical keys, the width tables, and the shipped Pareto configs.
 * @module
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activePlan, resnet50Arch as A, resnetKey, validateResNetConfig } from '../../../supernet/resnet50/index.ts';
import { SubnetConfigError, type ResNetSubnetConfig } from '../../../supernet/types.ts';

const MIN: ResNetSubnetConfig = { d: [0, 0, 0, 0, 0], e: Array(18).fill(0.2), w: [0, 0, 0, 0, 0, 0], image_size: 224 };
const MAX: ResNetSubnetConfig = { d: [2, 2, 2, 2, 2], e: Array(18).fill(0.35), w: [2, 2, 2, 2, 2, 2], image_size: 224 };

function rejects(config: unknown, field: string, value: unknown): void {
  try {
    validateResNetConfig(config);
  } catch (e) {
    assert.instance(e, SubnetConfigError);
    const err = e as SubnetConfigError;
    assert.is(err.field, field);
    assert.equal(err.value, value);
    assert.ok(err.message.includes(field) && err.message.includes(JSON.stringify(value)), err.message);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(config)}`);
}

test('valid configs come back as fresh copies', () => {
  const v = validateResNetConfig(MAX);
  assert.equal(v, MAX);
  assert.is.not(v.e, MAX.e);
  assert.equal(validateResNetConfig({ ...MIN, image_size: 64 }).image_size, 64);
});

test('every bad field is named with its value', () => {
  rejects(null, 'config', null);
  rejects([1], 'config', [1]);
  rejects('d=2', 'config', 'd=2');
  rejects({ ...MIN, d: undefined }, 'd', undefined);
  rejects({ ...MIN, d: '0,0,0,0,0' }, 'd', '0,0,0,0,0');
  rejects({ ...MIN, d: [0, 0, 0, 0] }, 'd', [0, 0, 0, 0]);
  rejects({ ...MIN, d: [1, 0, 0, 0, 0] }, 'd[0]', 1);
  rejects({ ...MIN, d: [0, 0, 3, 0, 0] }, 'd[2]', 3);
  rejects({ ...MIN, e: Array(17).fill(0.2) }, 'e', Array(17).fill(0.2));
  rejects({ ...MIN, e: [...MIN.e.slice(0, 5), 0.3, ...MIN.e.slice(6)] }, 'e[5]', 0.3);
  rejects({ ...MIN, e: ['0.2', ...MIN.e.slice(1)] }, 'e[0]', '0.2');
  rejects({ ...MIN, w: [0, 0, 0, 0, 0] }, 'w', [0, 0, 0, 0, 0]);
  rejects({ ...MIN, w: [0, 0, 0, 3, 0, 0] }, 'w[3]', 3);
  rejects({ ...MIN, w: [0, 0.8, 0, 0, 0, 0] }, 'w[1]', 0.8);
  rejects({ d: MIN.d, e: MIN.e, w: MIN.w }, 'image_size', undefined);
  rejects({ ...MIN, image_size: '224' }, 'image_size', '224');
  rejects({ ...MIN, image_size: 223.5 }, 'image_size', 223.5);
  rejects({ ...MIN, image_size: 16 }, 'image_size', 16);
  rejects({ ...MIN, image_size: 4096 }, 'image_size', 4096);
  rejects({ ...MIN, ks: [3] }, 'ks', [3]);
});

test('keys are canonical and distinguish configs', () => {
  assert.is(resnetKey(MIN), `r50:d=0,0,0,0,0;e=${Array(18).fill(0.2).join(',')};w=0,0,0,0,0,0;r=224`);
  assert.is(resnetKey(validateResNetConfig(JSON.parse(JSON.stringify(MAX)))), resnetKey(MAX));
  const keys = new Set([MIN, MAX, { ...MIN, image_size: 160 }, { ...MIN, w: [1, 0, 0, 0, 0, 0] }, { ...MIN, d: [2, 0, 0, 0, 0] }].map(resnetKey));
  assert.is(keys.size, 5);
});

test('width tables equal OFA (docs §4)', () => {
  assert.equal(A.STEM_MID_WIDTHS, [24, 24, 32]);
  assert.equal(A.STEM_OUT_WIDTHS, [40, 48, 64]);
  assert.equal(A.STAGE_OUT_WIDTHS, [[168, 208, 256], [336, 408, 512], [664, 816, 1024], [1328, 1640, 2048]]);
  const mids = A.STAGE_OUT_WIDTHS.map((ws) => ws.map((w) => A.EXPAND_RATIO_LIST.map((e) => A.middleChannels(w, e))));
  assert.equal(mids, [
    [[32, 40, 56], [40, 56, 72], [48, 64, 88]],
    [[64, 88, 120], [80, 104, 144], [104, 128, 176]],
    [[136, 168, 232], [160, 208, 288], [208, 256, 360]],
    [[264, 336, 464], [328, 408, 576], [408, 512, 720]],
  ]);
  assert.equal(A.BLOCK_SPECS.filter((b) => b.hasDownsample).map((b) => b.index), [0, 4, 8, 14]);
  assert.equal(A.STAGE_BLOCKS, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11, 12, 13], [14, 15, 16, 17]]);
});

test('LayerSelect: the first base+d blocks of each stage, the stem residual block iff d[0] = 2', () => {
  const p = activePlan({ ...MIN, d: [2, 1, 0, 2, 1] });
  assert.equal(p.supernetBlocks, [0, 1, 2, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  assert.is(p.plan.stem.residual?.name, 'input_stem.1.conv');
  assert.is(p.plan.stem.last.name, 'input_stem.2');
  const q = activePlan(MIN);
  assert.is(q.plan.stem.residual, null);
  assert.is(q.plan.stem.last.name, 'input_stem.1');
  assert.equal(q.plan.blocks.map((b) => b.downsample !== null), [true, false, true, false, true, false, false, false, true, false]);
});

test('the six Pareto subnets of data/pareto/ofa-resnet50.json validate', () => {
  const url = new URL('../../../data/pareto/ofa-resnet50.json', import.meta.url);
  const { cases } = JSON.parse(readFileSync(url, 'utf8')) as { cases: Array<{ config: unknown }> };
  assert.is(cases.length, 6);
  for (const c of cases) assert.equal(validateResNetConfig(c.config), c.config);
});

test.run();
