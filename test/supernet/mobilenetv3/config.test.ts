/**
 * MobileNetV3 subnet config validation (every bad field named) and the canonical key.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mbv3Arch, mbv3Key, validateMbV3Config } from '../../../supernet/mobilenetv3/index.ts';
import { SubnetConfigError } from '../../../supernet/types.ts';

const good = () => ({
  ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5],
  e: [3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4],
  d: [2, 3, 4, 2, 3],
  image_size: 224,
});

function rejects(config: unknown, field: string, message: RegExp): void {
  try {
    validateMbV3Config(config);
  } catch (e) {
    assert.ok(e instanceof SubnetConfigError, `expected SubnetConfigError, got ${String(e)}`);
    assert.is(e.field, field);
    assert.match(e.message, message);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(config)}`);
}

test('a valid config comes back as an exact copy', () => {
  const c = good();
  const v = validateMbV3Config(c);
  assert.equal(v, c);
  assert.is.not(v.ks, c.ks);
});

test('every bad field is named with its value', () => {
  rejects(null, 'config', /must be an object/);
  rejects([1, 2], 'config', /must be an object/);
  for (const f of ['ks', 'e', 'd', 'image_size'] as const) {
    const c: Record<string, unknown> = good();
    delete c[f];
    rejects(c, f, /missing/);
  }
  rejects({ ...good(), ks: 3 }, 'ks', /ks=3: must be an array/);
  rejects({ ...good(), ks: [3, 5] }, 'ks', /exactly 20 entries, got 2/);
  rejects({ ...good(), e: [...good().e, 3] }, 'e', /exactly 20 entries, got 21/);
  rejects({ ...good(), d: [2, 3, 4, 2] }, 'd', /exactly 5 entries, got 4/);
  rejects({ ...good(), ks: [...good().ks.slice(0, 19), 9] }, 'ks[19]', /ks\[19\]=9: must be one of 3, 5, 7/);
  rejects({ ...good(), e: [0.2, ...good().e.slice(1)] }, 'e[0]', /e\[0\]=0\.2: must be one of 3, 4, 6/);
  rejects({ ...good(), e: ['4', ...good().e.slice(1)] }, 'e[0]', /e\[0\]="4"/);
  rejects({ ...good(), d: [2, 3, 4, 5, 2] }, 'd[3]', /d\[3\]=5: must be one of 2, 3, 4/);
  rejects({ ...good(), d: [2, 3, 4, 1, 2] }, 'd[3]', /d\[3\]=1/);
  rejects({ ...good(), image_size: 224.5 }, 'image_size', /integer in 32\.\.512/);
  rejects({ ...good(), image_size: '224' }, 'image_size', /image_size="224"/);
  rejects({ ...good(), image_size: 16 }, 'image_size', /32\.\.512/);
  rejects({ ...good(), image_size: 1024 }, 'image_size', /32\.\.512/);
  rejects({ ...good(), w: [0, 1] }, 'w', /unknown field/);
});

test('image_size range bounds are inclusive', () => {
  assert.is(validateMbV3Config({ ...good(), image_size: 32 }).image_size, 32);
  assert.is(validateMbV3Config({ ...good(), image_size: 512 }).image_size, 512);
});

test('key is canonical: skipped blocks do not matter, every active choice does', () => {
  const arch = mbv3Arch(1.0);
  const c = good();
  const k = mbv3Key(arch, c);
  assert.is(k, 'mbv3-w1.0:ks=3,5,-,-,5,7,3,-,7,3,5,7,3,5,-,-,5,7,3,-;e=3,4,-,-,4,6,3,-,6,3,4,6,3,4,-,-,4,6,3,-;d=2,3,4,2,3;r=224');
  // Block 3 (stage 0, third block) is skipped at d[0]=2: changing it keeps the key.
  const skipped = good();
  skipped.ks[2] = 7;
  skipped.e[2] = 3;
  assert.is(mbv3Key(arch, skipped), k);
  const active = good();
  active.ks[1] = 3;
  assert.is.not(mbv3Key(arch, active), k);
  assert.is.not(mbv3Key(arch, { ...c, image_size: 192 }), k);
  assert.is.not(mbv3Key(arch, { ...c, d: [3, 3, 4, 2, 3] }), k);
  assert.ok(mbv3Key(mbv3Arch(1.2), c).startsWith('mbv3-w1.2:'));
});

test.run();
