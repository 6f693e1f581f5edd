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
    { images: 2, timing: { sloMs: 250, sloGiven: true, priority: 2 }, subnetId: 3 });
  assert.equal(peekJsonBody(enc({ parameters: { timeout: 90000 }, inputs: [{ name: 'image', datatype: 'BYTES', shape: [5], data: [] }] }), LIMITS), { images: 5, timing: { sloMs: 90, sloGiven: true, priority: 2 } });
  assert.equal(peekJsonBody(enc({ inputs: [{ shape: [1, 224, 224, 3] }] }), LIMITS), { images: 1, timing: { sloMs: 700, sloGiven: false, priority: 2 } });
  assert.equal(peekJsonBody(enc('{ "inputs" : [ { "shape" :\n [ 4 , 3 ] } ], "parameters": { "slo_ms" : 1.5e3 } }'), LIMITS), { images: 4, timing: { sloMs: 1500, sloGiven: true, priority: 2 } });
});

test('JSON body: a key inside a string value is not a key; malformed or absent values give no peek', () => {
  assert.equal(peekJsonBody(enc({ id: 'my \\"slo_ms\\": 1', inputs: [{ shape: [1] }] }), LIMITS), { images: 1, timing: { sloMs: 700, sloGiven: false, priority: 2 } });
  assert.is(peekJsonBody(enc({ inputs: [{ shape: 'x' }] }), LIMITS), undefined);
  assert.is(peekJsonBody(enc({ inputs: [{ shape: [0] }] }), LIMITS), undefined);
  assert.is(peekJsonBody(enc({ inputs: [{ data: [1] }] }), LIMITS), undefined);
  assert.is(peekJsonBody(enc({ inputs: [{ shape: [1] }], parameters: { slo_ms: -5 } }), LIMITS), undefined);
});

test('priority: read by the same rule as validation (0 and out of range = the default level)', () => {
  const body = (priority: unknown) => enc({ inputs: [{ shape: [1] }], parameters: { priority } });
  assert.is(peekJsonBody(body(1), LIMITS)!.timing.priority, 1);
  assert.is(peekJsonBody(body(0), LIMITS)!.timing.priority, 2);
  assert.is(peekJsonBody(body(7), LIMITS)!.timing.priority, 2);
  assert.is(peekJsonBody(body(1), { ...LIMITS, priorityLevels: 3 })!.timing.priority, 1);
  assert.is(peekAdmission(body(-1), LIMITS), undefined, 'a negative priority is left to validation (400)');
});

test('binary header: parsed; odd headers give no peek', () => {
  assert.equal(peekAdmission(enc({ inputs: [{ shape: [3, 3, 8, 8] }], parameters: { slo_ms: 40 } }), LIMITS), { images: 3, timing: { sloMs: 40, sloGiven: true, priority: 2 } });
  assert.is(peekAdmission(enc('{not json'), LIMITS), undefined);
});

test.run();
