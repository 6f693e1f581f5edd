/**
 * The admission peek: image count, SLO and pinned sub-network read from a binary-extension header (parsed) or
 * from a large JSON body (scanned, not parsed), leniently: anything odd is left to the full validator.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { peekAdmission, peekJsonBody } from '../../src/protocol/admission-peek.ts';

const LIMITS = { defaultSloMs: 700, maxSloMs: 60_000 };
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

test('JSON body: count, slo_ms / timeout (µs) / default, pinned sub-network, whitespace', () => {
  const data = new Array(2 * 3 * 4 * 4).fill(0.5);
  assert.equal(peekJsonBody(enc({ inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3, 4, 4], data }], parameters: { slo_ms: 250, subnet: 3 } }), LIMITS),
    { images: 2, sloMs: 250, subnetId: 3 });
  assert.equal(peekJsonBody(enc({ parameters: { timeout: 90000 }, inputs: [{ name: 'image', datatype: 'BYTES', shape: [5], data: [] }] }), LIMITS), { images: 5, sloMs: 90 });
  assert.equal(peekJsonBody(enc({ inputs: [{ shape: [1, 224, 224, 3] }] }), LIMITS), { images: 1, sloMs: 700 });
  assert.equal(peekJsonBody(enc('{ "inputs" : [ { "shape" :\n [ 4 , 3 ] } ], "parameters": { "slo_ms" : 1.5e3 } }'), LIMITS), { images: 4, sloMs: 1500 });
});

test('JSON body: a key inside a string value is not a key; malformed or absent values give no peek', () => {
  assert.equal(peekJsonBody(enc({ id: 'my \\"slo_ms\\": 1', inputs: [{ shape: [1] }] }), LIMITS), { images: 1, sloMs: 700 });
  assert.is(peekJsonBody(enc({ inputs: [{ shape: 'x' }] }), LIMITS), undefined);
  assert.is(peekJsonBody(enc({ inputs: [{ shape: [0] }] }), LIMITS), undefined);
  assert.is(peekJsonBody(enc({ inputs: [{ data: [1] }] }), LIMITS), undefined);
  assert.is(peekJsonBody(enc({ inputs: [{ shape: [1] }], parameters: { slo_ms: -5 } }), LIMITS), undefined);
});

test('binary header: parsed; odd headers give no peek', () => {
  assert.equal(peekAdmission(enc({ inputs: [{ shape: [3, 3, 8, 8] }], parameters: { slo_ms: 40 } }), LIMITS), { images: 3, sloMs: 40 });
  assert.is(peekAdmission(enc('{not json'), LIMITS), undefined);
});

test.run();
