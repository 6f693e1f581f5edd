import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CodecError, decodeJob, decodeReply, encodeJob, encodeReply } from '../../src/worker/codec.ts';
import type { BatchJob } from '../../src/worker/protocol.ts';

const ramp = (n: number, k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) * 3 + i * 1e-3);

const job = (): BatchJob => ({
  jobId: 42, subnetId: 7,
  items: [{ data: ramp(4 * 5 * 3, 0.3), height: 4, width: 5 }, { data: ramp(2 * 2 * 3, 1.7), height: 2, width: 2 }],
});

test('a job survives the round trip bit for bit, items keep their own sizes', () => {
  const j = job();
  const back = decodeJob(encodeJob(j));
  assert.is(back.jobId, 42);
  assert.is(back.subnetId, 7);
  assert.equal(back.items.map((i) => [i.height, i.width]), [[4, 5], [2, 2]]);
  back.items.forEach((it, i) => assert.equal(Array.from(it.data), Array.from(j.items[i]!.data)));
});

test('the frame is compact: raw float32 bytes plus a short header, not JSON numbers', () => {
  const frame = encodeJob(job());
  const floats = 4 * 5 * 3 + 2 * 2 * 3;
  assert.ok(frame.length <= floats * 4 + 100, `frame is ${frame.length} bytes for ${floats} floats`);
  assert.is(new TextDecoder().decode(frame.subarray(0, 4)), 'SSJ1');
});

test('decoding copies into a fresh buffer, also from an unaligned view into a larger buffer', () => {
  const frame = encodeJob(job());
  const big = new Uint8Array(frame.length + 3);
  big.set(frame, 1);
  const back = decodeJob(big.subarray(1, 1 + frame.length));
  assert.is(back.items[0]!.data.buffer === big.buffer, false);
  assert.is(back.items[0]!.data[5], job().items[0]!.data[5]);
});

test('a reply with logits and a reply with an error both round-trip', () => {
  const logits = ramp(2 * 10, 0.9);
  const r = decodeReply(encodeReply({ jobId: 3, logits, numClasses: 10, computeMs: 12.5 }));
  assert.equal({ ...r, logits: Array.from(r.logits!) }, { jobId: 3, numClasses: 10, computeMs: 12.5, logits: Array.from(logits) });
  const e = decodeReply(encodeReply({ jobId: 4, numClasses: 0, computeMs: 1, error: 'unknown sub-network id 99' }));
  assert.is(e.error, 'unknown sub-network id 99');
  assert.is(e.logits, undefined);
});

test('bad frames are refused with a CodecError naming the problem', () => {
  const frame = encodeJob(job());
  const throwsCodec = (bytes: Uint8Array, pattern: RegExp): void => {
    try { decodeJob(bytes); } catch (e) { assert.instance(e, CodecError); assert.match((e as Error).message, pattern); return; }
    assert.unreachable('should have thrown');
  };
  throwsCodec(frame.subarray(0, 5), /shorter than/);
  throwsCodec(frame.subarray(0, frame.length - 4), /payload holds/);
  const wrongMagic = frame.slice(); wrongMagic[3] = 0x32;
  throwsCodec(wrongMagic, /magic/);
  throwsCodec(encodeReply({ jobId: 1, numClasses: 1, computeMs: 0, logits: new Float32Array(1) }), /magic/);
  assert.throws(() => encodeJob({ jobId: 1, subnetId: 0, items: [{ data: new Float32Array(5), height: 2, width: 2 }] }), /expected 2x2x3/);
  assert.throws(() => decodeReply(encodeJob(job())), /magic/);
});

test.run();
