/**
 * Interim, until the serving core emits `ServingEvents` itself (issue 8): derives the request-level events
 * from outside an `InferenceService` by wrapping its `infer`. Requests refused by the HTTP layer before they
 * reach the service (malformed bodies) are not seen here.
 * @module
 */
import type { ImageOutcome, RefusalReason, ServingEvents, ServingSnapshot, WorkerStatus } from '../serving/events.ts';
import { ServiceError, type InferenceService } from '../serving/types.ts';

export function tapService(service: InferenceService, events: ServingEvents, now: () => number): InferenceService {
  return {
    get modelName() { return service.modelName; },
    isReady: () => service.isReady(),
    metadata: () => service.metadata(),
    drain: () => service.drain(),
    infer: async (batch, opts) => {
      const arrival = opts.arrivalMs ?? now();
      events.arrived?.(arrival, batch.n);
      try {
        const o = await service.infer(batch, opts);
        const at = now();
        const image: ImageOutcome = { subnetId: o.subnetId, accuracy: o.accuracy, batchSize: o.batchSize, queueMs: o.queueMs, computeMs: o.computeMs, finishedAt: at };
        events.answered?.(at, { images: new Array<ImageOutcome>(batch.n).fill(image), latencyMs: at - arrival, deadlineMet: o.deadlineMet });
        return o;
      } catch (e) {
        const reason: RefusalReason = e instanceof ServiceError ? e.kind : 'worker_failed';
        events.refused?.(now(), reason, batch.n);
        throw e;
      }
    },
  };
}

/** Interim gauges from the current scheduler and dispatcher (the core will pass its own snapshot function). */
export function coreSnapshot(core: { queued: number; inFlight: number; latencyFactor: number; alive: number; backend: string } | undefined): ServingSnapshot {
  if (core === undefined) return { queued: 0, inFlight: 0, latencyFactor: 1, workers: [] };
  // The dispatcher does not say which worker runs what: at most one is shown busy while images are in flight.
  const workers = Array.from({ length: core.alive }, (_, i): WorkerStatus => ({
    name: `worker ${i}`, kind: 'thread', state: i === 0 && core.inFlight > 0 ? 'busy' : 'idle', backend: core.backend,
  }));
  return { queued: core.queued, inFlight: core.inFlight, latencyFactor: core.latencyFactor, workers };
}
