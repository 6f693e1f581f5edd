import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, SlackFitMPolicy, SlackFitQPolicy, VirtualClock } from '../../src/scheduler/index.ts';
import { tinyProfile } from './profiles.ts';

const show = (d: { subnetId: number; batchSize: number } | null) => d && `${d.subnetId}x${d.batchSize}`;
const slackfitM = (unit = 1) => createPolicy('slackfit-m', tinyProfile(unit)) as SlackFitMPolicy;

test('without latency variance the margin stays 0 and every decision is slackfit-q\'s', () => {
  const m = slackfitM();
  const q = createPolicy('slackfit-q', tinyProfile());
  for (let i = 0; i < 20; i++) m.observe(20, 20);
  assert.is(m.margin, 0);
  for (const [slack, n] of [[15, 1], [30, 3], [50, 8], [80, 20]] as const) assert.is(show(m.decide(slack, n, 0)), show(q.decide(slack, n, 0)), `slack ${slack}, queue ${n}`);
});

test('batch times that vary grow the margin, and a tight slack then gets a faster option', () => {
  const m = slackfitM();
  const before = show(m.decide(20, 1, 0));
  for (let i = 0; i < 200; i++) m.observe(20, i % 2 === 0 ? 14 : 26); // ratio 0.7 / 1.3: spread 0.3
  assert.ok(m.margin >= 0.29 && m.margin < 0.7, `margin ${m.margin}`); // the 0.99 quantile of the ratio, 1.3, less 1
  assert.is(before, '2x1');
  assert.is.not(show(m.decide(20, 1, 0)), '2x1', 'a 20 ms slack no longer takes the 20 ms option');
});

test('a profile refresh (Scheduler.replaceProfile) keeps what the policy learnt: margin, live workers, SLO estimate', () => {
  const clock = new VirtualClock(0);
  const old = slackfitM();
  const s = new Scheduler<null>({ clock, policy: old, profile: tinyProfile() });
  for (let i = 0; i < 200; i++) old.observe(20, i % 2 === 0 ? 14 : 26);
  s.setWorkers(3);
  old.onDispatch({ subnetId: 2, batchSize: 1, expectedLatencyMs: 20 }, 1, 0, 90);
  const fresh = slackfitM(1.1);
  assert.is(fresh.margin, 0);
  s.replaceProfile(tinyProfile(1.1), fresh);
  assert.is(fresh.margin, old.margin);
  assert.is(fresh.workers, 3);
  assert.is(fresh.typicalSloMs, 90);
  assert.is(fresh.utilization, old.utilization);
  // A policy of another kind takes over what it shares (slackfit-q: workers), nothing else.
  const q = createPolicy('slackfit-q', tinyProfile()) as SlackFitQPolicy;
  s.replaceProfile(tinyProfile(), q);
  assert.is(q.workers, 3);
});

test('the margin is the SLO-target quantile of measured / predicted, not 2 sigma: a rare long tail counts at 0.99, not at 0.9', () => {
  const at = (sloTarget: number) => {
    const m = createPolicy('slackfit-m', tinyProfile(), { sloTarget }) as SlackFitMPolicy;
    for (let i = 0; i < 500; i++) m.observe(20, i % 50 === 0 ? 36 : 20); // 2 % of batches run 1.8x long
    return m.margin;
  };
  assert.ok(Math.abs(at(0.99) - 0.8) < 1e-9, `0.99: ${at(0.99)}`);
  assert.is(at(0.9), 0);
  assert.throws(() => createPolicy('slackfit-m', tinyProfile(), { sloTarget: 1 }), /sloTarget must be a number between 0 and 1/);
  assert.throws(() => createPolicy('slackfit-q', tinyProfile(), { sloTarget: 0 }), /sloTarget/);
});

test('one (sub-network, batch) that runs long gets its own margin once it has enough samples', () => {
  const m = createPolicy('slackfit-m', tinyProfile(), { sloTarget: 0.9 }) as SlackFitMPolicy;
  const ctx = { headSloMs: 25, classes: [{ count: 1, firstSlackMs: 25, lastSlackMs: 25 }] };
  assert.is(show(m.decide(25, 1, 0, ctx)), '2x1'); // C at batch 1: 20 ms
  for (let i = 0; i < 472; i++) m.observe(20, 20, 0, 8); // everything else exactly as predicted
  for (let i = 0; i < 40; i++) m.observe(20, 30, 2, 1); // 2x1 always 1.5x long: 8 % of the window
  assert.is(m.margin, 0, 'pooled, the 0.9 quantile does not see it');
  assert.is(show(m.decide(25, 1, 0, ctx)), '1x1', '2x1 would take 30 ms: its own margin rules it out');
});

test('each worker gets its own margin once it has run enough batches (a slow worker does not widen a fast one\'s)', () => {
  const m = createPolicy('slackfit-m', tinyProfile(), { sloTarget: 0.8 }) as SlackFitMPolicy;
  for (let i = 0; i < 448; i++) m.observe(20, 20, 0, 8, 'fast');
  for (let i = 0; i < 64; i++) m.observe(20, 30, 0, 8, 'slow');
  assert.is(m.margin, 0, 'pooled 0.8 quantile: 1.0');
  assert.is(m.marginFor('fast'), 0);
  assert.ok(Math.abs(m.marginFor('slow') - 0.5) < 1e-9);
  assert.is(m.marginFor('new'), 0, 'a worker without its own batches plans with the pooled margin');
  const ctx = (worker: string) => ({ headSloMs: 25, classes: [{ count: 1, firstSlackMs: 25, lastSlackMs: 25 }], worker });
  assert.is(show(m.decide(25, 1, 0, ctx('fast'))), '2x1');
  assert.is(show(m.decide(25, 1, 0, ctx('slow'))), '1x1', 'on the slow worker C (20 ms, 30 measured) does not fit 25 ms');
});

test('late answers above 1 - target raise the quantile level; on-time answers bring it back', () => {
  const m = slackfitM();
  assert.is(m.level, 0.99);
  for (let i = 0; i < 200; i++) m.observeOutcome(1, 10); // 10 % late
  assert.ok(m.level > 0.99 && m.level <= 0.999, `level ${m.level}`);
  for (let i = 0; i < 2000; i++) m.observeOutcome(0, 10);
  assert.ok(m.level < 0.9901, `level ${m.level}`);
});

test.run();
