/**
 * `npm run bench:readme`: the README's one request, sent to a real `superserve serve` on the embedded default, and
 * its answer written to bench/results/readme-request.json (the README shows it through `npm run bench:tables`).
 * The photo is a synthetic 500x375 JPEG (the README's `photo.jpg` stands for any photo); three requests are sent
 * one after the other and the last answer is kept, as a user trying it would see after the first ones.
 * @module
 */
import { gradientJpeg } from '../src/imaging/gradient-jpeg.ts';
import { ensureDefaultCheckpoint } from '../supernet/load.ts';
import { startServer } from '../test/helpers/server-process.ts';
import { writeResults } from './bench-common.ts';

const photo = Buffer.from(gradientJpeg(500, 375)).toString('base64');
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
