/**
 * Width and height of a PNG or JPEG read from its header alone (no decoding), so a server can refuse an
 * image that would be too costly to decode before spending anything on it.
 * @module
 */
import { sniffImageFormat } from './decode.ts';

export interface Dimensions { width: number; height: number }

/** Dimensions from the header, or null when the bytes are not a PNG/JPEG or the header is cut short. */
export function imageDimensions(bytes: Uint8Array): Dimensions | null {
  const format = sniffImageFormat(bytes);
  if (format === 'png') {
    // IHDR is the first chunk: width and height are big-endian u32 at offsets 16 and 20.
    if (bytes.length < 24) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (format === 'jpeg') return jpegDimensions(bytes);
  return null;
}

/** Walks the JPEG marker segments to the first start-of-frame (SOF0..SOF15 except DHT, JPG, DAC). */
function jpegDimensions(b: Uint8Array): Dimensions | null {
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) { i++; continue; } // fill byte
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; } // no length
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 8 >= b.length) return null;
      return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    }
    if (marker === 0xda || length < 2) return null; // start of scan before any frame header: malformed
    i += 2 + length;
  }
  return null;
}
