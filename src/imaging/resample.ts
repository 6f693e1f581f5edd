/**
 * Separable bilinear resampling with PIL's antialiasing (the triangle filter widens by the
 * downscale factor), as torchvision's `Resize` does on PIL images. Only a window of the resized
 * image is computed, so resize + centre crop costs only the crop.
 * @module
 */

/** Filter taps of one output index: input start index and normalised weights. */
interface Taps { start: number; weights: Float64Array }

/** PIL `precompute_coeffs` for the bilinear filter (support 1), output indices [from, from+count). */
export function bilinearTaps(inSize: number, outSize: number, from: number, count: number): Taps[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps: Taps[] = [];
  for (let o = from; o < from + count; o++) {
    const center = (o + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    const weights = new Float64Array(Math.max(xmax - xmin, 0));
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const t = Math.abs((xmin + i - center + 0.5) / filterScale);
      const w = t < 1 ? 1 - t : 0;
      weights[i] = w;
      total += w;
    }
    if (total > 0) for (let i = 0; i < weights.length; i++) weights[i]! /= total;
    taps.push({ start: xmin, weights });
  }
  return taps;
}

export interface ResampleWindow {
  /** Size of the whole resized image. */
  outWidth: number;
  outHeight: number;
  /** Window of it to produce. */
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Resample the first 3 channels of an interleaved 8-bit image (`channels` per pixel) to the
 * window `w` of an `outWidth x outHeight` resize. Returns HWC float32 in 0..255.
 */
export function resampleWindow(
  src: Uint8Array, srcWidth: number, srcHeight: number, channels: number, w: ResampleWindow,
): Float32Array {
  const xTaps = bilinearTaps(srcWidth, w.outWidth, w.left, w.width);
  const yTaps = bilinearTaps(srcHeight, w.outHeight, w.top, w.height);
  // Horizontal pass over only the source rows the vertical taps read.
  const firstRow = yTaps[0]?.start ?? 0;
  const last = yTaps[yTaps.length - 1];
  const lastRow = last ? last.start + last.weights.length : 0;
  const rows = lastRow - firstRow;
  const horiz = new Float64Array(rows * w.width * 3);
  for (let r = 0; r < rows; r++) {
    const srcRow = (firstRow + r) * srcWidth * channels;
    for (let x = 0; x < w.width; x++) {
      const { start, weights } = xTaps[x]!;
      let a = 0, b = 0, c = 0;
      for (let k = 0; k < weights.length; k++) {
        const p = srcRow + (start + k) * channels;
        const wk = weights[k]!;
        a += src[p]! * wk; b += src[p + 1]! * wk; c += src[p + 2]! * wk;
      }
      const q = (r * w.width + x) * 3;
      horiz[q] = a; horiz[q + 1] = b; horiz[q + 2] = c;
    }
  }
  const out = new Float32Array(w.width * w.height * 3);
  for (let y = 0; y < w.height; y++) {
    const { start, weights } = yTaps[y]!;
    for (let x = 0; x < w.width; x++) {
      let a = 0, b = 0, c = 0;
      for (let k = 0; k < weights.length; k++) {
        const q = ((start - firstRow + k) * w.width + x) * 3;
        const wk = weights[k]!;
        a += horiz[q]! * wk; b += horiz[q + 1]! * wk; c += horiz[q + 2]! * wk;
      }
      const o = (y * w.width + x) * 3;
      out[o] = a; out[o + 1] = b; out[o + 2] = c;
    }
  }
  return out;
}
