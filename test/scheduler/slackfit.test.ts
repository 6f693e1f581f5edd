import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBuckets, createPolicy, ProfileTable } from '../../src/scheduler/index.ts';
import { cpuProfile, tinyProfile } from './profiles.ts';

const pick = (name: string, slack: number, opts = {}) => {
  const d = createPolicy(name, tinyProfile(), opts).decide(slack, 1, 0);
  return d && `${d.subnetId}x${d.batchSize}`;
};

test('buckets of the tiny profile, computed by hand', () => {
  // L_lo = l(A,1) = 10, L_hi = l(C,8) = 76, 4 buckets of 16.5 ms: edges 10, 26.5, 43, 59.5, 76.
  const b = buildBuckets(new ProfileTable(tinyProfile()), { buckets: 4, maxBatch: 8 });
  assert.equal(b.map((x) => [x.lo, x.hi]), [[10, 26.5], [26.5, 43], [43, 59.5], [59.5, 76]]);
  const names = (i: number) => b[i]!.options.map((o) => `${o.subnetId}x${o.batchSize}`).sort();
  assert.equal(names(0), ['0x1', '0x2', '0x4', '0x8', '1x1', '1x2', '1x4', '2x1'].sort());
  assert.equal(names(1), ['1x8', '2x2']);
  assert.equal(names(2), ['2x4']);
  assert.equal(names(3), ['2x8']);
  // representative: largest batch, ties to higher accuracy
  assert.equal(b.map((x) => `${x.representative!.subnetId}x${x.representative!.batchSize}`), ['0x8', '1x8', '2x4', '2x8']);
});

test('slackfit picks the representative closest to but not above the slack', () => {
  const o = { buckets: 4, maxBatch: 8 };
  assert.is(pick('slackfit', 24, o), '0x8');
  assert.is(pick('slackfit', 41.9, o), '0x8');
  assert.is(pick('slackfit', 42, o), '1x8');
  assert.is(pick('slackfit', 50, o), '2x4');
  assert.is(pick('slackfit', 75.9, o), '2x4');
  assert.is(pick('slackfit', 1000, o), '2x8');
});

test("slackfit, late 'serve': slack under every representative but over some option takes the best option that fits", () => {
  const o = { buckets: 4, maxBatch: 8, late: 'serve' as const };
  assert.is(pick('slackfit', 9.99, o), null); // below every option: the head is late
  assert.is(pick('slackfit', 10, o), '0x1');
  assert.is(pick('slackfit', 15, o), '0x2'); // 0x1, 0x2, 1x1 fit: largest batch
  assert.is(pick('slackfit', 20, o), '0x4');
});

test("slackfit, late 'drop' (default): a slack under every representative has no answer", () => {
  const o = { buckets: 4, maxBatch: 8 };
  for (const slack of [9.99, 10, 15, 20, 23.9]) assert.is(pick('slackfit', slack, o), null, `slack ${slack}`);
  assert.is(pick('slackfit', 24, o), '0x8');
  assert.is(createPolicy('slackfit', tinyProfile()).late, 'drop');
});

test('slackfit ignores the queue length; max batch and bucket count are options', () => {
  const p = createPolicy('slackfit', tinyProfile(), { buckets: 4, maxBatch: 8 });
  assert.equal(p.decide(50, 1, 0), p.decide(50, 1000, 0));
  // maxBatch 4: L_hi = l(C,4) = 44; 2 buckets: (10, 27], (27, 44]
  const b = buildBuckets(new ProfileTable(tinyProfile()), { buckets: 2, maxBatch: 4 });
  assert.equal(b.map((x) => `${x.representative!.subnetId}x${x.representative!.batchSize}`), ['1x4', '2x4']);
});

test('on a CPU-like profile, slackfit serves the smallest subnet at SLO-sized slacks (the motivation for slackfit-q)', () => {
  // buckets of 628 ms from 58 to 6336 ms: reps 0x8, 0x16, then 1x16 (1920 ms) and larger subnets above 1.92 s
  const p = createPolicy('slackfit', cpuProfile(), { late: 'serve' });
  assert.is(p.decide(2000, 1, 0)?.subnetId, 1);
  for (const slack of [100, 300, 500, 1000, 1500, 1900]) assert.is(p.decide(slack, 1, 0)?.subnetId, 0, `slack ${slack}`);
});

test('paper profile: higher buckets hold larger subnets at smaller batches', () => {
  const b = buildBuckets(new ProfileTable(tinyProfile()), { buckets: 4, maxBatch: 8 });
  const reps = b.map((x) => x.representative!);
  assert.ok(reps[0]!.accuracy < reps[reps.length - 1]!.accuracy);
});

test.run();
