import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdfQueue, SchedulerError, type QueuedRequest } from '../../src/scheduler/index.ts';

const req = (id: number, deadline: number): QueuedRequest<null> => ({ id, arrival: 0, deadline, payload: null });

/** Deterministic PRNG so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('pops in deadline order, equal deadlines first-in first-out', () => {
  const q = new EdfQueue<null>();
  [[1, 30], [2, 10], [3, 20], [4, 10], [5, 5]].forEach(([id, d]) => q.push(req(id!, d!)));
  const order: number[] = [];
  for (let r = q.pop(); r; r = q.pop()) order.push(r.id);
  assert.equal(order, [5, 2, 4, 3, 1]);
});

test('random push/pop/remove matches a sorted reference', () => {
  const rnd = lcg(7);
  const q = new EdfQueue<null>();
  let ref: { id: number; deadline: number; seq: number }[] = [];
  let nextId = 0;
  for (let step = 0; step < 5000; step++) {
    const op = rnd();
    if (op < 0.5 || ref.length === 0) {
      const r = req(nextId++, Math.floor(rnd() * 100));
      q.push(r);
      ref.push({ id: r.id, deadline: r.deadline, seq: r.id });
    } else if (op < 0.75) {
      ref.sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
      assert.is(q.pop()?.id, ref.shift()!.id);
    } else {
      const victim = ref[Math.floor(rnd() * ref.length)]!;
      assert.is(q.remove(victim.id)?.id, victim.id);
      ref = ref.filter((x) => x.id !== victim.id);
      assert.not.ok(q.has(victim.id));
    }
    assert.is(q.size, ref.length);
  }
  ref.sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
  assert.equal(q.popUpTo(Infinity).map((r) => r.id), ref.map((r) => r.id));
});

test('popUpTo with a filter keeps refused requests in their original order', () => {
  const q = new EdfQueue<null>();
  for (let i = 0; i < 6; i++) q.push(req(i, 10)); // all equal deadlines: FIFO order decides
  const even = q.popUpTo(2, (r) => r.id % 2 === 0);
  assert.equal(even.map((r) => r.id), [0, 2]);
  assert.equal(q.popUpTo(10).map((r) => r.id), [1, 3, 4, 5]);
});

test('popUpTo stops after scanLimit requests', () => {
  const q = new EdfQueue<null>();
  for (let i = 0; i < 10; i++) q.push(req(i, i));
  assert.equal(q.popUpTo(5, (r) => r.id >= 8, 4), []);
  assert.is(q.size, 10);
  assert.equal(q.popUpTo(5, (r) => r.id >= 8).map((r) => r.id), [8, 9]);
});

test('duplicate id and non-finite deadline are refused', () => {
  const q = new EdfQueue<null>();
  q.push(req(1, 1));
  assert.throws(() => q.push(req(1, 2)), (e: unknown) => e instanceof SchedulerError && /already queued/.test(e.message));
  assert.throws(() => q.push(req(2, NaN)), /deadline must be finite/);
  assert.is(q.remove(99), undefined);
});

test('per SLO class: count, earliest and latest deadline follow pushes, pops, removals and refused re-inserts', () => {
  const q = new EdfQueue<null>();
  const summary = () => {
    const raw: number[] = [];
    const k = q.classSummary(raw);
    return Array.from({ length: k }, (_, i) => raw.slice(3 * i, 3 * i + 3)).sort((a, b) => a[1]! - b[1]!);
  };
  for (let i = 0; i < 5; i++) q.push({ id: i, arrival: i, deadline: i + 36, payload: null }); // SLO 36
  q.push({ id: 10, arrival: 2, deadline: 60_002, payload: null }); // SLO 60 s
  q.push({ id: 11, arrival: 3, deadline: 38, payload: null }); // SLO 35: the same class as 36 (half octaves)
  assert.equal(summary(), [[6, 36, 40], [1, 60_002, 60_002]]);
  assert.is(q.pop()!.id, 0);
  q.remove(1);
  assert.equal(summary(), [[4, 38, 40], [1, 60_002, 60_002]]);
  q.popUpTo(2, (r) => r.id !== 2); // 2 is refused and put back; 11 and 3 leave
  assert.equal(summary(), [[2, 38, 40], [1, 60_002, 60_002]]);
  assert.equal([...q].map((r) => r.id).sort((a, b) => a - b), [2, 4, 10]);
  q.remove(10);
  assert.equal(summary(), [[2, 38, 40]]);
  assert.is(q.mostImportantLevel(), Number.POSITIVE_INFINITY);
  q.push({ id: 20, arrival: 0, deadline: 36, payload: null, priority: 1 });
  assert.is(q.mostImportantLevel(), 1);
  q.pop();
  assert.is(q.mostImportantLevel(), Number.POSITIVE_INFINITY);
});

test.run();
