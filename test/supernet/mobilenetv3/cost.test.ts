/**
 * Subnet params / MACs counted like OFA (fixture manifest figures, doc §2.5 figures).
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturesOrSkip, fixtureTest } from '../../fixtures.ts';
import { mbv3Arch, mbv3Cost } from '../../../supernet/mobilenetv3/index.ts';
import { readManifest } from './fixture-data.ts';

const uniform = (k: number, e: number, d: number, r: number) => ({ ks: Array(20).fill(k), e: Array(20).fill(e), d: Array(5).fill(d), image_size: r });

test('min / max subnets of w1.0 and w1.2 (ofa-supernets.md §2.5)', () => {
  assert.equal(mbv3Cost(mbv3Arch(1.0), uniform(3, 3, 2, 160)), { params: 3410792, macs: 63240528 });
  const max10 = mbv3Cost(mbv3Arch(1.0), uniform(7, 6, 4, 224));
  assert.is((max10.params / 1e6).toFixed(2), '7.66');
  assert.is((max10.macs / 1e6).toFixed(1), '566.2');
  const min12 = mbv3Cost(mbv3Arch(1.2), uniform(3, 3, 2, 160));
  const max12 = mbv3Cost(mbv3Arch(1.2), uniform(7, 6, 4, 224));
  assert.equal([(min12.params / 1e6).toFixed(2), (min12.macs / 1e6).toFixed(1)], ['4.60', '100.3']);
  assert.equal([(max12.params / 1e6).toFixed(2), (max12.macs / 1e6).toFixed(1)], ['10.70', '843.1']);
});

fixtureTest('ofa-mbv3/seed1', 'every fixture case: params exact, MACs as OFA counts them', (dir) => {
  for (const c of readManifest(dir).cases) {
    const got = mbv3Cost(mbv3Arch(1.0), c.config);
    assert.is(got.params, c.subnet_params, c.id);
    // OFA sums MACs in floating point: 566170688 vs the exact 566170656 for the max subnet.
    assert.ok(Math.abs(got.macs - c.subnet_macs) <= 1e-6 * c.subnet_macs, `${c.id}: ${got.macs} vs ${c.subnet_macs}`);
  }
});

test.run();
