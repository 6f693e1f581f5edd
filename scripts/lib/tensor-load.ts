/**
 * Closed-loop load of 1x3xSxS FP32 infer requests from a separate process, over HTTP with the binary tensor
 * data extension or over gRPC with raw_input_contents (the fast form of each protocol), binary / raw outputs
 * (logits and top5 named, as a classifier asks; the server's per-image facts are not wanted here):
 *   node --import tsx tensor-load.ts http|grpc TARGET SECONDS CONCURRENCY [SIZE]
 * TARGET: the HTTP infer URL, or host:port for gRPC. Prints one JSON line {requests, ok, seconds, rps, p50_ms, p99_ms}.
 * @module
 */
import { credentials, type Client } from '@grpc/grpc-js';
import { inferenceClient } from '../../src/grpc/proto.ts';

const [protocol, target, seconds = '5', conc = '8', sizeArg = '224'] = process.argv.slice(2);
if ((protocol !== 'http' && protocol !== 'grpc') || target === undefined) {
  console.error('usage: tensor-load http|grpc TARGET [SECONDS] [CONCURRENCY] [SIZE]');
  process.exit(2);
}
const size = Number(sizeArg);
const pixels = new Uint8Array(Float32Array.from({ length: 3 * size * size }, (_, i) => (i % 251) / 251).buffer);
const shape = [1, 3, size, size];

let send: () => Promise<boolean>;
let close = (): void => {};
if (protocol === 'http') {
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'input', datatype: 'FP32', shape, parameters: { binary_data_size: pixels.byteLength } }],
    parameters: { slo_ms: 60_000, binary_data_output: true },
    outputs: [{ name: 'logits' }, { name: 'top5' }],
  }));
  const body = Buffer.concat([header, pixels]);
  const headers = { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.byteLength) };
  send = async () => {
    const r = await fetch(target, { method: 'POST', headers, body });
    await r.arrayBuffer();
    return r.status === 200;
  };
} else {
  const client = new (inferenceClient())(target, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 }) as Client & Record<string, Function>;
  const req = { model_name: 'superserve', parameters: { slo_ms: { int64_param: 60_000 } }, inputs: [{ name: 'input', datatype: 'FP32', shape }], outputs: [{ name: 'logits' }, { name: 'top5' }], raw_input_contents: [pixels] };
  send = () => new Promise((resolve) => client.ModelInfer!(req, (err: unknown) => resolve(err === null)));
  close = () => client.close();
}

const latencies: number[] = [];
let requests = 0;
let ok = 0;
const until = performance.now() + Number(seconds) * 1000;
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(conc) }, async () => {
  while (performance.now() < until) {
    const start = performance.now();
    const good = await send();
    latencies.push(performance.now() - start);
    requests++;
    if (good) ok++;
  }
}));
const s = (performance.now() - t0) / 1000;
close();
latencies.sort((a, b) => a - b);
const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
console.log(JSON.stringify({ requests, ok, seconds: s, rps: requests / s, p50_ms: q(0.5), p99_ms: q(0.99) }));
