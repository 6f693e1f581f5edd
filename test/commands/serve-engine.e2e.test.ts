/**
 * End to end with `--engine ort` (the real `superserve serve` process): one request over HTTP and the same one over
 * gRPC are answered from the ONNX Runtime sessions with the tfjs engine's logits; the model metadata reports the
 * engine; the profile is keyed by engine and stored in its own file. Then `--engine auto` on the same checkpoint
 * reuses both engines' profiles, picks one by them and says which in the log and the metadata.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { credentials, type Client } from '@grpc/grpc-js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paretoSet } from '../../supernet/archs.ts';
import { readCheckpoint } from '../../supernet/checkpoint/checkpoint-dir.ts';
import { createSupernet } from '../../supernet/archs.ts';
import { inferenceClient } from '../../src/grpc/proto.ts';
import { call } from '../grpc/helpers.ts';
import { freePort, startServer, tempCheckpoint, type ServerProcess } from '../helpers/server-process.ts';

const ARCH = 'ofa-mbv3-w1.0';
let server: ServerProcess | undefined;
let ckpt: string;
const PROFILE = ['--profile-batches', '1,2', '--profile-repeats', '2', '--warmup', '1', '--slo-ms', '20000'];

async function start(engine: string): Promise<{ server: ServerProcess; client: Client & Record<string, Function> }> {
  const grpcPort = await freePort();
  server = await startServer(['--checkpoint', ckpt, '--engine', engine, '--grpc-port', String(grpcPort), ...PROFILE]);
  return { server, client: new (inferenceClient())(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as Client & Record<string, Function> };
}

async function stop(s: ServerProcess, client: Client): Promise<string> {
  client.close();
  const code = await s.stop('SIGTERM');
  assert.is(code, 0, `server exit code on SIGTERM\n${s.output()}`);
  server = undefined;
  return s.output();
}

async function metadataEngine(url: string): Promise<unknown> {
  const meta = await (await fetch(`${url}/v2/models/superserve`)).json() as { parameters?: { engine?: unknown } };
  return meta.parameters?.engine;
}

/** The tfjs engine's logits of Pareto 0 on NCHW `pixels`, computed here from the same checkpoint. */
async function tfjsLogits(pixels: Float32Array, size: number): Promise<Float32Array> {
  await tf.setBackend('wasm');
  const ck = await readCheckpoint(ckpt);
  const sn = createSupernet(ck.arch, ck.stateDict, ck.subnetNorm);
  const m = sn.materialize(sn.validate(paretoSet(ARCH)[0]!.config));
  const y = tf.tidy(() => m.forward(tf.transpose(tf.tensor4d(pixels, [1, 3, size, size]), [0, 2, 3, 1]) as tf.Tensor4D));
  const out = y.dataSync() as Float32Array;
  y.dispose();
  m.dispose();
  sn.dispose();
  return out;
}

test.before(async () => {
  ckpt = await tempCheckpoint(ARCH, 5);
});

test.after(async () => {
  await server?.stop('SIGKILL');
});

test('--engine ort: HTTP and gRPC answers come from ONNX Runtime with the tfjs engine\'s logits; engine and profile key reported', async () => {
  const { server: s, client } = await start('ort');
  assert.is(await metadataEngine(s.url), 'ort');
  const size = 128;
  const pixels = new Float32Array(3 * size * size).map((_, i) => Math.sin(i * 0.01));
  const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, size, size], data: Array.from(pixels) }], parameters: { subnet: 0 } });
  const res = await fetch(`${s.url}/v2/models/superserve/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = await res.json() as { parameters: { subnet_id: number }; outputs: Array<{ name: string; data: number[] }> };
  assert.is(res.status, 200, JSON.stringify(json));
  assert.is(json.parameters.subnet_id, 0);
  const http = Float32Array.from(json.outputs.find((o) => o.name === 'logits')!.data);

  const g = await call(client, 'ModelInfer', {
    model_name: 'superserve', parameters: { subnet: { int64_param: 0 } },
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, size, size] }], raw_input_contents: [new Uint8Array(pixels.buffer)],
  });
  assert.is(g.err, undefined, g.err?.details);
  const raw = g.res.raw_output_contents[0] as Buffer;
  const grpc = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));

  const want = await tfjsLogits(pixels, size);
  for (const [name, got] of [['HTTP', http], ['gRPC', grpc]] as const) {
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!));
    assert.ok(d <= 1e-4, `${name} logits vs tfjs: max abs diff ${d}`);
  }
  const out = await stop(s, client);
  assert.match(out, /ONNX Runtime: 6 Pareto sessions on cpu/);
  assert.match(out, /engine ort \(--engine ort\)/);
  const profile = JSON.parse(readFileSync(join(ckpt, 'profile.ort.json'), 'utf8')) as { key: { engine?: string } };
  assert.is(profile.key.engine, 'ort');
  assert.not.ok(existsSync(join(ckpt, 'profile.json')), 'the tfjs profile is not touched by an ort server');
});

test('--engine auto: measures the missing tfjs profile, reuses the ort one and the cached models, picks the faster engine and reports it', async () => {
  const { server: s, client } = await start('auto');
  const engine = await metadataEngine(s.url);
  const out = await stop(s, client);
  assert.ok(engine === 'ort' || engine === 'tfjs', String(engine));
  assert.match(out, /6 model\(s\) from the cache/);
  assert.match(out, /using stored profile \(.*profile\.ort\.json/);
  assert.match(out, /profiling 6 sub-networks .*no .*profile\.json/);
  assert.match(out, new RegExp(`engine ${String(engine)} \\(auto: ort runs the profiled batches [0-9.]+x as fast as tfjs`));
  assert.ok(existsSync(join(ckpt, 'profile.json')));
});

test.run();
