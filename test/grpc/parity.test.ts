/**
 * One validator, two transports: every validation rule sent over HTTP (JSON) and gRPC (typed and raw
 * contents) gets the same message, HTTP 400 / gRPC INVALID_ARGUMENT, and never reaches the service.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { nhwc, post } from '../http/helpers.ts';
import { call, grpcHarness, grpcRequest, httpBody, type Spec } from './helpers.ts';

const NHWC = { name: 'input_nhwc', datatype: 'FP32', shape: [1, 16, 16, 3], fp32: nhwc(1, 16, 16, () => 0.25) };
const NCHW = { name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], fp32: new Array(768).fill(0.5) };
const IMAGE = { name: 'image', datatype: 'BYTES', shape: [1], images: [new TextEncoder().encode('hello')] };
const good = (extra: Partial<Spec> = {}): Spec => ({ inputs: [NHWC], ...extra });

/** [rule, request, exact message (a string) or pattern]. */
const CASES: Array<[string, Spec, string | RegExp]> = [
  ['unknown input name', { inputs: [{ ...NHWC, name: 'foo' }] }, "unexpected inference input 'foo' for model 'ofa-fake'"],
  ['FP32 sent under the BYTES input', { inputs: [{ ...NHWC, name: 'image' }] }, "inference input 'image' data-type is 'FP32', but model 'ofa-fake' expects 'BYTES'"],
  ['BYTES sent under the FP32 input', { inputs: [{ ...IMAGE, name: 'input' }] }, "inference input 'input' data-type is 'BYTES', but model 'ofa-fake' expects 'FP32'"],
  ['unsupported datatype', { inputs: [{ ...NCHW, datatype: 'FP16' }] }, "inference input 'input' data-type is 'FP16', but model 'ofa-fake' expects 'FP32'"],
  ['NHWC layout under the NCHW input', { inputs: [{ ...NHWC, name: 'input' }] }, "unexpected shape for input 'input' for model 'ofa-fake'. Expected [-1,3,-1,-1], got [1,16,16,3]"],
  ['NCHW layout under the NHWC input', { inputs: [{ ...NCHW, name: 'input_nhwc' }] }, "unexpected shape for input 'input_nhwc' for model 'ofa-fake'. Expected [-1,-1,-1,3], got [1,3,16,16]"],
  ['wrong rank', { inputs: [{ ...NCHW, shape: [3, 16, 16] }] }, "unexpected shape for input 'input' for model 'ofa-fake'. Expected [-1,3,-1,-1], got [3,16,16]"],
  ['BYTES of rank 2', { inputs: [{ ...IMAGE, shape: [1, 1] }] }, "unexpected shape for input 'image' for model 'ofa-fake'. Expected [-1], got [1,1]"],
  ['two inputs', { inputs: [NCHW, IMAGE] }, "expected 1 input but got 2 inputs ['input', 'image'] for model 'ofa-fake': send exactly one of 'input', 'input_nhwc', 'image'"],
  ['no input', { inputs: [] }, "expected 1 input but got 0 inputs for model 'ofa-fake': send exactly one of 'input', 'input_nhwc', 'image'"],
  ['the same input twice', { inputs: [NCHW, NCHW] }, "input 'input' is given more than once"],
  ['unknown request parameter', good({ parameters: { urgency: 1 } }), "parameter 'urgency' is not supported for model 'ofa-fake' (supported: slo_ms, timeout, priority, subnet)"],
  ['unknown output', good({ outputs: [{ name: 'probs' }] }), "unexpected inference output 'probs' for model 'ofa-fake'"],
  ['unknown output parameter', good({ outputs: [{ name: 'logits', parameters: { topk: 3 } }] }), "parameter 'topk' is not supported for output 'logits' (supported: classification, class_count)"],
  ['output requested twice', good({ outputs: [{ name: 'top5' }, { name: 'top5' }] }), "output 'top5' is requested more than once"],
  ['classification on a non-score output', good({ outputs: [{ name: 'top5', parameters: { classification: 2 } }] }), "output 'top5': classification is only offered on output 'logits'"],
  ['classification of zero classes', good({ outputs: [{ name: 'logits', parameters: { class_count: 0 } }] }), "output 'logits': parameters.classification must be an integer class count >= 1, got 0"],
  ['negative slo_ms', good({ parameters: { slo_ms: -5 } }), 'parameters.slo_ms must be a number > 0, got -5'],
  ['string slo_ms', good({ parameters: { slo_ms: 'fast' } }), 'parameters.slo_ms must be a number > 0, got "fast"'],
  ['slo_ms over the maximum', good({ parameters: { slo_ms: 5000 } }), 'latency SLO 5000 ms exceeds the maximum of 1000 ms'],
  ['fractional Triton timeout', good({ parameters: { timeout: 1.5 } }), 'parameters.timeout must be an integer number of microseconds > 0, got 1.5'],
  ['both slo_ms and timeout', good({ parameters: { slo_ms: 10, timeout: 10_000 } }), 'give either parameters.slo_ms or parameters.timeout (µs), not both'],
  ['unknown sub-network', good({ parameters: { subnet: 7 } }), 'parameters.subnet 7 is not a served sub-network (ids: 0, 1)'],
  ['batch too large', { inputs: [{ ...NCHW, shape: [65, 3, 16, 16], fp32: new Array(65 * 768).fill(0) }] }, "input 'input': batch size 65 out of range 1..64"],
  ['H too small', { inputs: [{ ...NCHW, shape: [1, 3, 8, 16], fp32: new Array(384).fill(0) }] }, "input 'input': H=8 out of range 16..1024"],
];

/** Content errors word the element count per transport (JSON elements vs raw bytes), so they are matched by pattern. */
const CONTENT_CASES: Array<[string, Spec, { json: RegExp; typed: RegExp; raw: RegExp }]> = [
  ['FP32 data of the wrong size', { inputs: [{ ...NCHW, fp32: new Array(767).fill(0) }] }, {
    json: /^input 'input': data has 767 elements, shape \[1,3,16,16\] needs 768$/,
    typed: /^input 'input': data has 767 elements, shape \[1,3,16,16\] needs 768$/,
    raw: /^input 'input': 3068 raw bytes do not match shape \[1,3,16,16\] \(FP32 needs 3072 bytes\)$/,
  }],
  ['undecodable image', { inputs: [IMAGE] }, {
    json: /^input 'image': data\[0\]: image is neither JPEG nor PNG/,
    typed: /^input 'image': data\[0\]: image is neither JPEG nor PNG/,
    raw: /^input 'image': data\[0\]: image is neither JPEG nor PNG/,
  }],
];

const expectMessage = (got: string | undefined, want: string | RegExp, where: string) => {
  if (typeof want === 'string') assert.is(got, want, where);
  else assert.match(got ?? '', want, where);
};

test('every validation rule: the same message over HTTP (400) and gRPC typed and raw (INVALID_ARGUMENT); the service is never called', async () => {
  const h = await grpcHarness();
  try {
    for (const [rule, spec, message] of CASES) {
      const res = await post(h.app, httpBody(spec));
      assert.is(res.status, 400, `HTTP ${rule}`);
      expectMessage((await res.json()).error, message, `HTTP ${rule}`);
      for (const raw of [false, true]) {
        const { err } = await call(h.client, 'ModelInfer', grpcRequest(spec, raw));
        assert.is(err?.code, status.INVALID_ARGUMENT, `gRPC ${raw ? 'raw' : 'typed'} ${rule}`);
        expectMessage(err?.details, message, `gRPC ${raw ? 'raw' : 'typed'} ${rule}`);
      }
    }
    for (const [rule, spec, want] of CONTENT_CASES) {
      const res = await post(h.app, httpBody(spec));
      assert.is(res.status, 400, rule);
      assert.match((await res.json()).error, want.json, `HTTP ${rule}`);
      for (const raw of [false, true]) {
        const { err } = await call(h.client, 'ModelInfer', grpcRequest(spec, raw));
        assert.is(err?.code, status.INVALID_ARGUMENT, rule);
        assert.match(err?.details ?? '', raw ? want.raw : want.typed, `gRPC ${rule}`);
      }
    }
    assert.is(h.service.calls.length, 0);
    const stats = h.statistics.snapshot('ofa-fake', '1');
    assert.is(stats.inference_stats.fail.count, 3 * CASES.length + 3 * CONTENT_CASES.length, 'every refusal counted once, whichever protocol');
    assert.is((await call(h.client, 'ModelInfer', grpcRequest(good(), true))).err, undefined, 'still serving');
    assert.is((await post(h.app, httpBody(good()))).status, 200);
  } finally { await h.close(); }
});

test('gRPC-only framing errors are INVALID_ARGUMENT with a message naming the field', async () => {
  const h = await grpcHarness();
  try {
    const typed = grpcRequest(good(), false);
    const cases: Array<[unknown, RegExp]> = [
      [{ ...typed, raw_input_contents: [new Uint8Array(4), new Uint8Array(4)] }, /raw_input_contents has 2 entries but the request has 1 inputs/],
      [{ ...typed, raw_input_contents: [new Uint8Array(3072)] }, /input 'input_nhwc': give either contents or raw_input_contents, not both/],
      [{ ...typed, inputs: [{ ...typed.inputs![0], contents: { int_contents: [1, 2] } }] }, /input 'input_nhwc': FP32 data goes in contents\.fp32_contents, got contents\.int_contents/],
      [{ ...typed, inputs: [{ ...typed.inputs![0], contents: {} }] }, /input 'input_nhwc': data is missing/],
      [{ ...typed, inputs: [{ ...typed.inputs![0], contents: { fp32_contents: [1], bytes_contents: [new Uint8Array(1)] } }] }, /contents has more than one field set \(fp32_contents, bytes_contents\)/],
      [{ ...typed, parameters: { slo_ms: {} } }, /^parameter 'slo_ms' has no value$/],
    ];
    for (const [req, message] of cases) {
      const { err } = await call(h.client, 'ModelInfer', req);
      assert.is(err?.code, status.INVALID_ARGUMENT, String(message));
      assert.match(err?.details ?? '', message);
    }
    assert.is(h.service.calls.length, 0);
  } finally { await h.close(); }
});

test.run();
