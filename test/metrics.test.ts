/**
 * createMetrics: private registries, Triton names, SLO attainment, histograms.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { register } from 'prom-client';
import { createMetrics } from '../src/metrics.ts';
import { metricValue } from './http/helpers.ts';

const L = '{model="m",version="2"}';
const outcome = (over: Partial<{ subnetId: number; accuracy: number; queueMs: number; computeMs: number; deadlineMet: boolean }> = {}) =>
  ({ subnetId: 0, accuracy: 0.76, queueMs: 3, computeMs: 7, deadlineMet: true, ...over });

test('two instances are independent and the global registry stays empty', async () => {
  const a = createMetrics({ model: 'm', version: '2' });
  const b = createMetrics({ model: 'm', version: '2' });
  a.recordSuccess(outcome(), 10);
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
  m.recordSuccess(outcome({ queueMs: 3, accuracy: 0.76 }), 12);
  m.recordSuccess(outcome({ queueMs: 40, accuracy: 79.5, deadlineMet: false }), 50); // percent is normalised
  m.recordSuccess(outcome({ queueMs: 0.2, accuracy: 0.71 }), 5);
  m.recordFailure('REJECTED', { sloMissed: true });
  m.recordFailure('CANCELED');
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

test('batch-level records, pending and workers', async () => {
  const m = createMetrics({ model: 'm', version: '2' });
  m.recordBatch(4, 8, 12);
  m.recordBatch(4, 3, 6);
  m.recordBatch(9, 1, 2);
  m.setPending(17);
  m.setWorkers(3, 4);
  const text = await m.render();
  assert.is(metricValue(text, `nv_inference_exec_count${L}`), 3);
  assert.is(metricValue(text, `nv_inference_count${L}`), 12);
  assert.is(metricValue(text, 'superserve_subnet_choice_total{model="m",version="2",subnet="4"}'), 2);
  assert.is(metricValue(text, 'superserve_subnet_choice_total{model="m",version="2",subnet="9"}'), 1);
  assert.is(metricValue(text, 'superserve_batch_size_bucket{le="4",model="m",version="2"}'), 2);
  assert.is(metricValue(text, `superserve_batch_size_sum${L}`), 12);
  assert.is(metricValue(text, `nv_inference_pending_request_count${L}`), 17);
  assert.is(metricValue(text, 'superserve_workers{state="alive"}'), 3);
  assert.is(metricValue(text, 'superserve_workers{state="total"}'), 4);
});

test.run();
