/**
 * `npm run bench:decode`: JPEG/PNG decode + OFA preprocessing (224 px) per image, the server's decoder (libvips
 * through sharp) against the pure-JS one (jpeg-js / pngjs), interleaved in this run; writes
 * bench/results/decode.json. Images are made here: photo-like content at 500x375 (the overload bench's JPEG),
 * 640x480, 1920x1080 and 4000x3000 (a 12 MP phone photo), and a 640x480 PNG.
 * Flags: --repeats N (default 7; medians).
 * @module
 */
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { decodeImage, decodeImageFast, imageDecoder, preprocessOfa } from '../src/imaging/index.ts';
import { table, timeMs, writeResults } from './bench-common.ts';

const args = process.argv.slice(2);
const repeats = Number(args[args.indexOf('--repeats') + 1] ?? 7) || 7;

function photo(w: number, h: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    data.set([(x * 3 + y) % 256, Math.round(128 + 100 * Math.sin(x / 37) * Math.cos(y / 23)), Math.round(128 + 90 * Math.sin((x + y) / 51)), 255], (y * w + x) * 4);
  }
  return data;
}
const images: Array<{ name: string; bytes: Uint8Array; megapixels: number }> = [];
for (const [w, h] of [[500, 375], [640, 480], [1920, 1080], [4000, 3000]] as const) {
  images.push({ name: `JPEG ${w}x${h}`, bytes: new Uint8Array(jpeg.encode({ width: w, height: h, data: photo(w, h) }, 85).data), megapixels: (w * h) / 1e6 });
}
const p = new pngjs.PNG({ width: 640, height: 480 });
p.data = Buffer.from(photo(640, 480));
images.push({ name: 'PNG 640x480', bytes: new Uint8Array(pngjs.PNG.sync.write(p)), megapixels: 0.3072 });

if (await imageDecoder() !== 'sharp') throw new Error('sharp did not load: nothing to compare');
const rows: Array<Record<string, string | number>> = [];
for (const img of images) {
  const reps = img.megapixels > 5 ? Math.max(3, Math.ceil(repeats / 2)) : repeats;
  const fast: number[] = [];
  const js: number[] = [];
  for (let r = 0; r < reps; r++) { // interleaved, so both see the same machine load
    fast.push((await timeMs(async () => preprocessOfa(await decodeImageFast(img.bytes, { maxPixels: 1e8 }), 224), 1, r === 0 ? 1 : 0)).median);
    js.push((await timeMs(() => preprocessOfa(decodeImage(img.bytes, { maxPixels: 1e8 }), 224), 1, r === 0 ? 1 : 0)).median);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  rows.push({
    image: img.name, kb: Math.round(img.bytes.byteLength / 1024), sharp_ms: Number(med(fast).toFixed(1)), js_ms: Number(med(js).toFixed(1)),
    speedup: Number((med(js) / med(fast)).toFixed(2)), sharp_ms_per_mp: Number((med(fast) / img.megapixels).toFixed(1)), js_ms_per_mp: Number((med(js) / img.megapixels).toFixed(1)),
  });
}
console.log(table(rows));
await writeResults('bench/results/decode.json', { note: 'decode + OFA preprocessing to 224 px, one image at a time, medians of interleaved runs', repeats, rows });
