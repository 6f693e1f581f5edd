/**
 * Encoded BYTES images -> one NHWC `ImageBatch`, decoded and OFA-preprocessed on the calling thread
 * (the server decodes on its preparation pool, src/http/prep/; this is the inline path for tools and tests).
 * @module
 */
import type { ImageBatch } from '../serving/types.ts';
import { decodeImage, ImageDecodeError, preprocessOfa } from '../imaging/index.ts';
import type { EncodedImages } from '../protocol/tensors.ts';
import { RequestValidationError } from './errors.ts';

export type { EncodedImages };

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

/** Undecodable images are the client's fault (400); anything else passes through unchanged. */
function asRequestError(inputName: string, index: number, err: unknown): unknown {
  if (err instanceof ImageDecodeError) return new RequestValidationError(`input '${inputName}': data[${index}]: ${err.message}`);
  return err;
}
