/**
 * InferenceStatistics as a ServingEvents listener: what each event adds, in Triton's ModelStatistics shape.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fanOut } from '../../src/serving/events.ts';
import { InferenceStatistics } from '../../src/protocol/statistics.ts';

const image = (queueMs: number, computeMs: number) => ({ subnetId: 0, accuracy: 75, batchSize: 2, queueMs, computeMs, finishedAt: 0 });

test('answered / refused / batchFinished events add up to Triton statistics (durations in ns, per-request maxima)', () => {
  let wall = 1000;
  const stats = new InferenceStatistics(() => wall);
  const events = fanOut(stats);
  events.answered!(5, { images: [image(2, 10), image(4, 12)], latencyMs: 20, deadlineMet: true, prepMs: 1.5, encodeMs: 0.125 });
  wall = 2000;
  events.answered!(6, { images: [image(1, 3)], latencyMs: 5.5, deadlineMet: false, prepMs: 0.5, encodeMs: 0.375 });
  events.refused!(7, 'queue_full', 3, 2, 0.75);
  stats.refused(8, 'bad_request', 1, undefined, 0.25);
  events.batchFinished!(9, { worker: 'w', subnetId: 0, size: 2, computeMs: 10, wallMs: 11, ok: true });
  events.batchFinished!(9, { worker: 'w', subnetId: 0, size: 1, computeMs: 3, wallMs: 3, ok: true });
  events.batchFinished!(9, { worker: 'w', subnetId: 0, size: 2, computeMs: 12, wallMs: 12, ok: true });
  events.batchFinished!(9, { worker: 'w', subnetId: 0, size: 4, computeMs: 50, wallMs: 50, ok: false });
  const s = stats.snapshot('m', '1');
  assert.equal([s.name, s.version, s.last_inference, s.inference_count, s.execution_count], ['m', '1', 2000, 3, 3]);
  assert.equal(s.inference_stats.success, { count: 2, ns: 25.5e6 });
  assert.equal(s.inference_stats.fail, { count: 2, ns: 1e6 }, 'arrival to the error (not the priority), through fanOut too');
  assert.equal(s.inference_stats.compute_input, { count: 2, ns: 2e6 });
  assert.equal(s.inference_stats.compute_output, { count: 2, ns: 0.5e6 });
  assert.equal(s.inference_stats.queue, { count: 2, ns: 5e6 });
  assert.equal(s.inference_stats.compute_infer, { count: 2, ns: 15e6 });
  assert.equal(s.batch_stats.map((b) => [b.batch_size, b.compute_infer]), [[1, { count: 1, ns: 3e6 }], [2, { count: 2, ns: 22e6 }]]);
  assert.equal(s.batch_stats.map((b) => [b.compute_input, b.compute_output]), [[{ count: 0, ns: 0 }, { count: 0, ns: 0 }], [{ count: 0, ns: 0 }, { count: 0, ns: 0 }]],
    'per batch, input and output are inside compute_infer (not told apart)');
  s.inference_stats.success.count = 99;
  assert.is(stats.snapshot('m', '1').inference_stats.success.count, 2, 'a snapshot is a copy');
});

test.run();
