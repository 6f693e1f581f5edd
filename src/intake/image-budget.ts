/**
 * Pixel budgets for BYTES images, checked from their headers before anything is queued or decoded:
 * decoding cost grows with the pixel count, not the byte count (a 105 kB black PNG can hold 36 MP).
 * @module
 */
import { imageDimensions } from '../imaging/dimensions.ts';
import { RequestValidationError } from '../protocol/errors.ts';
import type { EncodedImages } from './image-batch.ts';

export interface PixelBudget {
  /** Largest width*height of one image. */
  maxImagePixels: number;
  /** Largest sum of width*height over the images of one request. */
  maxRequestPixels: number;
}

export const DEFAULT_PIXEL_BUDGET: PixelBudget = { maxImagePixels: 25_000_000, maxRequestPixels: 100_000_000 };

/** Throws a 400 naming the first image over budget, or the request total. Unreadable headers pass (the decoder names the problem). */
export function checkPixelBudget(images: EncodedImages, budget: PixelBudget): void {
  let total = 0;
  images.items.forEach((bytes, i) => {
    const d = imageDimensions(bytes);
    if (d === null) return;
    const pixels = d.width * d.height;
    if (pixels > budget.maxImagePixels) {
      throw new RequestValidationError(`input '${images.inputName}': data[${i}]: image is ${d.width}x${d.height} = ${pixels} pixels, above the per-image budget of ${budget.maxImagePixels}`);
    }
    total += pixels;
  });
  if (total > budget.maxRequestPixels) {
    throw new RequestValidationError(`input '${images.inputName}': the ${images.items.length} images hold ${total} pixels, above the per-request budget of ${budget.maxRequestPixels}`);
  }
}
