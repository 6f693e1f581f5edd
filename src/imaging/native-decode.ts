/**
 * JPEG/PNG decoding through libvips (npm `sharp`: libjpeg-turbo and libspng, prebuilt binaries installed from
 * the npm registry), several times faster than the pure-JS decoders and run on libuv's thread pool instead of
 * the calling thread. What the server decodes goes through here; the pure-JS decoders (decode.ts) remain the
 * fallback when sharp cannot load on a platform, or when `SUPERSERVE_IMAGE_DECODER=js`. JPEG pixels differ
 * from jpeg-js's by a few levels (IDCT and chroma upsampling); PNG pixels are identical.
 * @module
 */
import { decodeImage, DEFAULT_MAX_PIXELS, ImageDecodeError, sniffImageFormat, type DecodedImage, type DecodeOptions } from './decode.ts';
import { imageDimensions } from './dimensions.ts';

type Sharp = typeof import('sharp');
let loading: Promise<Sharp | null> | undefined;

function loadSharp(): Promise<Sharp | null> {
  return (loading ??= import('sharp').then((m) => {
    const sharp = m.default;
    sharp.concurrency(1); // one libvips thread per image: the preparation pool already runs one job per core
    sharp.cache(false);
    return sharp;
  }, () => null));
}

/** Which decoder `decodeImageFast` uses here: 'sharp', or 'js' (fallback). */
export async function imageDecoder(): Promise<'sharp' | 'js'> {
  return process.env.SUPERSERVE_IMAGE_DECODER !== 'js' && (await loadSharp()) !== null ? 'sharp' : 'js';
}

/** Decode a JPEG or PNG (RGB, 8 bit); throws ImageDecodeError naming the problem, as decodeImage does. */
export async function decodeImageFast(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const format = sniffImageFormat(bytes);
  const sharp = format === null || process.env.SUPERSERVE_IMAGE_DECODER === 'js' ? null : await loadSharp();
  if (sharp === null || format === null) return decodeImage(bytes, opts); // also words the not-an-image error
  const label = format === 'png' ? 'PNG' : 'JPEG';
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const dims = imageDimensions(bytes);
  if (dims !== null && dims.width * dims.height > maxPixels) {
    throw new ImageDecodeError(`${label} image too large: ${dims.width * dims.height} pixels (max ${maxPixels})`);
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' })
      .removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width < 1 || info.height < 1) throw new Error(`unexpected decoder output ${info.width}x${info.height}x${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
  } catch (err) {
    throw new ImageDecodeError(`undecodable ${label}: ${(err as Error).message}`);
  }
}
