/**
 * One request's trace: a `receive` span (SERVER kind) continuing the caller's `traceparent`, with children
 * `admit`, `prepare`, `queue`, `batch` (one per batch its images ran in: sub-network, batch size, worker)
 * and `respond`. The root carries `slo_ms`, `deadline_met` and, for a refused request, `refusal.reason`.
 * Created only when a tracer is active (`beginRequestTrace` returns undefined otherwise), and reached
 * through optional fields, so the request path allocates nothing for it when tracing is off.
 * @module
 */
import { SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { activeTracer, contextFrom, traceparentOf } from './tracer.ts';

export interface BatchFacts { jobId: number; subnetId: number; size: number; worker: string }

export class RequestTrace {
  readonly #tracer: Tracer;
  readonly #ctx: Context;
  readonly root: Span;
  #queue: Span | undefined;
  readonly #batches = new Map<number, Span>();
  readonly #children: Span[] = [];
  #ended = false;

  constructor(tracer: Tracer, parent: Context, name: string, attributes: Attributes) {
    this.#tracer = tracer;
    this.root = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    this.#ctx = trace.setSpan(parent, this.root);
  }

  /** A child span of the request; the caller ends it (or the request's end does, when an error cut it short). */
  start(name: string, attributes?: Attributes): Span {
    const span = this.#tracer.startSpan(name, attributes ? { attributes } : {}, this.#ctx);
    this.#children.push(span);
    return span;
  }

  /** Attributes of the whole request (its SLO once its ticket is issued, ...). */
  set(attributes: Attributes): void { this.root.setAttributes(attributes); }

  /** Its images entered the scheduler's queue. */
  queued(images: number): void {
    this.#queue ??= this.start('queue', { images });
  }

  /** A batch holding some of its images started: the queue wait ends; returns the batch span's traceparent (for a remote worker). */
  batchStarted(b: BatchFacts): string {
    if (this.#queue?.isRecording()) this.#queue.end();
    let span = this.#batches.get(b.jobId);
    if (span === undefined) {
      span = this.start('batch', { 'batch.job_id': b.jobId, 'subnet.id': b.subnetId, 'batch.size': b.size, worker: b.worker });
      this.#batches.set(b.jobId, span);
    }
    return traceparentOf(span);
  }

  batchFinished(jobId: number, error: string | undefined): void {
    const span = this.#batches.get(jobId);
    if (span === undefined) return;
    this.#batches.delete(jobId);
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end();
  }

  /** How it was served (see outcomeAttributes); `end()` follows once the reply is handed over. */
  answered(attributes: Attributes): void {
    this.root.setAttributes(attributes);
  }

  /** Answered with an error: ends the trace. */
  refused(reason: string, message: string): void {
    if (this.#ended) return;
    this.root.setAttributes({ 'refusal.reason': reason, deadline_met: false });
    this.root.setStatus({ code: SpanStatusCode.ERROR, message });
    this.end();
  }

  /** Ends the request's span and any child an error left open. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const s of this.#children) if (s.isRecording()) s.end();
    this.#batches.clear();
    this.root.end();
  }
}

/** What the root records of a served request (the fields of serving's InferOutcome it reads). */
export interface ServedFacts {
  deadlineMet: boolean; latencyMs: number; batchSize: number; accuracy: number; queueMs: number; computeMs: number; subnetId: number | undefined;
}

/** The root's attributes for a served request. */
export function outcomeAttributes(o: ServedFacts): Attributes {
  return {
    deadline_met: o.deadlineMet, latency_ms: o.latencyMs, 'batch.size': o.batchSize, accuracy: o.accuracy,
    queue_ms: o.queueMs, compute_ms: o.computeMs, ...(o.subnetId === undefined ? {} : { 'subnet.id': o.subnetId }),
  };
}

/** A request's trace when tracing is on, else undefined. Call sites check `tracingOn()` first, so that with tracing off not even the arguments are built. */
export function beginRequestTrace(name: string, traceparent: string | undefined, tracestate: string | undefined, attributes: Attributes): RequestTrace | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  return new RequestTrace(tracer, contextFrom(traceparent, tracestate), name, attributes);
}
