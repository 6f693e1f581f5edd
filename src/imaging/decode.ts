/**
 * Decode JPEG or PNG bytes into 8-bit pixels (pure JS: jpeg-js, pngjs). The format is picked by
 * magic bytes, and oversized images are refused before their pixels are allocated.
 * @module
 */
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

/** 8-bit pixels, row-major, `channels` values per pixel (RGBA from both decoders; alpha is ignored downstream). */
export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

export class ImageDecodeError extends Error {
  /** @param index position of the image in a batch, when it was decoded as part of one (DecodePool.preprocessAll) */
  constructor(message: string, readonly index?: number) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

export interface DecodeOptions {
  /** Largest accepted width*height. @default 40_000_000 (40 MP) */
  maxPixels?: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const DEFAULT_MAX_PIXELS = 40_000_000;

export type ImageFormat = 'png' | 'jpeg';

/** 'png' | 'jpeg' from the leading bytes, or null. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Decode a JPEG or PNG; throws ImageDecodeError naming the problem. */
export function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ImageDecodeError(`image is neither JPEG nor PNG (${bytes.length} bytes, starts with ${head || 'nothing'})`);
  }
  const img = format === 'png' ? decodePng(bytes, maxPixels) : decodeJpeg(bytes, maxPixels);
  if (img.width < 1 || img.height < 1) throw new ImageDecodeError(`${format} image has no pixels (${img.width}x${img.height})`);
  return img;
}

function decodePng(bytes: Uint8Array, maxPixels: number): DecodedImage {
  // IHDR is the first chunk: width and height are big-endian u32 at offsets 16 and 20.
  if (bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const pixels = view.getUint32(16) * view.getUint32(20);
    if (pixels > maxPixels) throw new ImageDecodeError(`PNG image too large: ${pixels} pixels (max ${maxPixels})`);
  }
  try {
    const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height, channels: 4 };
  } catch (err) {
    throw new ImageDecodeError(`undecodable PNG: ${(err as Error).message}`);
  }
}

function decodeJpeg(bytes: Uint8Array, maxPixels: number): DecodedImage {
  try {
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: 1024,
    });
    return { data: img.data, width: img.width, height: img.height, channels: 4 };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new ImageDecodeError(`undecodable JPEG: ${msg}`);
  }
}
