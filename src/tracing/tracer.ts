/**
 * The process's tracer: undefined (the default) until `startTracing` installs an OpenTelemetry SDK
 * exporting OTLP/HTTP. Every hook on the request path first reads `activeTracer()`, so with tracing off
 * nothing is created or allocated and the SDK is never even loaded (imported on start only).
 * W3C trace context (`traceparent`, `tracestate`) crosses HTTP headers, gRPC metadata and NATS headers.
 * @module
 */
import { ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

let active: Tracer | undefined;
const propagator = new W3CTraceContextPropagator();

export function activeTracer(): Tracer | undefined { return active; }

/** Check this before building anything for a trace (its arguments, closures): false costs one load. */
export function tracingOn(): boolean { return active !== undefined; }

export interface TracingHandle {
  /** Export what is buffered now. */
  flush(): Promise<void>;
  /** Flush, then stop; the tracer is off afterwards. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** OTLP/HTTP endpoint: a base URL (`/v1/traces` is appended, as for OTEL_EXPORTER_OTLP_ENDPOINT) or the full traces URL. */
  endpoint: string;
  serviceName: string;
  /** Extra resource attributes (e.g. the worker's name). */
  attributes?: Record<string, string>;
  /** Export each span as it ends (tests); default: batched. */
  immediate?: boolean;
}

/** The traces URL of an endpoint: base URLs get `/v1/traces`, as the OTLP exporter spec says. */
export function tracesUrl(endpoint: string): string {
  const u = new URL(endpoint);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`an OTLP endpoint must be http(s)://..., got "${endpoint}"`);
  return /\/v1\/traces\/?$/.test(u.pathname) ? u.toString() : `${u.toString().replace(/\/$/, '')}/v1/traces`;
}

export async function startTracing(o: TracingOptions): Promise<TracingHandle> {
  const [{ TracerProvider, BatchSpanProcessor, SimpleSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'), import('@opentelemetry/exporter-trace-otlp-http'), import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({ url: tracesUrl(o.endpoint) });
  const processor = o.immediate ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.serviceName, ...o.attributes }),
    spanProcessors: [processor],
  });
  active = provider.getTracer('superserve', '0.1.0');
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => { active = undefined; await provider.shutdown(); },
  };
}

/** A context continuing the caller's trace from a `traceparent` (and `tracestate`); the root context when absent or malformed. */
export function contextFrom(traceparent: string | undefined, tracestate?: string): Context {
  if (traceparent === undefined) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate !== undefined) carrier.tracestate = tracestate;
  return propagator.extract(ROOT_CONTEXT, carrier, { get: (c, k) => c[k], keys: (c) => Object.keys(c) });
}

/** The W3C `traceparent` of a span (for a NATS header). */
export function traceparentOf(span: Span): string {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, { set: (c, k, v) => { c[k] = v; } });
  return carrier.traceparent ?? '';
}
