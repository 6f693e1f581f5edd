import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drainsInTime } from '../../src/scheduler/queue-drain.ts';

test('SLO not above the slack: everything must finish within the head\'s slack', () => {
  // 24 requests, 2 workers x batch 4 = 3 rounds of 10 ms
  assert.ok(drainsInTime(10, 4, 2, 30, 0, 24));
  assert.not.ok(drainsInTime(10, 4, 2, 29.9, 0, 24));
  assert.ok(drainsInTime(10, 4, 2, 10, 10, 8)); // one round
  assert.not.ok(drainsInTime(10, 4, 2, 9, 100, 1)); // the first round never gets extra slack
});

test('later rounds get the spread of deadlines up to the SLO', () => {
  // 64 requests, 8 x 4 = 2 rounds of 10 ms; round 2 starts at request 32: slack 15 + (slo - 15) * 32 / 64
  assert.not.ok(drainsInTime(10, 4, 8, 15, 15, 64));
  assert.ok(drainsInTime(10, 4, 8, 15, 25, 64)); // 15 + 5 = 20 >= 20
  assert.not.ok(drainsInTime(10, 4, 8, 15, 24.9, 64));
});

test('constant time for any queue length; an empty queue counts as one request', () => {
  assert.not.ok(drainsInTime(10, 16, 8, 30, 36, 1e12));
  assert.ok(drainsInTime(10, 16, 8, 10, 0, 0));
});

test.run();
