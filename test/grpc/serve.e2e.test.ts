/**
 * End to end with the real engine: `superserve serve` answers the same request over gRPC (raw contents) and
 * HTTP (binary tensor data) with bit-identical logits, reports SERVING on grpc.health.v1, and drains both
 * protocols on SIGTERM (exit 0).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { credentials, type Client } from '@grpc/grpc-js';
import { healthClient, inferenceClient } from '../../src/grpc/proto.ts';
import { freePort, startServer, tempCheckpoint, type ServerProcess } from '../helpers/server-process.ts';
import { call } from './helpers.ts';

let server: ServerProcess;
let grpcPort: number;
let client: Client & Record<string, Function>;

test.before(async () => {
  const ckpt = await tempCheckpoint();
  grpcPort = await freePort();
  server = await startServer(['--checkpoint', ckpt, '--slo-ms', '20000', '--grpc-port', String(grpcPort),
    '--profile-batches', '1,2', '--profile-repeats', '2', '--warmup', '1']);
  client = new (inferenceClient())(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as typeof client;
});

test.after(async () => {
  client?.close();
  const code = await server?.stop('SIGTERM');
  assert.is(code, 0, `server exit code on SIGTERM\n${server?.output()}`);
});

test('gRPC raw infer equals the HTTP binary infer bit for bit (same sub-network, real engine)', async () => {
  const meta = (await call(client, 'ModelMetadata', { name: 'superserve' })).res;
  assert.equal(meta.inputs.map((i: { name: string }) => i.name), ['input', 'input_nhwc', 'image']);
  const size = 128;
  const pixels = new Float32Array(3 * size * size).map((_, i) => Math.sin(i * 0.01));
  const raw = new Uint8Array(pixels.buffer);
  const g = await call(client, 'ModelInfer', {
    model_name: 'superserve', parameters: { subnet: { int64_param: 0 } },
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, size, size] }], outputs: [{ name: 'logits' }, { name: 'top5' }], raw_input_contents: [raw],
  });
  assert.is(g.err, undefined, g.err?.details);
  const header = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, size, size], parameters: { binary_data_size: raw.byteLength } }],
    parameters: { subnet: 0, binary_data_output: true }, outputs: [{ name: 'logits', parameters: { binary_data: true } }, { name: 'top5' }] });
  const res = await fetch(`${server.url}/v2/models/superserve/infer`, {
    method: 'POST', headers: { 'inference-header-content-length': String(Buffer.byteLength(header)) }, body: Buffer.concat([Buffer.from(header), raw]),
  });
  assert.is(res.status, 200);
  const body = new Uint8Array(await res.arrayBuffer());
  const n = Number(res.headers.get('inference-header-content-length'));
  const json = JSON.parse(new TextDecoder().decode(body.subarray(0, n)));
  assert.is(json.parameters.subnet_id, 0);
  assert.is(g.res.parameters.subnet_id.int64_param, 0);
  assert.equal(g.res.outputs.map((o: { shape: number[] }) => o.shape), [[1, 1000], [1, 5]]);
  assert.ok(Buffer.from(body.subarray(n)).equals(Buffer.concat(g.res.raw_output_contents)), 'logits and top5 bytes identical');
  const health = new (healthClient())(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as typeof client;
  assert.equal((await call(health, 'Check', { service: '' })).res, { status: 'SERVING' });
  health.close();
});

test.run();
