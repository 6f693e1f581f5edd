/**
 * A photo-like JPEG (colour gradients, no flat areas) of a given size: what calibration and the benchmarks decode
 * when they need a real JPEG and have no photo.
 * @module
 */
import jpeg from 'jpeg-js';

export function gradientJpeg(width: number, height: number, quality = 85): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([(i * 7) % 256, ((i / width) * 3) % 256, (i % width) % 256, 255], i * 4);
  return new Uint8Array(jpeg.encode({ data: rgba, width, height }, quality).data);
}
