/**
 * `npm run bench:readme`: the README's one request, sent to a real `superserve serve` on the embedded default, and
 * its answer written to bench/results/readme-request.json (the README shows it through `npm run bench:tables`).
 * The photo is a synthetic 500x375 JPEG (the README's `photo.jpg` stands for any photo); three requests are sent
 * one after the other and the last answer is kept, as a user trying it would see after the first ones.
 * @module
 */
import jpeg from 'jpeg-js';
import { ensureDefaultCheckpoint } from '../supernet/load.ts';
import { startServer } from '../test/helpers/server-process.ts';
import { writeResults } from './bench-common.ts';

const w = 500, h = 375;
const rgba = Buffer.alloc(w * h * 4);
for (let i = 0; i < w * h; i++) rgba.set([(i * 7) % 256, ((i / w) * 3) % 256, (i % w) % 256, 255], i * 4);
const photo = Buffer.from(jpeg.encode({ data: rgba, width: w, height: h }, 85).data).toString('base64');
const body = JSON.stringify({
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [photo] }],
  outputs: [{ name: 'logits', parameters: { classification: 3 } }],
  parameters: { slo_ms: 1000 },
});

const server = await startServer(['--checkpoint', await ensureDefaultCheckpoint()], 900_000);
const answers: unknown[] = [];
try {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${server.url}/v2/models/superserve/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 200) throw new Error(`infer answered ${res.status}: ${await res.text()}`);
    answers.push(await res.json());
  }
} finally {
  await server.stop('SIGTERM');
}
await writeResults('bench/results/readme-request.json', { request: 'README: top-3 classes of a 500x375 JPEG, slo_ms 1000', answers });
