import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RingBuffer } from '../../src/dashboard/ring-buffer.ts';

test('keeps the newest `capacity` items, oldest first', () => {
  const r = new RingBuffer<number>(3);
  assert.equal(r.toArray(), []);
  for (let i = 1; i <= 5; i++) r.push(i);
  assert.is(r.size, 3);
  assert.equal(r.toArray(), [3, 4, 5]);
  assert.equal(r.last(2), [4, 5]);
  assert.equal(r.last(10), [3, 4, 5]);
  assert.is(r.at(0), 3);
  assert.is(r.at(3), undefined);
});

test('rejects a capacity that is not a positive integer', () => {
  assert.throws(() => new RingBuffer(0), /capacity/);
  assert.throws(() => new RingBuffer(1.5), /capacity/);
});

test.run();
