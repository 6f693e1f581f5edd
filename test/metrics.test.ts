/**
 * createMetrics: private registries, Triton names, SLO attainment, histograms.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { register } from 'prom-client';
import { createMetrics, type Metrics } from '../src/metrics.ts';
import { metricValue } from './http/helpers.ts';

const L = '{model="m",version="2"}';
/** One answered single-image request through the event stream. */
const answer = (m: Metrics, latencyMs: number, over: Partial<{ subnetId: number; accuracy: number; queueMs: number; computeMs: number; deadlineMet: boolean }> = {}) => {
  const o = { subnetId: 0, accuracy: 0.76, queueMs: 3, computeMs: 7, deadlineMet: true, ...over };
  m.events.answered!(0, { images: [{ subnetId: o.subnetId, accuracy: o.accuracy, batchSize: 1, queueMs: o.queueMs, computeMs: o.computeMs, finishedAt: 0 }], latencyMs, deadlineMet: o.deadlineMet });
};
const batch = (m: Metrics, subnetId: number, size: number, computeMs: number) =>
  m.events.batchFinished!(0, { worker: 'w', subnetId, size, computeMs, wallMs: computeMs, ok: true });

test('per priority level: answers met / missed and refusals by reason; a dead pool counts against the SLO', async () => {
  const m = createMetrics({ model: 'm', version: '2' });
  const image = { subnetId: 0, accuracy: 0.7, batchSize: 1, queueMs: 1, computeMs: 1, finishedAt: 0 };
  m.events.answered!(0, { images: [image], latencyMs: 5, deadlineMet: true, priority: 1 });
  m.events.answered!(0, { images: [image], latencyMs: 5, deadlineMet: false, priority: 2 });
  m.events.refused!(0, 'overloaded', 1, 2);
  m.events.refused!(0, 'no_worker', 1, 1);
  const text = await m.render();
  const p = (priority: number, outcome: string) => metricValue(text, `superserve_priority_requests_total{model="m",version="2",priority="${priority}",outcome="${outcome}"}`);
  assert.equal([p(1, 'met'), p(2, 'missed'), p(2, 'overloaded'), p(1, 'no_worker')], [1, 1, 1, 1]);
  assert.is(metricValue(text, `superserve_slo_missed_total${L}`), 3, 'late, overloaded and no_worker are misses');
});

test('two instances are independent and the global registry stays empty', async () => {
  const a = createMetrics({ model: 'm', version: '2' });
  const b = createMetrics({ model: 'm', version: '2' });
  answer(a, 10);
  assert.is(metricValue(await a.render(), `nv_inference_request_success${L}`), 1);
  assert.is(metricValue(await b.render(), `nv_inference_request_success${L}`), 0);
  assert.is((await register.metrics()).trim(), '');
});

test('all Triton series exist at zero from the start, failure reasons included', async () => {
  const text = await createMetrics({ model: 'm', version: '2' }).render();
  for (const name of ['nv_inference_request_success', 'nv_inference_count', 'nv_inference_exec_count', 'nv_inference_queue_duration_us',
    'nv_inference_request_duration_us', 'nv_inference_compute_infer_duration_us', 'nv_inference_pending_request_count']) {
    assert.is(metricValue(text, `${name}${L}`), 0, name);
  }
  for (const reason of ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER']) {
    assert.is(metricValue(text, `nv_inference_request_failure{model="m",version="2",reason="${reason}"}`), 0, reason);
  }
});

test('request-level records: durations in µs, SLO counters and attainment, accuracy and queue histograms', async () => {
  const m = createMetrics({ model: 'm', version: '2' });
  answer(m, 12, { queueMs: 3, accuracy: 0.76 });
  answer(m, 50, { queueMs: 40, accuracy: 79.5, deadlineMet: false }); // percent is normalised
  answer(m, 5, { queueMs: 0.2, accuracy: 0.71 });
  m.events.refused!(0, 'queue_full', 1);
  m.events.refused!(0, 'cancelled', 1);
  const text = await m.render();
  assert.is(metricValue(text, `nv_inference_request_success${L}`), 3);
  assert.is(metricValue(text, `nv_inference_request_duration_us${L}`), 67000);
  assert.is(metricValue(text, `nv_inference_queue_duration_us${L}`), 43200);
  assert.is(metricValue(text, `nv_inference_compute_infer_duration_us${L}`), 21000);
  assert.is(metricValue(text, 'nv_inference_request_failure{model="m",version="2",reason="CANCELED"}'), 1);
  assert.is(metricValue(text, `superserve_slo_met_total${L}`), 2);
  assert.is(metricValue(text, `superserve_slo_missed_total${L}`), 2);
  assert.is(metricValue(text, `superserve_slo_attainment${L}`), 0.5);
  assert.is(metricValue(text, 'superserve_served_accuracy_bucket{le="0.72",model="m",version="2"}'), 1);
  assert.is(metricValue(text, 'superserve_served_accuracy_bucket{le="0.76",model="m",version="2"}'), 2);
  assert.is(metricValue(text, 'superserve_served_accuracy_bucket{le="0.8",model="m",version="2"}'), 3);
  assert.is(metricValue(text, 'superserve_queue_duration_ms_bucket{le="0.5",model="m",version="2"}'), 1);
  assert.is(metricValue(text, 'superserve_queue_duration_ms_bucket{le="5",model="m",version="2"}'), 2);
  assert.is(metricValue(text, 'superserve_queue_duration_ms_bucket{le="50",model="m",version="2"}'), 3);
});

test('refusals by reason: not-ready, cancelled and bad requests are not SLO misses', async () => {
  const m = createMetrics({ model: 'm', version: '2' });
  for (const r of ['not_ready', 'not_ready', 'cancelled', 'bad_request', 'overloaded', 'deadline', 'worker_failed'] as const) m.events.refused!(0, r, 1);
  const text = await m.render();
  assert.is(metricValue(text, 'superserve_refused_total{model="m",version="2",reason="not_ready"}'), 2);
  assert.is(metricValue(text, 'superserve_refused_total{model="m",version="2",reason="overloaded"}'), 1);
  assert.is(metricValue(text, `superserve_slo_missed_total${L}`), 3, 'overloaded, deadline, worker_failed');
  assert.is(metricValue(text, 'nv_inference_request_failure{model="m",version="2",reason="REJECTED"}'), 4);
  assert.is(metricValue(text, 'nv_inference_request_failure{model="m",version="2",reason="BACKEND"}'), 1);
  assert.is(metricValue(text, 'nv_inference_request_failure{model="m",version="2",reason="OTHER"}'), 1);
});

test('batch-level records; pending, workers and latency factor read from the snapshot at scrape time', async () => {
  const m = createMetrics({ model: 'm', version: '2' });
  batch(m, 4, 8, 12);
  batch(m, 4, 3, 6);
  batch(m, 9, 1, 2);
  let queued = 15;
  m.setSnapshot(() => ({
    queued, inFlight: 2, latencyFactor: 1.5,
    workers: [{ name: 'a', kind: 'thread', state: 'busy' }, { name: 'b', kind: 'nats', state: 'idle' }, { name: 'c', kind: 'thread', state: 'idle' }, { name: 'd', kind: 'thread', state: 'dead' }],
  }));
  let text = await m.render();
  assert.is(metricValue(text, `nv_inference_exec_count${L}`), 3);
  assert.is(metricValue(text, `nv_inference_count${L}`), 12);
  assert.is(metricValue(text, 'superserve_subnet_choice_total{model="m",version="2",subnet="4"}'), 2);
  assert.is(metricValue(text, 'superserve_subnet_choice_total{model="m",version="2",subnet="9"}'), 1);
  assert.is(metricValue(text, 'superserve_batch_size_bucket{le="4",model="m",version="2"}'), 2);
  assert.is(metricValue(text, `superserve_batch_size_sum${L}`), 12);
  assert.is(metricValue(text, `nv_inference_pending_request_count${L}`), 17);
  assert.is(metricValue(text, 'superserve_workers{state="alive"}'), 3);
  assert.is(metricValue(text, 'superserve_workers{state="busy"}'), 1);
  assert.is(metricValue(text, 'superserve_workers{state="dead"}'), 1);
  assert.is(metricValue(text, 'superserve_latency_factor'), 1.5);
  queued = 0; // e.g. every client disconnected: exact at the next scrape, no event needed
  text = await m.render();
  assert.is(metricValue(text, `nv_inference_pending_request_count${L}`), 2);
});

test.run();
