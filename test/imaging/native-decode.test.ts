/**
 * The server's decoder (libvips through sharp) against the pure-JS reference decoders on images encoded here:
 * identical PNG pixels, JPEG pixels within a few levels, the same errors.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { decodeImage, decodeImageFast, ImageDecodeError, imageDecoder, preprocessOfa, type DecodedImage } from '../../src/imaging/index.ts';

const photo = (x: number, y: number): [number, number, number] =>
  [(x * 3 + y) % 256, Math.round(128 + 100 * Math.sin(x / 9) * Math.cos(y / 7)), (x * y) % 251];

function rgba(width: number, height: number, alpha = 255): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([...photo(x, y), alpha], (y * width + x) * 4);
  return data;
}
const png = (w: number, h: number, alpha = 255) => {
  const p = new pngjs.PNG({ width: w, height: h });
  p.data = Buffer.from(rgba(w, h, alpha));
  return new Uint8Array(pngjs.PNG.sync.write(p));
};
const jpg = (w: number, h: number, quality = 90) => new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba(w, h) }, quality).data);

/** Largest difference of the RGB values of two decoded images of the same size. */
function maxRgbDiff(a: DecodedImage, b: DecodedImage): number {
  assert.equal([a.width, a.height], [b.width, b.height]);
  let max = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(a.data[i * a.channels + c]! - b.data[i * b.channels + c]!));
  }
  return max;
}
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

test('sharp is the decoder here (a dependency with prebuilt binaries for this platform)', async () => {
  assert.is(await imageDecoder(), 'sharp');
});

test('PNG: exactly the pure-JS decoder\'s pixels, RGB, also from an RGBA image', async () => {
  for (const bytes of [png(123, 77), png(64, 64, 100)]) {
    const fast = await decodeImageFast(bytes);
    assert.is(fast.channels, 3);
    assert.is(maxRgbDiff(fast, decodeImage(bytes)), 0);
  }
});

test('JPEG: within a few levels of jpeg-js (IDCT and chroma upsampling differ), and so after OFA preprocessing', async () => {
  const bytes = jpg(320, 240);
  const fast = await decodeImageFast(bytes);
  const ref = decodeImage(bytes);
  const diff = maxRgbDiff(fast, ref);
  assert.ok(diff <= 8, `max level difference ${diff}`);
  const a = preprocessOfa(fast, 224);
  const b = preprocessOfa(ref, 224);
  let mean = 0;
  for (let i = 0; i < a.length; i++) mean += Math.abs(a[i]! - b[i]!);
  mean /= a.length;
  assert.ok(mean < 0.02, `mean abs difference after normalisation ${mean}`); // one level is ~0.017
});

test('the same errors: not an image, truncated JPEG and PNG, too many pixels', async () => {
  const notImage = await failure(decodeImageFast(new TextEncoder().encode('hello world')));
  assert.ok(notImage instanceof ImageDecodeError && /neither JPEG nor PNG/.test(notImage.message), String(notImage));
  const j = jpg(200, 150);
  const truncatedJpeg = await failure(decodeImageFast(j.subarray(0, 600)));
  assert.ok(truncatedJpeg instanceof ImageDecodeError && /JPEG/.test(truncatedJpeg.message), String(truncatedJpeg));
  const p = png(200, 150);
  const truncatedPng = await failure(decodeImageFast(p.subarray(0, 200)));
  assert.ok(truncatedPng instanceof ImageDecodeError && /PNG/.test(truncatedPng.message), String(truncatedPng));
  const big = await failure(decodeImageFast(p, { maxPixels: 1000 }));
  assert.ok(big instanceof ImageDecodeError && /PNG image too large: 30000 pixels \(max 1000\)/.test(big.message), String(big));
});

test('SUPERSERVE_IMAGE_DECODER=js: the pure-JS decoders', async () => {
  process.env.SUPERSERVE_IMAGE_DECODER = 'js';
  try {
    assert.is(await imageDecoder(), 'js');
    const bytes = jpg(64, 48);
    assert.is(maxRgbDiff(await decodeImageFast(bytes), decodeImage(bytes)), 0);
    assert.is((await decodeImageFast(bytes)).channels, 4, 'jpeg-js gives RGBA');
  } finally {
    delete process.env.SUPERSERVE_IMAGE_DECODER;
  }
});

test.run();
