import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DashboardRecorder } from '../../src/dashboard/recorder.ts';
import type { ImageOutcome, ServingSnapshot } from '../../src/serving/events.ts';

const snap = (over: Partial<ServingSnapshot> = {}): ServingSnapshot => ({
  queued: 3, inFlight: 2, latencyFactor: 1.25,
  workers: [{ name: 'a', kind: 'thread', state: 'busy', backend: 'wasm', batch: { subnetId: 1, size: 2 } }, { name: 'b', kind: 'nats', state: 'idle' }],
  ...over,
});
const image = (subnetId: number, accuracy: number): ImageOutcome => ({ subnetId, accuracy, batchSize: 1, queueMs: 1, computeMs: 1, finishedAt: 0 });

test('one tick: rates, attainment, accuracy, mix, batch sizes, latency quantiles, gauges', () => {
  const r = new DashboardRecorder({ capacity: 10, windowTicks: 3, toEpochMs: (ms) => ms + 1000 });
  for (let i = 0; i < 4; i++) r.arrived(i, 1);
  r.answered(10, { images: [image(0, 70)], latencyMs: 100, deadlineMet: true });
  r.answered(11, { images: [image(1, 0.8)], latencyMs: 300, deadlineMet: false });
  r.refused(12, 'deadline', 1);
  r.refused(13, 'bad_request', 1);
  r.batchFinished(5, { subnetId: 0, size: 3, ok: true });
  r.batchFinished(6, { subnetId: 1, size: 1, ok: true });
  r.batchFinished(7, { subnetId: 1, size: 8, ok: false });
  const s = r.close(2000, 2, snap(), [0, 1, 2]);
  assert.is(s.t, 3000);
  assert.is(s.arriving, 2);
  assert.is(s.answered, 1);
  assert.is(s.expired, 0.5);
  assert.is(s.refused, 0.5);
  // counted: 2 answers + the deadline refusal (bad_request is the client's): 1 on time of 3.
  assert.is(s.attainment, 33.33);
  assert.is(s.accuracy, 75); // 70 % and 0.8 -> 80 %
  assert.equal(s.mix, [75, 25, 0]);
  assert.is(s.batchMean, 2);
  assert.is(s.batchMax, 3);
  assert.ok(Math.abs(s.p50! - 100) < 1.5 && Math.abs(s.p99! - 300) < 4, `${s.p50} ${s.p99}`);
  assert.equal([s.queued, s.inFlight, s.latencyFactor, s.alive, s.busy, s.dead], [3, 2, 1.25, 2, 1, 0]);
  const errors = Object.fromEntries(r.errorStats().map((e) => [e.reason, e]));
  assert.is(errors.deadline!.total, 1);
  assert.is(errors.deadline!.lastAt, 1012);
  assert.is(errors.queue_full!.total, 0);
  assert.equal(r.totals, { arrived: 4, answered: 2, onTime: 1, refused: 2, images: 4 });
});

test('per priority: on time, late and SLO-counted refusals since the start, most important first', () => {
  const r = new DashboardRecorder({ capacity: 10, windowTicks: 3, toEpochMs: (ms) => ms });
  r.answered(1, { images: [image(0, 70)], latencyMs: 5, deadlineMet: true, priority: 2 });
  r.answered(2, { images: [image(0, 70)], latencyMs: 5, deadlineMet: false, priority: 2 });
  r.answered(3, { images: [image(0, 70)], latencyMs: 5, deadlineMet: true, priority: 1 });
  r.refused(4, 'overloaded', 1, 2);
  r.refused(5, 'bad_request', 1, 1);
  r.refused(6, 'deadline', 1);
  assert.equal(r.priorityStats(), [{ priority: 1, onTime: 1, late: 0, refused: 0 }, { priority: 2, onTime: 1, late: 1, refused: 1 }]);
});

test('empty tick: null where nothing happened; attainment and accuracy are windowed over the last ticks', () => {
  const r = new DashboardRecorder({ capacity: 10, windowTicks: 2, toEpochMs: (ms) => ms });
  r.answered(0, { images: [image(0, 80)], latencyMs: 1, deadlineMet: true });
  r.close(1000, 1, snap(), [0]);
  const quiet = r.close(2000, 1, snap(), [0]);
  assert.equal([quiet.arriving, quiet.p50, quiet.batchMean, quiet.mix[0]], [0, null, null, null]);
  assert.is(quiet.attainment, 100, 'the previous tick is still in the 2-tick window');
  assert.is(quiet.accuracy, 80);
  const later = r.close(3000, 1, snap(), [0]);
  assert.is(later.attainment, null, 'out of the window');
});

test('dead workers stay listed (bounded) after the snapshot drops them', () => {
  const r = new DashboardRecorder({ capacity: 4, windowTicks: 1, toEpochMs: (ms) => ms });
  r.workersChanged(0, [{ name: 'gone', kind: 'nats', state: 'dead' }]);
  for (let i = 0; i < 100; i++) r.workersChanged(0, [{ name: `d${i}`, kind: 'nats', state: 'dead' }]);
  const s = r.close(1, 1, snap(), []);
  assert.is(s.dead, 32);
  assert.is(s.alive, 2);
  r.workersChanged(0, [{ name: 'd99', kind: 'nats', state: 'idle' }]);
  assert.is(r.workers(snap()).filter((w) => w.state === 'dead').length, 31);
});

test('memory is bounded: one simulated hour of busy ticks keeps `capacity` samples', () => {
  const r = new DashboardRecorder({ capacity: 600, windowTicks: 10, toEpochMs: (ms) => ms });
  for (let t = 1; t <= 3600; t++) {
    for (let i = 0; i < 50; i++) { r.arrived(t * 1000, 1); r.answered(t * 1000, { images: [image(i % 6, 75)], latencyMs: i, deadlineMet: true }); }
    r.batchFinished(t * 1000, { subnetId: t % 6, size: 50, ok: true });
    r.close(t * 1000, 1, snap(), [0, 1, 2, 3, 4, 5]);
  }
  assert.is(r.samples.size, 600);
  assert.is(r.samples.at(0)!.t, 3001 * 1000);
  assert.is(r.totals.answered, 180_000);
});

test.run();
