/**
 * A small gRPC client for the KServe V2 / Triton service: health, metadata, one classification.
 *   node --import tsx scripts/grpc-infer.ts [--addr 127.0.0.1:8081] [--model superserve]
 *        [--image photo.jpg | --size 224] [--classes 3] [--slo-ms 1000] [--deadline-ms 5000]
 * With --image, the JPEG/PNG goes as the BYTES input `image`; otherwise a random NCHW FP32 tensor of
 * --size goes as `input` (raw_input_contents). Prints the chosen sub-network and the top classes.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { healthClient, inferenceClient } from '../src/grpc/proto.ts';
import { writeBytesElements } from '../src/protocol/raw-tensors.ts';

const { values } = parseArgs({
  options: {
    addr: { type: 'string', default: '127.0.0.1:8081' }, model: { type: 'string', default: 'superserve' },
    image: { type: 'string' }, size: { type: 'string', default: '224' }, classes: { type: 'string', default: '3' },
    'slo-ms': { type: 'string' }, 'deadline-ms': { type: 'string', default: '30000' },
  },
});

type Rpc = Client & Record<string, Function>;
const unary = (client: Rpc, method: string, req: unknown, deadlineMs = 10_000): Promise<any> => new Promise((resolve, reject) => {
  client[method]!(req, { deadline: new Date(Date.now() + deadlineMs) }, (err: ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)));
});

const health = new (healthClient())(values.addr, credentials.createInsecure()) as Rpc;
const inference = new (inferenceClient())(values.addr, credentials.createInsecure()) as Rpc;
try {
  const h = await unary(health, 'Check', { service: '' });
  console.log(`health: ${h.status}`);
  const meta = await unary(inference, 'ModelMetadata', { name: values.model });
  console.log(`model ${meta.name} (${meta.platform}), inputs: ${meta.inputs.map((i: { name: string; datatype: string; shape: number[] }) => `${i.name} ${i.datatype} [${i.shape.join(',')}]`).join('; ')}`);

  const size = Number(values.size);
  const input = values.image
    ? { tensor: { name: 'image', datatype: 'BYTES', shape: [1] }, raw: writeBytesElements([new Uint8Array(readFileSync(values.image))]) }
    : { tensor: { name: 'input', datatype: 'FP32', shape: [1, 3, size, size] }, raw: new Uint8Array(Float32Array.from({ length: 3 * size * size }, () => Math.random() * 2 - 1).buffer) };
  const started = performance.now();
  const reply = await unary(inference, 'ModelInfer', {
    model_name: values.model,
    ...(values['slo-ms'] ? { parameters: { slo_ms: { double_param: Number(values['slo-ms']) } } } : {}),
    inputs: [input.tensor],
    outputs: [{ name: 'logits', parameters: { classification: { int64_param: Number(values.classes) } } }],
    raw_input_contents: [input.raw],
  }, Number(values['deadline-ms']));
  const ms = performance.now() - started;
  const p = Object.fromEntries(Object.entries(reply.parameters as Record<string, Record<string, unknown>>).map(([k, v]) => [k, v[v.parameter_choice as string]]));
  console.log(`answered in ${ms.toFixed(1)} ms: sub-network ${p.subnet_id} (top-1 ${p.accuracy} %), batch ${p.batch_size}, queue ${Number(p.queue_ms).toFixed(1)} ms, compute ${Number(p.compute_ms).toFixed(1)} ms, deadline met: ${p.deadline_met}`);
  // BYTES raw output: per element a 4-byte little-endian length, then "score:index:label".
  const raw = reply.raw_output_contents[0] as Buffer;
  for (let at = 0; at < raw.byteLength;) {
    const len = raw.readUInt32LE(at);
    console.log(`  ${raw.subarray(at + 4, at + 4 + len).toString()}`);
    at += 4 + len;
  }
} catch (err) {
  const e = err as ServiceError;
  console.error(`grpc-infer: ${e.details ?? e.message} (code ${e.code ?? '?'})`);
  process.exitCode = 1;
} finally {
  health.close();
  inference.close();
}
