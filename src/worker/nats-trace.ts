/**
 * Trace context across NATS: the router puts the batch span's W3C `traceparent` in the batch message's
 * headers (and the batch's other requests' spans in `superserve-trace-links`); the worker continues that
 * trace with a `worker.batch` span around the forward pass, linked to the others. Only when tracing is on.
 * @module
 */
import type { Link } from '@opentelemetry/api';
import { trace, type Span } from '@opentelemetry/api';
import type { Msg } from 'nats';
import { activeTracer, contextFrom } from '../tracing/tracer.ts';

const LINKS = 'superserve-trace-links';

export function traceHeaders(t: { traceparent: string; links: string[] }): Record<string, string> {
  return t.links.length > 0 ? { traceparent: t.traceparent, [LINKS]: t.links.join(',') } : { traceparent: t.traceparent };
}

/** The worker's span for one batch, continuing the router's trace; undefined when tracing is off or no trace came. */
export function workerBatchSpan(msg: Msg, worker: string): Span | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  const h = msg.headers;
  const traceparent = h?.get('traceparent');
  if (traceparent === undefined || traceparent === '') return undefined;
  const links: Link[] = [];
  for (const tp of (h!.get(LINKS) ?? '').split(',')) {
    const sc = tp === '' ? undefined : trace.getSpanContext(contextFrom(tp));
    if (sc) links.push({ context: sc });
  }
  return tracer.startSpan('worker.batch', { attributes: { worker }, links }, contextFrom(traceparent));
}
