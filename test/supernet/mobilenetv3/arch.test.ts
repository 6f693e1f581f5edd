/**
 * The MobileNetV3 supernet shapes against the tables of ofa-supernets.md §2.1 / §2.3 (w1.0 and w1.2).
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mbv3Arch, midChannels, seChannels } from '../../../supernet/mobilenetv3/index.ts';

const row = (a: ReturnType<typeof mbv3Arch>, i: number) => {
  const b = a.blocks[i - 1]!;
  return [b.inC, b.outC, b.stride, b.act, b.se, b.residual, [3, 4, 6].map((e) => midChannels(b.inC, e)), b.maxMid];
};

test('w1.0 widths, strides, activations, SE, shortcuts, middle widths', () => {
  const a = mbv3Arch(1.0);
  assert.is(a.arch, 'ofa-mbv3-w1.0');
  assert.equal([a.stemC, a.finalExpandC, a.lastC], [16, 960, 1280]);
  assert.equal(a.stageBlocks, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16], [17, 18, 19, 20]]);
  assert.equal(row(a, 1), [16, 24, 2, 'relu', false, false, [48, 64, 96], 96]);
  assert.equal(row(a, 2), [24, 24, 1, 'relu', false, true, [72, 96, 144], 144]);
  assert.equal(row(a, 5), [24, 40, 2, 'relu', true, false, [72, 96, 144], 144]);
  assert.equal(row(a, 9), [40, 80, 2, 'h_swish', false, false, [120, 160, 240], 240]);
  assert.equal(row(a, 13), [80, 112, 1, 'h_swish', true, false, [240, 320, 480], 480]);
  assert.equal(row(a, 14), [112, 112, 1, 'h_swish', true, true, [336, 448, 672], 672]);
  assert.equal(row(a, 17), [112, 160, 2, 'h_swish', true, false, [336, 448, 672], 672]);
  assert.equal(row(a, 20), [160, 160, 1, 'h_swish', true, true, [480, 640, 960], 960]);
  // SE widths (doc table "SE mid e=3/4/6").
  assert.equal([72, 96, 144].map(seChannels), [24, 24, 40]);
  assert.equal([120, 160, 240].map(seChannels), [32, 40, 64]);
  assert.equal([336, 448, 672].map(seChannels), [88, 112, 168]);
  assert.equal([480, 640, 960].map(seChannels), [120, 160, 240]);
});

test('w1.2 widths and middle widths', () => {
  const a = mbv3Arch(1.2);
  assert.is(a.arch, 'ofa-mbv3-w1.2');
  assert.equal([a.stemC, a.finalExpandC, a.lastC], [24, 1152, 1536]);
  assert.equal([1, 5, 9, 13, 17].map((i) => a.blocks[i - 1]!.outC), [32, 48, 96, 136, 192]);
  assert.equal(row(a, 1), [24, 32, 2, 'relu', false, false, [72, 96, 144], 144]);
  assert.equal(row(a, 6), [48, 48, 1, 'relu', true, true, [144, 192, 288], 288]);
  assert.equal(row(a, 14), [136, 136, 1, 'h_swish', true, true, [408, 544, 816], 816]);
  assert.equal(row(a, 18), [192, 192, 1, 'h_swish', true, true, [576, 768, 1152], 1152]);
  assert.equal([96, 128, 192].map(seChannels), [24, 32, 48]);
  assert.equal([408, 544, 816].map(seChannels), [104, 136, 208]);
  assert.equal([576, 768, 1152].map(seChannels), [144, 192, 288]);
});

test('other widths are refused', () => {
  assert.throws(() => mbv3Arch(1.3 as 1.2), /1\.0 or 1\.2/);
});

test.run();
