/**
 * Decode + OFA preprocessing on real PNG/JPEG files encoded here, checked numerically.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { decodeImage, ImageDecodeError, preprocessOfa, pyRound, resizedSize, IMAGENET_MEAN, IMAGENET_STD } from '../../src/imaging/index.ts';

type Pixel = (x: number, y: number) => [number, number, number];

function rgba(width: number, height: number, pixel: Pixel): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const [r, g, b] = pixel(x, y);
    data.set([r, g, b, 255], (y * width + x) * 4);
  }
  return data;
}

function encodePng(width: number, height: number, pixel: Pixel): Uint8Array {
  const png = new pngjs.PNG({ width, height });
  png.data = Buffer.from(rgba(width, height, pixel));
  return new Uint8Array(pngjs.PNG.sync.write(png));
}

function encodeJpeg(width: number, height: number, pixel: Pixel): Uint8Array {
  return new Uint8Array(jpeg.encode({ width, height, data: rgba(width, height, pixel) }, 95).data);
}

const norm = (v: number, c: number) => (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;

test('pyRound rounds halves to even like Python', () => {
  assert.equal([pyRound(0.5), pyRound(1.5), pyRound(2.5), pyRound(11.5), pyRound(2.4), pyRound(2.6)], [0, 2, 2, 12, 2, 3]);
});

test('resizedSize: shorter side to target, longer side truncated', () => {
  assert.equal(resizedSize(240, 180, 183), { width: 244, height: 183 });
  assert.equal(resizedSize(256, 200, 74), { width: 94, height: 74 });
  assert.equal(resizedSize(100, 300, 256), { width: 256, height: 768 });
});

test('uniform PNG: every output value is the normalised colour', () => {
  const img = decodeImage(encodePng(300, 200, () => [10, 128, 250]));
  assert.equal([img.width, img.height], [300, 200]);
  const out = preprocessOfa(img, 64);
  assert.is(out.length, 64 * 64 * 3);
  const want = [norm(10, 0), norm(128, 1), norm(250, 2)];
  for (let i = 0; i < out.length; i++) {
    if (Math.abs(out[i]! - want[i % 3]!) > 1e-5) assert.unreachable(`value ${i}: ${out[i]} != ${want[i % 3]}`);
  }
});

test('uniform JPEG decodes and normalises to the colour (lossy: within 2 levels)', () => {
  const bytes = encodeJpeg(120, 90, () => [200, 40, 90]);
  const img = decodeImage(bytes);
  assert.equal([img.width, img.height], [120, 90]);
  const out = preprocessOfa(img, 32);
  const want = [norm(200, 0), norm(40, 1), norm(90, 2)];
  for (let i = 0; i < out.length; i++) {
    const tol = 2 / 255 / IMAGENET_STD[i % 3]!;
    if (Math.abs(out[i]! - want[i % 3]!) > tol) assert.unreachable(`value ${i}: ${out[i]} != ${want[i % 3]}`);
  }
});

/**
 * A linear ramp stays linear under a symmetric filter: output pixel o of a resize in -> out samples the
 * input at (o + 0.5) * in/out - 0.5. Checks the shorter-side size, the crop offsets and the filter together.
 * Downscaling is exact only up to PIL's integer-truncated filter window (a few hundredths of a level).
 */
function checkRamp(
  width: number, height: number, size: number, resized: { width: number; height: number }, left: number, top: number, tolPixels: number,
) {
  const img = decodeImage(encodePng(width, height, (x, y) => [x, y, 100]));
  const out = preprocessOfa(img, size);
  const sx = width / resized.width, sy = height / resized.height;
  let checked = 0;
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
    const cx = (j + left + 0.5) * sx - 0.5, cy = (i + top + 0.5) * sy - 0.5;
    // Only where the filter window lies inside the image (no edge clamping).
    const rx = Math.max(sx, 1), ry = Math.max(sy, 1);
    if (cx - rx < 0 || cx + rx > width - 1 || cy - ry < 0 || cy + ry > height - 1) continue;
    const o = (i * size + j) * 3;
    const got = [out[o]!, out[o + 1]!, out[o + 2]!];
    const want = [norm(cx, 0), norm(cy, 1), norm(100, 2)];
    for (let c = 0; c < 3; c++) {
      if (Math.abs(got[c]! - want[c]!) > tolPixels / 255 / IMAGENET_STD[c]!) assert.unreachable(`(${i},${j}) ch ${c}: ${got[c]} != ${want[c]}`);
    }
    checked++;
  }
  assert.ok(checked > size * size * 0.8, `checked only ${checked} pixels`);
}

test('ramp PNG upscaled (240x180 -> shorter 183 -> crop 160 at left 42, top 12)', () => {
  checkRamp(240, 180, 160, { width: 244, height: 183 }, 42, 12, 1e-3);
});

test('ramp PNG downscaled with antialiasing (256x200 -> shorter 74 -> crop 64 at left 15, top 5)', () => {
  checkRamp(256, 200, 64, { width: 94, height: 74 }, 15, 5, 0.1);
});

test('undecodable input: clear ImageDecodeError', () => {
  assert.throws(() => decodeImage(new TextEncoder().encode('hello world')), (e: unknown) => e instanceof ImageDecodeError && /neither JPEG nor PNG/.test((e as Error).message));
  assert.throws(() => decodeImage(new Uint8Array(0)), (e: unknown) => e instanceof ImageDecodeError);
  const png = encodePng(40, 30, () => [1, 2, 3]);
  assert.throws(() => decodeImage(png.subarray(0, 60)), (e: unknown) => e instanceof ImageDecodeError && /PNG/.test((e as Error).message));
  const jpg = encodeJpeg(40, 30, () => [1, 2, 3]);
  assert.throws(() => decodeImage(jpg.subarray(0, 100)), (e: unknown) => e instanceof ImageDecodeError && /JPEG/.test((e as Error).message));
});

test('oversized image is refused before decoding', () => {
  const png = encodePng(50, 40, () => [0, 0, 0]);
  assert.throws(() => decodeImage(png, { maxPixels: 1000 }), /too large/);
});

test.run();
