/**
 * The binary tensor data extension on POST /v2/models/{m}/infer: FP32 and length-prefixed BYTES inputs from
 * the binary section, binary outputs on request (JSON stays the default), and a 400 for every way the framing
 * can be wrong.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import { readBytesElements, writeBytesElements } from '../../src/protocol/v2-binary.ts';
import { fp32Body, fp32Name, harness, INFER, nhwc, post, type Harness } from './helpers.ts';

/** Body = JSON header + raw chunks, with Inference-Header-Content-Length (override it with `headerLength`). */
function postBinary(app: Harness['app'], header: unknown, chunks: Uint8Array[], headerLength?: string) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = Buffer.concat([json, ...chunks]);
  return app.request(INFER, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength ?? String(json.byteLength) },
    body,
  });
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const binInput = (shape: number[], size: number, datatype = 'FP32') => ({ name: datatype === 'BYTES' ? 'image' : fp32Name(shape), datatype, shape, parameters: { binary_data_size: size } });

/** Split a binary reply into its JSON header and binary section. */
async function readBinaryReply(res: Response) {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const n = Number(res.headers.get('inference-header-content-length'));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(0, n))), binary: bytes.slice(n) };
}

const DATA = nhwc(2, 16, 16, (b, y, x, c) => (b === 0 ? c + 1 : [x, -y, 0.5][c]!));
const WANT_LOGITS = [1, 2, 3, -1, -2, -3, 7.5, -7.5, 0.5, -7.5, 7.5, -0.5];
const WANT_TOP5 = [2, 1, 0, 3, 4, 0, 4, 2, 5, 1];

test('FP32 binary input gives the same batch and reply as JSON; the reply stays JSON by default', async () => {
  const h = harness();
  const res = await postBinary(h.app, { id: 'b1', inputs: [binInput([2, 16, 16, 3], DATA.length * 4)], parameters: { slo_ms: 50 } }, [f32(DATA)]);
  assert.is(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.is(res.headers.get('inference-header-content-length'), null);
  const body = await res.json();
  assert.is(body.id, 'b1');
  body.outputs[0].data.forEach((v: number, i: number) => assert.ok(Math.abs(v - WANT_LOGITS[i]!) < 1e-5, `logit ${i}`));
  assert.equal(body.outputs[1].data, WANT_TOP5);
  const jsonRes = await post(h.app, fp32Body([2, 16, 16, 3], DATA));
  assert.is(jsonRes.status, 200);
  const [viaBinary, viaJson] = h.service.calls;
  assert.equal(Array.from(viaBinary!.batch.data), Array.from(viaJson!.batch.data));
  assert.equal([viaBinary!.batch.n, viaBinary!.batch.height, viaBinary!.batch.width], [2, 16, 16]);
  assert.is(viaBinary!.ticket.sloMs, 50);
});

test('FP32 binary NCHW input is moved to NHWC', async () => {
  const h = harness();
  const [H, W] = [16, 20];
  const nchw = Array.from({ length: 3 * H * W }, (_, i) => i); // value = c*H*W + y*W + x
  const res = await postBinary(h.app, { inputs: [binInput([1, 3, H, W], nchw.length * 4)] }, [f32(nchw)]);
  assert.is(res.status, 200);
  const { data } = h.service.calls[0]!.batch;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    if (data[(y * W + x) * 3 + c] !== c * H * W + y * W + x) assert.unreachable(`(${y},${x},${c})`);
  }
});

test('binary_data_output: every output binary (FP32 and INT64 little-endian), header length and sizes set', async () => {
  const h = harness();
  const res = await postBinary(h.app, { inputs: [binInput([2, 16, 16, 3], DATA.length * 4)], parameters: { binary_data_output: true } }, [f32(DATA)]);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/octet-stream');
  const { header, binary } = await readBinaryReply(res);
  assert.equal(header.outputs, [
    { name: 'logits', datatype: 'FP32', shape: [2, 6], parameters: { binary_data_size: 48 } },
    { name: 'top5', datatype: 'INT64', shape: [2, 5], parameters: { binary_data_size: 80 } },
    { name: 'subnet_id', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } },
    { name: 'accuracy', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
    { name: 'batch_size', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } },
    { name: 'queue_ms', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
    { name: 'compute_ms', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
  ], 'no outputs named: every output the metadata lists, all binary');
  assert.is(header.parameters.subnet_id, 1);
  assert.is(binary.byteLength, 48 + 80 + 16 + 8 + 16 + 8 + 8);
  const view = new DataView(binary.buffer);
  WANT_LOGITS.forEach((v, i) => assert.ok(Math.abs(view.getFloat32(i * 4, true) - v) < 1e-5, `logit ${i}`));
  assert.equal(WANT_TOP5.map((_, i) => Number(view.getBigInt64(48 + i * 8, true))), WANT_TOP5);
  assert.equal([0, 1].map((i) => Number(view.getBigInt64(128 + i * 8, true))), [1, 1], 'subnet_id per image');
  assert.ok(Math.abs(view.getFloat32(144, true) - 0.79) < 1e-6, 'accuracy');
  assert.equal([0, 1].map((i) => Number(view.getBigInt64(152 + i * 8, true))), [2, 2], 'batch_size per image');
});

test('per-output binary_data: only the named output is binary, and it overrides binary_data_output', async () => {
  const h = harness();
  let res = await post(h.app, fp32Body([2, 16, 16, 3], DATA, { outputs: [{ name: 'logits' }, { name: 'top5', parameters: { binary_data: true } }] }));
  assert.is(res.status, 200);
  let { header, binary } = await readBinaryReply(res);
  assert.is(header.outputs[0].data.length, 12, 'logits stay JSON');
  assert.equal(header.outputs[1].parameters, { binary_data_size: 80 });
  assert.not.ok('data' in header.outputs[1]);
  assert.equal(Array.from(new BigInt64Array(binary.buffer), Number), WANT_TOP5);
  res = await post(h.app, fp32Body([2, 16, 16, 3], DATA, {
    parameters: { binary_data_output: true }, outputs: [{ name: 'top5', parameters: { binary_data: false } }, { name: 'logits' }],
  }));
  ({ header, binary } = await readBinaryReply(res));
  assert.equal(header.outputs[0].data, WANT_TOP5);
  assert.equal(header.outputs[1].parameters, { binary_data_size: 48 });
  assert.is(binary.byteLength, 48);
});

test('a header length equal to the body is plain JSON (empty binary section)', async () => {
  const h = harness();
  const res = await postBinary(h.app, fp32Body([1, 16, 16, 3], nhwc(1, 16, 16, () => 0.25)), []);
  assert.is(res.status, 200);
  assert.ok(Math.abs((await res.json()).outputs[0].data[0] - 0.25) < 1e-6);
});

function pngBytes(w: number, h: number, rgb: [number, number, number]) {
  const p = new pngjs.PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([...rgb, 255], i * 4);
  return new Uint8Array(pngjs.PNG.sync.write(p));
}
function jpegBytes(w: number, h: number, rgb: [number, number, number]) {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return new Uint8Array(jpeg.encode({ width: w, height: h, data }, 95).data);
}

test('BYTES binary input: length-prefixed PNG and JPEG decode to the same batch as base64 JSON', async () => {
  const h = harness();
  const images = [pngBytes(64, 40, [10, 200, 30]), jpegBytes(50, 70, [250, 5, 120])];
  const packed = writeBytesElements(images);
  assert.equal(readBytesElements('x', packed, 2), images);
  let res = await postBinary(h.app, { inputs: [binInput([2], packed.byteLength, 'BYTES')] }, [packed]);
  assert.is(res.status, 200, await res.clone().text());
  res = await post(h.app, { inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], data: images.map((b) => Buffer.from(b).toString('base64')) }] });
  assert.is(res.status, 200);
  const [a, b] = h.service.calls;
  assert.equal([a!.batch.n, a!.batch.height], [2, 48]);
  assert.equal(Array.from(a!.batch.data), Array.from(b!.batch.data));
});

const GOOD_HEADER = { inputs: [binInput([1, 16, 16, 3], 3072)] };
const ZEROS = new Uint8Array(3072);
const withValue = (i: number, v: number) => { const b = new Float32Array(768); b[i] = v; return new Uint8Array(b.buffer); };
const png = pngBytes(20, 20, [1, 2, 3]);

const BAD: Array<[string, unknown, Uint8Array[], string | undefined, RegExp]> = [
  ['header length beyond the body', GOOD_HEADER, [ZEROS], '999999', /Inference-Header-Content-Length is 999999 but the body has only \d+ bytes/],
  ['header length not an integer', GOOD_HEADER, [ZEROS], '12abc', /Inference-Header-Content-Length must be a non-negative integer, got "12abc"/],
  ['header length cutting the JSON', GOOD_HEADER, [ZEROS], '10', /malformed JSON/],
  ['binary_data_size beyond the binary section', GOOD_HEADER, [ZEROS.subarray(0, 3000)], undefined, /binary_data_size 3072 exceeds the 3000 bytes left/],
  ['bytes left over after the inputs', GOOD_HEADER, [ZEROS, new Uint8Array(8)], undefined, /binary section has 3080 bytes but the inputs' binary_data_size add up to 3072/],
  ['binary_data_size not matching the shape', { inputs: [binInput([1, 16, 16, 3], 3068)] }, [ZEROS.subarray(0, 3068)], undefined, /3068 raw bytes do not match shape \[1,16,16,3\] \(FP32 needs 3072 bytes\)/],
  ['NaN in binary FP32', GOOD_HEADER, [withValue(5, NaN)], undefined, /raw element 5 is NaN/],
  ['Infinity in binary FP32', GOOD_HEADER, [withValue(700, -Infinity)], undefined, /raw element 700 is -Infinity/],
  ['negative binary_data_size', { inputs: [binInput([1, 16, 16, 3], -4)] }, [ZEROS], undefined, /binary_data_size must be a non-negative integer, got -4/],
  ['string binary_data_size', { inputs: [binInput([1, 16, 16, 3], '3072' as unknown as number)] }, [ZEROS], undefined, /binary_data_size must be a non-negative integer, got "3072"/],
  ['both data and binary_data_size', { inputs: [{ ...binInput([1, 16, 16, 3], 3072), data: [1] }] }, [ZEROS], undefined, /either data or parameters\.binary_data_size, not both/],
  ['input parameters not an object', { inputs: [{ ...binInput([1, 16, 16, 3], 3072), parameters: 5 }] }, [ZEROS], undefined, /parameters must be an object/],
  ['BYTES length prefix past the end', { inputs: [binInput([1], 8, 'BYTES')] }, [new Uint8Array([100, 0, 0, 0, 1, 2, 3, 4])], undefined, /element 0 declares 100 bytes but only 4 remain/],
  ['BYTES fewer elements than the shape', { inputs: [binInput([2], png.byteLength + 4, 'BYTES')] }, [writeBytesElements([png])], undefined, /ends before element 1 of 2/],
  ['BYTES bytes after the last element', { inputs: [binInput([1], png.byteLength + 6, 'BYTES')] }, [writeBytesElements([png]), new Uint8Array(2)], undefined, /\d+ raw bytes but its 1 length-prefixed elements use \d+ bytes/],
  ['BYTES binary element not an image', { inputs: [binInput([1], 9, 'BYTES')] }, [writeBytesElements([new TextEncoder().encode('hello')])], undefined, /data\[0\]: image is neither JPEG nor PNG/],
  ['binary_data_output not a boolean', { ...GOOD_HEADER, parameters: { binary_data_output: 'yes' } }, [ZEROS], undefined, /binary_data_output must be a boolean, got "yes"/],
  ['per-output binary_data not a boolean', { ...GOOD_HEADER, outputs: [{ name: 'top5', parameters: { binary_data: 1 } }] }, [ZEROS], undefined, /outputs\[0\]\.parameters\.binary_data must be a boolean/],
];

for (const [name, header, chunks, headerLength, message] of BAD) {
  test(`400 for ${name}; the service is not called and the server keeps serving`, async () => {
    const h = harness();
    const res = await postBinary(h.app, header, chunks, headerLength);
    assert.is(res.status, 400, await res.clone().text());
    const body = await res.json();
    assert.equal(Object.keys(body), ['error']);
    assert.match(body.error, message);
    assert.is(h.service.calls.length, 0);
    assert.is((await postBinary(h.app, GOOD_HEADER, [ZEROS])).status, 200);
  });
}

test.run();
