import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, DEFAULT_POLICY, parseBatchSizes, PolicyError, resolvePolicy, Scheduler, VirtualClock } from '../../src/scheduler/index.ts';
import { tinyProfile } from './profiles.ts';

const NAMES = ['slackfit', 'slackfit-q', 'maxbatch', 'maxacc', 'infaas', 'fixed:1', 'default'];
const SLACKS = Array.from({ length: 200 }, (_, i) => 5 + i * 0.5);
const QUEUES = [1, 3, 5, 8, 50];

test('batchSizes reaches every policy: it reports the set and only ever picks a size from it', () => {
  for (const name of NAMES) {
    for (const sizes of [[1, 3], [2, 5, 6], [1, 2, 4, 8]]) {
      const p = createPolicy(name, tinyProfile(), { batchSizes: sizes, workers: 2 });
      assert.equal([...p.batchSizes!], sizes, name);
      assert.is(p.maxBatch, sizes[sizes.length - 1], name);
      const used = new Set<number>();
      for (const s of SLACKS) for (const n of QUEUES) { const d = p.decide(s, n, s); if (d) used.add(d.batchSize); }
      for (const b of used) assert.ok(sizes.includes(b), `${name} with ${sizes} picked batch ${b}`);
      if (name !== 'maxacc' && name !== 'fixed:1') assert.ok(used.has(sizes[sizes.length - 1]!), `${name} never used its largest size ${sizes.at(-1)} (ignored the setting?)`);
    }
  }
});

test("'all' vs 'profiled' changes the choices (odd sizes appear only with 'all')", () => {
  for (const name of ['slackfit', 'maxbatch', 'slackfit-q']) {
    const odd = (opts: object) => {
      const p = createPolicy(name, tinyProfile(), opts);
      return SLACKS.some((s) => QUEUES.some((n) => { const d = p.decide(s, n, s); return d !== null && ![1, 2, 4, 8].includes(d.batchSize); }));
    };
    assert.ok(odd({ batchSizes: 'all' }), `${name} 'all' never picked a size outside 1,2,4,8`);
    assert.not.ok(odd({ batchSizes: 'profiled' }), `${name} 'profiled' picked a size outside 1,2,4,8`);
  }
});

test('late reaches the policy and, through it, the scheduler', () => {
  for (const name of NAMES) {
    for (const late of ['drop', 'serve'] as const) {
      const policy = createPolicy(name, tinyProfile(), { late });
      assert.is(policy.late, late, name);
      const sched = new Scheduler<null>({ clock: new VirtualClock(), policy, profile: tinyProfile() });
      assert.is(sched.lateMode, late, name);
    }
  }
  // slackfit: a slack inside the lowest bucket, under its representative (0x8 at 24 ms)
  const drop = createPolicy('slackfit', tinyProfile(), { buckets: 4, maxBatch: 8, late: 'drop' });
  const serve = createPolicy('slackfit', tinyProfile(), { buckets: 4, maxBatch: 8, late: 'serve' });
  assert.is(drop.decide(15, 1, 0), null);
  assert.equal(serve.decide(15, 1, 0), { subnetId: 0, batchSize: 2, expectedLatencyMs: 12 });
  // the scheduler drops or serves a late head accordingly
  for (const [late, expired, served] of [['drop', 1, 0], ['serve', 0, 1]] as const) {
    const clock = new VirtualClock();
    const sched = new Scheduler<null>({ clock, policy: createPolicy('fixed:2', tinyProfile(), { late }), profile: tinyProfile() });
    sched.enqueue({ id: 1, arrival: 0, deadline: 5, payload: null });
    const r = sched.next();
    assert.is(r.expired.length, expired, late);
    assert.is(r.dispatch?.requests.length ?? 0, served, late);
  }
});

test('bad settings are clear errors; default resolves to DEFAULT_POLICY unless a setting is given', () => {
  assert.throws(() => createPolicy('slackfit', tinyProfile(), { batchSizes: [4, 2] }), /ascending/);
  assert.throws(() => createPolicy('slackfit', tinyProfile(), { batchSizes: [1, 16] }), /above the profile's largest batch 8/);
  assert.throws(() => createPolicy('slackfit', tinyProfile(), { late: 'reject' as 'drop' }), /late must be 'drop' or 'serve'/);
  assert.throws(() => parseBatchSizes('1,x'), (e: unknown) => e instanceof PolicyError);
  assert.equal(parseBatchSizes('1,2,4,8,16'), [1, 2, 4, 8, 16]);
  assert.is(parseBatchSizes('all'), 'all');
  assert.equal(resolvePolicy('default'), { ...DEFAULT_POLICY });
  assert.equal(resolvePolicy('auto', { late: 'serve' }), { ...DEFAULT_POLICY, late: 'serve' });
  assert.equal(resolvePolicy('maxacc', { late: 'serve' }), { name: 'maxacc', late: 'serve' });
  const d = createPolicy('default', tinyProfile());
  assert.is(d.name, DEFAULT_POLICY.name);
  assert.is(d.late, DEFAULT_POLICY.late);
});

test.run();
