/**
 * Encoded BYTES images -> one NHWC `ImageBatch`: decoded and OFA-preprocessed either inline (on the
 * calling thread) or on a `DecodePool`'s worker threads, with the same 400 for an undecodable image.
 * @module
 */
import type { ImageBatch } from '../serving/types.ts';
import { decodeImage, ImageDecodeError, preprocessOfa } from '../imaging/index.ts';
import type { EncodedImages } from '../protocol/tensors.ts';
import type { DecodePool } from '../imaging/decode-pool.ts';
import { RequestValidationError } from '../protocol/errors.ts';

export function decodeImagesInline(images: EncodedImages): ImageBatch {
  const { items, size } = images;
  const perImage = size * size * 3;
  const data = new Float32Array(items.length * perImage);
  items.forEach((bytes, i) => {
    try {
      data.set(preprocessOfa(decodeImage(bytes), size), i * perImage);
    } catch (err) {
      throw asRequestError(images.inputName, i, err);
    }
  });
  return { data, n: items.length, height: size, width: size };
}

export async function decodeImagesWithPool(images: EncodedImages, pool: DecodePool): Promise<ImageBatch> {
  const { items, size } = images;
  let pixels: Float32Array[];
  try {
    pixels = await pool.preprocessAll(items, size);
  } catch (err) {
    throw asRequestError(images.inputName, err instanceof ImageDecodeError ? err.index ?? 0 : 0, err);
  }
  if (pixels.length === 1) return { data: pixels[0]!, n: 1, height: size, width: size };
  const perImage = size * size * 3;
  const data = new Float32Array(items.length * perImage);
  pixels.forEach((p, i) => data.set(p, i * perImage));
  return { data, n: items.length, height: size, width: size };
}

/** Undecodable images are the client's fault (400); anything else passes through unchanged. */
function asRequestError(inputName: string, index: number, err: unknown): unknown {
  if (err instanceof ImageDecodeError) return new RequestValidationError(`input '${inputName}': data[${index}]: ${err.message}`);
  return err;
}
