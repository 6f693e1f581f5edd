/**
 * Prometheus metrics on a private registry, with Triton's names and labels (`model`, `version`) so
 * existing Triton dashboards work, plus SuperServe's own: SLO attainment, served accuracy,
 * sub-network choices, queue-time and batch-size histograms, worker capacity.
 * Request-level methods are called by the HTTP layer, batch-level ones by the serving core.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InferOutcome } from './serving/types.ts';

/** Triton's `nv_inference_request_failure` reasons. */
export type FailureReason = 'REJECTED' | 'CANCELED' | 'BACKEND' | 'OTHER';
export const FAILURE_REASONS: readonly FailureReason[] = ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER'];

export type RequestOutcome = Pick<InferOutcome, 'subnetId' | 'accuracy' | 'queueMs' | 'computeMs' | 'deadlineMet'>;

export interface Metrics {
  /** Content-Type of `render()`'s text. */
  readonly contentType: string;
  /** A request answered with results; `requestMs` is its whole time in the server. */
  recordSuccess(outcome: RequestOutcome, requestMs: number): void;
  /** A request answered with an error. `sloMissed` counts it as answered but late (rejections, failures). */
  recordFailure(reason: FailureReason, opts?: { sloMissed?: boolean }): void;
  /** One execution of `size` images on sub-network `subnetId` (the scheduler's choice). */
  recordBatch(subnetId: number, size: number, computeMs: number): void;
  /** Requests accepted but not yet answered. */
  setPending(n: number): void;
  setWorkers(alive: number, total: number): void;
  /** The scheduler's current multiplier on profiled latencies (1 = as profiled). */
  setLatencyFactor(f: number): void;
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
  const pending = new Gauge({ name: 'nv_inference_pending_request_count', help: 'Requests accepted but not yet answered', labelNames, registers });

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
  const workers = new Gauge({ name: 'superserve_workers', help: 'Workers by state', labelNames: ['state'] as const, registers });
  const latencyFactor = new Gauge({ name: 'superserve_latency_factor', help: 'Measured / profiled batch latency (EWMA) the scheduler applies to its profile', registers });
  latencyFactor.set(1);

  // Series that dashboards expect to exist from the start, at zero.
  for (const c of [success, inferenceCount, execCount, requestUs, queueUs, computeUs, sloMet, sloMissed]) c.inc(base, 0);
  for (const reason of FAILURE_REASONS) failure.inc({ ...base, reason }, 0);
  pending.set(base, 0);
  workers.set({ state: 'alive' }, 0);
  workers.set({ state: 'total' }, 0);

  let met = 0;
  let missed = 0;
  const updateAttainment = () => attainment.set(base, met / (met + missed));

  return {
    contentType: registry.contentType,
    recordSuccess(outcome, requestMs) {
      success.inc(base);
      requestUs.inc(base, Math.max(0, requestMs) * 1000);
      queueUs.inc(base, Math.max(0, outcome.queueMs) * 1000);
      computeUs.inc(base, Math.max(0, outcome.computeMs) * 1000);
      queueMs.observe(base, outcome.queueMs);
      accuracy.observe(base, asFraction(outcome.accuracy));
      if (outcome.deadlineMet) { met++; sloMet.inc(base); } else { missed++; sloMissed.inc(base); }
      updateAttainment();
    },
    recordFailure(reason, { sloMissed: late = false } = {}) {
      failure.inc({ ...base, reason });
      if (late) { missed++; sloMissed.inc(base); updateAttainment(); }
    },
    recordBatch(subnetId, size, computeMs) {
      execCount.inc(base);
      inferenceCount.inc(base, size);
      subnetChoice.inc({ ...base, subnet: String(subnetId) });
      batchSize.observe(base, size);
      batchComputeMs.observe(base, computeMs);
    },
    setPending(n) { pending.set(base, n); },
    setLatencyFactor(f) {
      latencyFactor.set(f);
    },
    setWorkers(alive, total) {
      workers.set({ state: 'alive' }, alive);
      workers.set({ state: 'total' }, total);
    },
    render: () => registry.metrics(),
  };
}

/** Accuracies may be given in percent (OFA tables) or as a fraction; the histogram uses fractions. */
function asFraction(acc: number): number {
  return acc > 1 ? acc / 100 : acc;
}
