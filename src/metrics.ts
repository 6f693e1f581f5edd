/**
 * Prometheus metrics on a private registry, with Triton's names and labels (`model`, `version`) so
 * existing Triton dashboards work, plus SuperServe's own: SLO attainment, served accuracy,
 * sub-network choices, queue-time and batch-size histograms, refusals by reason, worker capacity.
 * It is a listener of the serving core's events (`metrics.events`); gauges are read from a snapshot at
 * scrape time, so they are exact whatever happened in between (disconnects included).
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REFUSAL_REASONS, type RefusalReason, type ServingEvents, type ServingSnapshot } from './serving/events.ts';

/** Triton's `nv_inference_request_failure` reasons. */
export type FailureReason = 'REJECTED' | 'CANCELED' | 'BACKEND' | 'OTHER';
export const FAILURE_REASONS: readonly FailureReason[] = ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER'];

/**
 * How each refusal counts: Triton's reason, and whether it is an SLO miss. Requests refused before the
 * model is ready, by the client leaving, or for being invalid are not counted against the SLO.
 */
export const REFUSAL_ACCOUNTING: Record<RefusalReason, { triton: FailureReason; sloMiss: boolean }> = {
  queue_full: { triton: 'REJECTED', sloMiss: true },
  overloaded: { triton: 'REJECTED', sloMiss: true },
  deadline: { triton: 'REJECTED', sloMiss: true },
  shutting_down: { triton: 'REJECTED', sloMiss: true },
  worker_failed: { triton: 'BACKEND', sloMiss: true },
  not_ready: { triton: 'REJECTED', sloMiss: false },
  no_worker: { triton: 'REJECTED', sloMiss: true },
  cancelled: { triton: 'CANCELED', sloMiss: false },
  bad_request: { triton: 'OTHER', sloMiss: false },
};

export interface Metrics {
  /** Content-Type of `render()`'s text. */
  readonly contentType: string;
  /** Plug into the serving core's event stream. */
  readonly events: ServingEvents;
  /** Where scrape-time gauges (pending, workers, latency factor) come from. */
  setSnapshot(read: () => ServingSnapshot): void;
  /** Prometheus text exposition format. */
  render(): Promise<string>;
}

export interface MetricsOptions {
  /** Value of the `model` label. @default 'superserve' */
  model?: string;
  /** Value of the `version` label. @default '1' */
  version?: string;
}
const QUEUE_MS_BUCKETS = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
const ACCURACY_BUCKETS = [0.5, 0.6, 0.7, 0.72, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.82, 0.85, 0.9, 1];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];
const COMPUTE_MS_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];

/** Creates a fresh set of metrics on its own Registry (never the global one). */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const base = { model: opts.model ?? 'superserve', version: opts.version ?? '1' };
  const labelNames = ['model', 'version'] as const;
  const registers = [registry];
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames, registers });

  const success = counter('nv_inference_request_success', 'Number of successful inference requests');
  const failure = new Counter({
    name: 'nv_inference_request_failure', help: 'Number of failed inference requests, by reason',
    labelNames: ['model', 'version', 'reason'] as const, registers,
  });
  const inferenceCount = counter('nv_inference_count', 'Number of inferences (images) performed');
  const execCount = counter('nv_inference_exec_count', 'Number of batch executions (average batch = count / exec_count)');
  const requestUs = counter('nv_inference_request_duration_us', 'Cumulative successful request duration in microseconds');
  const queueUs = counter('nv_inference_queue_duration_us', 'Cumulative time successful requests waited in the queue, microseconds');
  const computeUs = counter('nv_inference_compute_infer_duration_us', 'Cumulative compute time of successful requests, microseconds');
  // Triton counts requests; ours are images (one queue entry per image), queued or in a running batch.
  const pending = new Gauge({
    name: 'nv_inference_pending_request_count', help: 'Images accepted but not yet answered (queued or running)', labelNames, registers,
    collect() { const s = snapshot?.(); this.set(base, s ? s.queued + s.inFlight : 0); },
  });

  const sloMet = counter('superserve_slo_met_total', 'Requests answered within their latency SLO');
  const sloMissed = counter('superserve_slo_missed_total', 'Requests answered late or rejected (counted against the SLO)');
  const attainment = new Gauge({ name: 'superserve_slo_attainment', help: 'On-time answers / answers counted for the SLO', labelNames, registers });
  const accuracy = new Histogram({
    name: 'superserve_served_accuracy', help: 'Accuracy (fraction) of the sub-network that served each request',
    labelNames, buckets: ACCURACY_BUCKETS, registers,
  });
  const queueMs = new Histogram({
    name: 'superserve_queue_duration_ms', help: 'Time each successful request waited in the queue, ms',
    labelNames, buckets: QUEUE_MS_BUCKETS, registers,
  });
  const subnetChoice = new Counter({
    name: 'superserve_subnet_choice_total', help: 'Batches executed per sub-network id',
    labelNames: ['model', 'version', 'subnet'] as const, registers,
  });
  const batchSize = new Histogram({
    name: 'superserve_batch_size', help: 'Images per executed batch', labelNames, buckets: BATCH_BUCKETS, registers,
  });
  const batchComputeMs = new Histogram({
    name: 'superserve_batch_compute_duration_ms', help: 'Compute time per executed batch, ms',
    labelNames, buckets: COMPUTE_MS_BUCKETS, registers,
  });
  const refused = new Counter({
    name: 'superserve_refused_total', help: 'Requests answered with an error, by reason (see README: Admission and shedding)',
    labelNames: ['model', 'version', 'reason'] as const, registers,
  });
  const byPriority = new Counter({
    name: 'superserve_priority_requests_total',
    help: 'Requests by priority level (1 = highest) and outcome: met / missed (answered on time or late) or the refusal reason',
    labelNames: ['model', 'version', 'priority', 'outcome'] as const, registers,
  });
  let snapshot: (() => ServingSnapshot) | undefined;
  const workers = new Gauge({
    name: 'superserve_workers', help: 'Inference workers: alive (idle + busy), busy, dead (since start)', labelNames: ['state'] as const, registers,
    collect() {
      const w = snapshot?.().workers ?? [];
      const busy = w.filter((x) => x.state === 'busy').length;
      this.set({ state: 'alive' }, w.filter((x) => x.state !== 'dead').length);
      this.set({ state: 'busy' }, busy);
      this.set({ state: 'dead' }, w.filter((x) => x.state === 'dead').length);
    },
  });
  const latencyFactor = new Gauge({
    name: 'superserve_latency_factor', help: 'Measured / profiled batch latency (EWMA) the scheduler applies to its profile', registers,
    collect() { this.set(snapshot?.().latencyFactor ?? 1); },
  });
  new Gauge({
    name: 'superserve_queued_images', help: 'Images waiting in the EDF queue', labelNames, registers,
    collect() { this.set(base, snapshot?.().queued ?? 0); },
  });

  // Series that dashboards expect to exist from the start, at zero.
  for (const c of [success, inferenceCount, execCount, requestUs, queueUs, computeUs, sloMet, sloMissed]) c.inc(base, 0);
  for (const reason of FAILURE_REASONS) failure.inc({ ...base, reason }, 0);
  for (const reason of REFUSAL_REASONS) refused.inc({ ...base, reason }, 0);

  let met = 0;
  let missed = 0;
  const updateAttainment = () => attainment.set(base, met / (met + missed));

  const events: ServingEvents = {
    answered(_at, r) {
      success.inc(base);
      requestUs.inc(base, Math.max(0, r.latencyMs) * 1000);
      // Triton's durations are per request: the request waited and computed as long as its slowest image.
      queueUs.inc(base, Math.max(0, ...r.images.map((i) => i.queueMs)) * 1000);
      computeUs.inc(base, Math.max(0, ...r.images.map((i) => i.computeMs)) * 1000);
      for (const img of r.images) {
        queueMs.observe(base, img.queueMs);
        accuracy.observe(base, asFraction(img.accuracy));
      }
      if (r.deadlineMet) { met++; sloMet.inc(base); } else { missed++; sloMissed.inc(base); }
      updateAttainment();
      if (r.priority !== undefined) byPriority.inc({ ...base, priority: String(r.priority), outcome: r.deadlineMet ? 'met' : 'missed' });
    },
    refused(_at, reason, _images, priority) {
      const row = REFUSAL_ACCOUNTING[reason];
      failure.inc({ ...base, reason: row.triton });
      refused.inc({ ...base, reason });
      if (priority !== undefined) byPriority.inc({ ...base, priority: String(priority), outcome: reason });
      if (row.sloMiss) { missed++; sloMissed.inc(base); updateAttainment(); }
    },
    batchFinished(_at, b) {
      if (!b.ok) return;
      execCount.inc(base);
      inferenceCount.inc(base, b.size);
      subnetChoice.inc({ ...base, subnet: String(b.subnetId) });
      batchSize.observe(base, b.size);
      batchComputeMs.observe(base, b.computeMs);
    },
  };

  return {
    contentType: registry.contentType,
    events,
    setSnapshot(read) { snapshot = read; },
    render: () => registry.metrics(),
  };
}

/** Accuracies may be given in percent (OFA tables) or as a fraction; the histogram uses fractions. */
function asFraction(acc: number): number {
  return acc > 1 ? acc / 100 : acc;
}
