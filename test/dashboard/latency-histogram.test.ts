import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LatencyHistogram } from '../../src/dashboard/latency-histogram.ts';
import { quantile } from '../../src/sim/summary.ts';

test('quantiles within 1 % of the exact nearest-rank value', () => {
  const h = new LatencyHistogram();
  const values: number[] = [];
  let x = 7;
  for (let i = 0; i < 5000; i++) { x = (x * 48271) % 2147483647; const v = 0.5 + (x / 2147483647) ** 3 * 4000; values.push(v); h.add(v); }
  values.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99]) {
    const exact = quantile(values, q);
    const got = h.quantile(q)!;
    assert.ok(Math.abs(got - exact) / exact < 0.011, `q${q}: ${got} vs ${exact}`);
  }
  assert.is(h.count, 5000);
});

test('empty gives null; reset empties; tiny, huge and non-finite values are clamped or ignored', () => {
  const h = new LatencyHistogram();
  assert.is(h.quantile(0.5), null);
  h.add(0); h.add(1e9); h.add(Number.NaN);
  assert.is(h.count, 2);
  assert.is(h.quantile(0.5), 0.1);
  assert.ok(h.quantile(1)! > 1e5);
  h.reset();
  assert.is(h.quantile(0.99), null);
});

test.run();
