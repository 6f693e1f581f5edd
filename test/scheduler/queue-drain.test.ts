import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drainsInTime } from '../../src/scheduler/queue-drain.ts';
import type { DeadlineClass } from '../../src/scheduler/types.ts';

const one = (count: number, first: number, last: number): DeadlineClass[] => [{ count, firstSlackMs: first, lastSlackMs: last }];

test('every deadline at the head\'s: everything must finish within the head\'s slack', () => {
  // 24 requests, 2 workers x batch 4 = 3 rounds of 10 ms
  assert.ok(drainsInTime(10, 4, 2, 30, one(24, 30, 30), 24));
  assert.not.ok(drainsInTime(10, 4, 2, 29.9, one(24, 29.9, 29.9), 24));
  assert.ok(drainsInTime(10, 4, 2, 10, one(8, 10, 10), 8)); // one round
  assert.not.ok(drainsInTime(10, 4, 2, 9, one(1, 9, 100), 1)); // the first round never gets extra slack
  assert.not.ok(drainsInTime(10, 4, 2, 29.9, [], 24), 'no classes known: the head\'s slack bounds the queue');
});

test('later rounds get the spread of the deadlines actually queued', () => {
  // 64 requests, 8 x 4 = 2 rounds of 10 ms; round 2 starts at request 32: slack 15 + (last - 15) * 32 / 64
  assert.not.ok(drainsInTime(10, 4, 8, 15, one(64, 15, 15), 64));
  assert.ok(drainsInTime(10, 4, 8, 15, one(64, 15, 25), 64)); // 15 + 5 = 20 >= 20
  assert.not.ok(drainsInTime(10, 4, 8, 15, one(64, 15, 24.9), 64));
});

test('two SLO classes: a far deadline in the queue does not stretch the near ones', () => {
  // 63 requests due at slack 15..19 and one due in 60 s: round 2 (t = 20) would have to take 63 > 32
  const near = one(63, 15, 19);
  const mixed: DeadlineClass[] = [...near, { count: 1, firstSlackMs: 60_000, lastSlackMs: 60_000 }];
  assert.ok(drainsInTime(10, 4, 8, 15, one(64, 15, 60_000), 64), 'deadlines assumed spread up to 60 s: looks drainable');
  assert.not.ok(drainsInTime(10, 4, 8, 15, mixed, 64), 'the deadlines actually queued: it does not drain');
  assert.is(drainsInTime(10, 4, 8, 15, mixed, 64), drainsInTime(10, 4, 8, 15, near, 63));
  // 3 rounds of 10 ms (P = 8): 20 requests due by 15..16 cannot all make round 1 (t = 20)
  assert.not.ok(drainsInTime(10, 4, 2, 15, [{ count: 20, firstSlackMs: 15, lastSlackMs: 16 }, { count: 4, firstSlackMs: 60_000, lastSlackMs: 60_000 }], 24));
});

test('constant time for any queue length; an empty queue counts as one request', () => {
  assert.not.ok(drainsInTime(10, 16, 8, 30, one(1e12, 30, 36), 1e12));
  assert.ok(drainsInTime(10, 16, 8, 10, [], 0));
});

test.run();
