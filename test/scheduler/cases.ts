/**
 * Scheduler cases shared by the virtual-clock and the real-clock test files (Hono's
 * common.case style): each file passes a clock factory. Latencies are in seconds (tiny
 * profile x 1000) and every slack sits seconds away from a decision boundary, so the few
 * milliseconds a real clock moves during a case cannot change any outcome.
 * @module
 */
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, SchedulerError, type Clock, type LateMode, type QueuedRequest } from '../../src/scheduler/index.ts';
import { tinyProfile } from './profiles.ts';

const S = 1000; // ms per "second" of the profile
const profile = tinyProfile(S);

export function defineSchedulerCases(test: Test, makeClock: () => Clock): void {
  const setup = (policy: string, opts: { lateMode?: LateMode; maxQueue?: number } = {}) => {
    const clock = makeClock();
    const sched = new Scheduler<string>({ clock, policy: createPolicy(policy, profile, { buckets: 4 }), profile, ...opts });
    const t0 = clock.now();
    let nextId = 1;
    /** Enqueue requests whose deadlines are `now + s` seconds; returns their ids. */
    const add = (slacksS: number[], pin?: number): number[] => slacksS.map((s) => {
      const r: QueuedRequest<string> = { id: nextId++, arrival: t0, deadline: t0 + s * S, payload: `p${nextId - 1}` };
      if (pin !== undefined) r.pinnedSubnet = pin;
      assert.ok(sched.enqueue(r));
      return r.id;
    });
    return { clock, sched, add, t0 };
  };
  const ids = (rs: readonly QueuedRequest<string>[] | undefined) => (rs ?? []).map((r) => r.id);

  test('empty queue: nothing to dispatch', () => {
    const { sched } = setup('slackfit');
    assert.equal(sched.next(), { dispatch: null, expired: [] });
  });

  test('EDF order; a queue shorter than the batch is served at once with the latency of the actual count', () => {
    const { sched, add, t0 } = setup('infaas');
    add([50, 30, 40, 30, 60]);
    const { dispatch, expired } = sched.next(); // head slack 30 s: infaas picks 0x8 (24 s); 5 wait
    assert.equal(expired, []);
    assert.is(dispatch!.subnetId, 0);
    assert.equal(ids(dispatch!.requests), [2, 4, 3, 1, 5]);
    assert.is(dispatch!.expectedLatencyMs, 18 * S); // l(A, 5) interpolated between 16 s and 24 s
    assert.ok(dispatch!.decidedAt >= t0);
    assert.is(sched.size, 0);
  });

  test('slackfit: the representative that fits the head slack, up to its batch in EDF order', () => {
    const { sched, add } = setup('slackfit');
    add([70, 50, 55, 60, 65, 58]);
    const { dispatch } = sched.next(); // head slack 50 s: representative 2x4 (44 s)
    assert.is(dispatch!.subnetId, 2);
    assert.equal(ids(dispatch!.requests), [2, 3, 6, 4]);
    assert.is(sched.size, 2);
  });

  test("late head, 'drop': handed back as expired, the next head is served", () => {
    const { sched, add } = setup('fixed:2');
    add([-1, 15, 100]); // fixed:2 needs 20 s at batch 1: the first two cannot make it
    const { dispatch, expired } = sched.next();
    assert.equal(ids(expired), [1, 2]);
    assert.equal(ids(dispatch!.requests), [3]);
    assert.is(dispatch!.subnetId, 2);
    assert.is(sched.stats().expired, 2);
  });

  test("late head, 'serve': served on the cheapest subnet at its best-throughput batch", () => {
    const { sched, add } = setup('slackfit', { lateMode: 'serve' });
    add([-1, 100, 100]);
    const { dispatch, expired } = sched.next();
    assert.equal(expired, []);
    assert.ok(dispatch!.bestEffort);
    assert.is(dispatch!.subnetId, 0);
    assert.equal(ids(dispatch!.requests), [1, 2, 3]); // A: 3 per 14 s beats 1 per 10 s and 2 per 12 s
    assert.is(sched.stats().bestEffortDispatches, 1);
    assert.equal(sched.expireDue(), []);
  });

  test('expireDue pops only the heads that cannot make it', () => {
    const { sched, add } = setup('slackfit');
    add([-5, 5, 100]);
    assert.equal(ids(sched.expireDue()), [1, 2]);
    assert.is(sched.size, 1);
  });

  test('bounded queue: enqueue refuses when full, accepts again after a dispatch', () => {
    const { sched, add, t0 } = setup('infaas', { maxQueue: 2 });
    add([100, 100]);
    assert.not.ok(sched.enqueue({ id: 99, arrival: t0, deadline: t0 + 100 * S, payload: 'x' }));
    assert.is(sched.stats().rejectedFull, 1);
    assert.ok(sched.next().dispatch);
    assert.ok(sched.enqueue({ id: 99, arrival: t0, deadline: t0 + 100 * S, payload: 'x' }));
  });

  test('remove takes a request out of the queue', () => {
    const { sched, add } = setup('infaas');
    add([30, 40, 50]);
    assert.is(sched.remove(2)?.payload, 'p2');
    assert.is(sched.remove(2), undefined);
    assert.equal(ids(sched.next().dispatch!.requests), [1, 3]);
    assert.is(sched.stats().removed, 1);
  });

  test('requeue: back into EDF if it can still make its deadline', () => {
    const { sched, add, t0 } = setup('infaas');
    add([30, 40]);
    const first = sched.next().dispatch!.requests;
    assert.ok(sched.requeue(first[1]!)); // worker died: still 40 s of slack
    assert.not.ok(sched.requeue({ id: 50, arrival: t0, deadline: t0 + 5 * S, payload: 'late' })); // 5 s < 10 s
    assert.is(sched.stats().requeueRefused, 1);
    assert.equal(ids(sched.next().dispatch!.requests), [2]);
    const be = setup('infaas', { lateMode: 'serve' });
    assert.ok(be.sched.requeue({ id: 50, arrival: be.t0, deadline: be.t0 - S, payload: 'late' }));
  });

  test('pinned head overrides the policy; only same-pin or unpinned requests join its batch', () => {
    const { sched, add } = setup('infaas');
    add([50], 1); // id 1 pinned to B: largest B batch within 50 s is 8 (42 s)
    add([55], 2); // id 2 pinned to C: must not join
    add([60, 65]); // ids 3, 4 unpinned
    add([70], 1); // id 5 pinned to B
    const d1 = sched.next().dispatch!;
    assert.is(d1.subnetId, 1);
    assert.equal(ids(d1.requests), [1, 3, 4, 5]);
    const d2 = sched.next().dispatch!;
    assert.is(d2.subnetId, 2);
    assert.equal(ids(d2.requests), [2]);
  });

  test('unpinned head: requests pinned to another subnet keep their place', () => {
    const { sched, add } = setup('infaas');
    add([30]);
    add([31], 2);
    add([32]);
    assert.equal(ids(sched.next().dispatch!.requests), [1, 3]); // infaas -> subnet 0
    assert.equal(ids(sched.peek() ? [sched.peek()!] : []), [2]);
  });

  test('bad requests get a SchedulerError', () => {
    const { sched, add, t0 } = setup('infaas');
    add([30]);
    assert.throws(() => sched.enqueue({ id: 1, arrival: t0, deadline: t0 + 1, payload: '' }), (e: unknown) => e instanceof SchedulerError && /already queued/.test(e.message));
    assert.throws(() => sched.enqueue({ id: 7, arrival: t0, deadline: t0 + 1, payload: '', pinnedSubnet: 9 }), /pinned subnet 9 is not in the profile/);
    assert.throws(() => sched.enqueue({ id: 8, arrival: t0, deadline: NaN, payload: '' }), /must be finite/);
  });
}
