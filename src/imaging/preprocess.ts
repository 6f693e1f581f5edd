/**
 * OFA's evaluation preprocessing in pure JS: Resize(ceil(R / 0.875)) on the shorter side
 * (bilinear, antialiased like PIL), CenterCrop(R), ToTensor (/255), Normalize(ImageNet mean/std).
 * Output is NHWC float32 for one image (R*R*3), ready to be stacked into an `ImageBatch`.
 * @module
 */
import type { DecodedImage } from './decode.ts';
import { resampleWindow } from './resample.ts';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** OFA resizes to size / 0.875 before the centre crop (e.g. 256 for 224). */
export const OFA_CROP_RATIO = 0.875;

export class PreprocessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreprocessError';
  }
}

/** Python's round(): halves go to the even neighbour (torchvision's CenterCrop uses it). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Size after torchvision `Resize(shorter)`: the shorter side becomes `shorter`, the longer is truncated. */
export function resizedSize(width: number, height: number, shorter: number): { width: number; height: number } {
  if (width <= height) return { width: shorter, height: Math.trunc((shorter * height) / width) };
  return { width: Math.trunc((shorter * width) / height), height: shorter };
}

/** Resize, centre-crop and normalise one decoded image to `size` x `size`; returns NHWC float32. */
export function preprocessOfa(img: DecodedImage, size: number): Float32Array {
  if (!Number.isInteger(size) || size < 1) throw new PreprocessError(`target size must be a positive integer, got ${size}`);
  if (img.data.length < img.width * img.height * img.channels) {
    throw new PreprocessError(`image data too short: ${img.data.length} < ${img.width}x${img.height}x${img.channels}`);
  }
  const shorter = Math.ceil(size / OFA_CROP_RATIO);
  const resized = resizedSize(img.width, img.height, shorter);
  const out = resampleWindow(img.data, img.width, img.height, img.channels, {
    outWidth: resized.width,
    outHeight: resized.height,
    left: pyRound((resized.width - size) / 2),
    top: pyRound((resized.height - size) / 2),
    width: size,
    height: size,
  });
  for (let i = 0; i < out.length; i += 3) {
    for (let c = 0; c < 3; c++) out[i + c] = (out[i + c]! / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
  }
  return out;
}
