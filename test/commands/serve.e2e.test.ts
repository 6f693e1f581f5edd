/**
 * End to end: the real `superserve serve` process on a free port, concurrent infer requests with mixed SLOs
 * (FP32 tensors and a JPEG), exactly one well-formed answer each; a multi-image request split across batches
 * reports each image's batch, and one whose images are made to run on two sub-networks (a pinned request takes
 * some of them into its batch) reports each image's sub-network; SlackFit choosing smaller sub-networks under a tight SLO than under
 * a loose one. The server runs with --late serve and --adapt-latency off, so what is checked are the
 * scheduler's choices from its profile, never this machine's speed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { startServer, tempCheckpoint, type ServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess;
let ckpt: string;
let imageSize = 224;

test.before(async () => {
  ckpt = await tempCheckpoint();
  server = await startServer(['--checkpoint', ckpt, '--policy', 'slackfit', '--slo-ms', '5000', '--profile-batches', '1,2,4',
    '--profile-repeats', '2', '--warmup', '1', '--late', 'serve', '--adapt-latency', 'off', '--workers', '1']);
  const meta = await (await fetch(`${server.url}/v2/models/superserve`)).json() as { parameters?: { image_size?: number } };
  imageSize = meta.parameters?.image_size ?? 224;
});

test.after(async () => {
  const code = await server?.stop('SIGTERM');
  assert.is(code, 0, `server exit code on SIGTERM\n${server?.output()}`);
});

/** `side` below the model's resolution keeps the body small (parsed inline); the worker resizes it. */
function tensorBody(sloMs: number, seed: number, images = 1, outputs?: string[], side = imageSize, subnet?: number): string {
  const n = 3 * side * side * images;
  const data = Array.from({ length: n }, (_, i) => Math.sin(i * 0.001 + seed));
  return JSON.stringify({
    id: `t${seed}`, inputs: [{ name: 'input', datatype: 'FP32', shape: [images, 3, side, side], data }],
    parameters: { slo_ms: sloMs, ...(subnet === undefined ? {} : { subnet }) },
    ...(outputs ? { outputs: outputs.map((name) => ({ name })) } : {}),
  });
}

function jpegBody(sloMs: number): string {
  const w = 64, h = 48;
  const rgba = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) { rgba[4 * i] = (i * 7) % 256; rgba[4 * i + 1] = (i * 3) % 256; rgba[4 * i + 2] = 128; rgba[4 * i + 3] = 255; }
  const jpg = jpeg.encode({ data: rgba, width: w, height: h }, 90).data;
  return JSON.stringify({ id: 'jpeg', inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [Buffer.from(jpg).toString('base64')] }], parameters: { slo_ms: sloMs } });
}

interface V2Reply { id?: string; parameters: { subnet_id: number; accuracy: number; batch_size: number; queue_ms: number; deadline_met: boolean }; outputs: Array<{ name: string; shape: number[]; data: number[] }> }

async function infer(body: string): Promise<{ status: number; json: V2Reply & { error?: string } }> {
  const r = await fetch(`${server.url}/v2/models/superserve/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: r.status, json: await r.json() as V2Reply & { error?: string } };
}

test('concurrent requests with mixed SLOs, tensors and a JPEG: exactly one well-formed answer each', async () => {
  const bodies = [...Array.from({ length: 10 }, (_, i) => tensorBody(i % 2 === 0 ? 3000 : 20000, i)), jpegBody(20000)];
  const replies = await Promise.all(bodies.map(infer));
  assert.is(replies.length, bodies.length);
  for (const { status, json } of replies) {
    if (status !== 200) { assert.is(status, 504, `unexpected status ${status}: ${JSON.stringify(json)}`); assert.type(json.error, 'string'); continue; }
    const logits = json.outputs.find((o) => o.name === 'logits')!;
    const top5 = json.outputs.find((o) => o.name === 'top5')!;
    assert.equal(logits.shape, [1, 1000]);
    assert.is(logits.data.length, 1000);
    assert.ok(logits.data.every(Number.isFinite));
    assert.equal(top5.shape, [1, 5]);
    const best = logits.data.indexOf(Math.max(...logits.data));
    assert.is(top5.data[0], best, 'top5 starts with the argmax');
    assert.type(json.parameters.subnet_id, 'number');
    assert.type(json.parameters.deadline_met, 'boolean');
    assert.ok(json.parameters.batch_size >= 1);
  }
  assert.ok(replies.filter((r) => r.status === 200).length >= bodies.length / 2, 'most requests served');
  const ids = replies.filter((r) => r.status === 200).map((r) => r.json.id);
  assert.is(new Set(ids).size, ids.length, 'no request answered twice');
});

const PER_IMAGE = ['top5', 'subnet_id', 'batch_size', 'accuracy', 'queue_ms', 'compute_ms'];
type Outputs = (name: string) => { shape: number[]; data: number[] };
const outputsOf = (json: V2Reply): Outputs => (name) => json.outputs.find((o) => o.name === name)!;
async function subnetAccuracy(): Promise<Map<number, number>> {
  const meta = await (await fetch(`${server.url}/v2/models/superserve`)).json() as { parameters: { subnets: Array<{ id: number; accuracy: number }> } };
  return new Map(meta.parameters.subnets.map((s) => [s.id, s.accuracy]));
}

test('a request of 6 images alone is split into batches of at most 4: each image reports the batch it rode in', async () => {
  const r = await infer(tensorBody(60_000, 7, 6, PER_IMAGE));
  assert.is(r.status, 200, JSON.stringify(r.json));
  const out = outputsOf(r.json);
  assert.equal(out('top5').shape, [6, 5]);
  for (const name of PER_IMAGE.slice(1)) assert.equal(out(name).shape, [6], name);
  const sizes = out('batch_size').data;
  assert.ok(sizes.every((b) => b >= 1 && b <= 4), `batch sizes ${sizes}`);
  // Alone in the server, its images fill whole batches: the images reporting size b come in groups of b.
  for (const b of new Set(sizes)) assert.is(sizes.filter((x) => x === b).length % b, 0, `batch sizes ${sizes}`);
  const accuracy = await subnetAccuracy();
  const ids = out('subnet_id').data;
  out('accuracy').data.forEach((a, i) => assert.is(a, accuracy.get(ids[i]!), `image ${i}: accuracy of its sub-network`));
  if (new Set(ids).size === 1) assert.is(r.json.parameters.subnet_id, ids[0]);
});

test('images of one request on two sub-networks: each reports its own; the reply names no single sub-network', async () => {
  // A batch on a pinned sub-network also takes unpinned images (EDF order). With the worker busy on blockers
  // (pinned to the largest sub-network, 4 images each, deadline 30 s), the 6-image request U (unpinned, 60 s)
  // waits behind them; the 1-image request P pinned to the smallest (10 s) comes first when the worker frees,
  // and its batch of 4 takes 3 of U's images. U's other images ride on the largest, SlackFit's pick at 60 s.
  const profile = JSON.parse(await readFile(join(ckpt, 'profile.json'), 'utf8')) as { models: Array<{ id: number; latency_and_batch_ns: Array<{ batch_size: number; mean: number }> }> };
  const smallest = profile.models[0]!, largest = profile.models.at(-1)!;
  const batch4Ms = largest.latency_and_batch_ns.find((p) => p.batch_size === 4)!.mean / 1e6;
  const blockers = Array.from({ length: Math.min(200, Math.max(3, Math.ceil(3000 / batch4Ms))) },
    (_, i) => infer(tensorBody(30_000, 200 + i, 4, undefined, 16, largest.id)));
  const u = infer(tensorBody(60_000, 300, 6, PER_IMAGE, 16));
  await new Promise((r) => setTimeout(r, 200)); // U arrives first (ordering only: the blockers take seconds)
  const p = infer(tensorBody(10_000, 301, 1, undefined, 16, smallest.id));
  const [rU, rP] = [await u, await p];
  for (const r of [...await Promise.all(blockers), rP]) assert.is(r.status, 200, JSON.stringify(r.json));
  assert.is(rU.status, 200, JSON.stringify(rU.json));
  assert.is(rP.json.parameters.subnet_id, smallest.id, 'P ran on its pinned sub-network');
  const out = outputsOf(rU.json);
  const ids = out('subnet_id').data;
  assert.ok(ids.includes(smallest.id) && ids.includes(largest.id), `U's images on ${ids}: some on ${smallest.id} (with P), some on ${largest.id}`);
  assert.not.ok('subnet_id' in rU.json.parameters, 'mixed sub-networks: no single id in parameters');
  const accuracy = await subnetAccuracy();
  out('accuracy').data.forEach((a, i) => assert.is(a, accuracy.get(ids[i]!), `image ${i}: accuracy of its sub-network`));
});

test('SlackFit picks smaller sub-networks under a tight SLO than under a loose one', async () => {
  const profile = JSON.parse(await readFile(join(ckpt, 'profile.json'), 'utf8')) as { models: Array<{ id: number; latency_and_batch_ns: Array<{ batch_size: number; mean: number }> }> };
  const lat = (id: number, b: number): number => profile.models[id]!.latency_and_batch_ns.find((p) => p.batch_size === b)!.mean / 1e6;
  const largest = profile.models.length - 1;
  const tight = lat(0, 1) * 1.6 + 40;       // only the cheapest options fit (plus HTTP/transfer margin)
  const loose = lat(largest, 4) * 3 + 500;  // everything fits
  const chosen = async (slo: number): Promise<number[]> => {
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await infer(tensorBody(slo, 100 + i, 1, undefined, 32));
      if (r.status === 200) ids.push(r.json.parameters.subnet_id);
    }
    return ids;
  };
  const looseIds = await chosen(loose);
  const tightIds = await chosen(tight);
  assert.ok(looseIds.length > 0 && tightIds.length > 0, `answers: loose ${looseIds}, tight ${tightIds}`);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(tightIds) < mean(looseIds), `tight SLO ${tight.toFixed(0)} ms chose ${tightIds}, loose ${loose.toFixed(0)} ms chose ${looseIds}`);
});

test.run();
