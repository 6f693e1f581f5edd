/**
 * Encoded BYTES images -> one NHWC `ImageBatch`, decoded and OFA-preprocessed without the preparation pool
 * (the server decodes on its pool, src/intake/prep/): `decodeImages` as the server does (libvips, off the
 * calling thread; used with --decode-threads 0), `decodeImagesInline` synchronously with the pure-JS decoders
 * (tools and tests).
 * @module
 */
import type { ImageBatch } from '../serving/types.ts';
import { decodeImage, decodeImageFast, ImageDecodeError, preprocessOfa, type DecodedImage } from '../imaging/index.ts';
import type { EncodedImages } from '../protocol/tensors.ts';
import { RequestValidationError } from '../protocol/errors.ts';

export type { EncodedImages };

export async function decodeImages(images: EncodedImages): Promise<ImageBatch> {
  const decoded = await Promise.all(images.items.map((bytes, i) => decodeImageFast(bytes).catch((err: unknown) => { throw asRequestError(images.inputName, i, err); })));
  return toBatch(images, (i) => decoded[i]!);
}

export function decodeImagesInline(images: EncodedImages): ImageBatch {
  return toBatch(images, (i) => decodeImage(images.items[i]!));
}

/** `decoded(i)` may throw for image i: the error is the client's (400) like a preprocessing one. */
function toBatch(images: EncodedImages, decoded: (i: number) => DecodedImage): ImageBatch {
  const { items, size } = images;
  const perImage = size * size * 3;
  const data = new Float32Array(items.length * perImage);
  items.forEach((_, i) => {
    try {
      data.set(preprocessOfa(decoded(i), size), i * perImage);
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
