/**
 * Running a validated infer request under its deadline ticket, the same for every transport: admission
 * before any decoding (skipped when the front door already admitted this ticket on a peek), BYTES images
 * checked against the pixel budgets and decoded on the preparation pool (EDF by the ticket's deadline, never
 * on the event loop; inline only without a pool), `service.infer` with the client's abort signal, and the
 * answer judged (latency, deadline met) at the moment it is encoded, its encoding timed (Triton's
 * compute_output). Every refusal on this path is reported
 * to the service's event stream exactly once (the service reports its own; a failed decode is reported
 * here), so callers report only what failed before they called this.
 * @module
 */
import { decodeImages } from './image-batch.ts';
import { checkPixelBudget, DEFAULT_PIXEL_BUDGET, type PixelBudget } from './image-budget.ts';
import type { PrepPool } from './prep/prep-pool.ts';
import type { DeadlineTicket } from '../serving/ticket.ts';
import type { ImageBatch, InferenceService, InferOutcome } from '../serving/types.ts';
import { refusalReasonOf } from '../protocol/errors.ts';
import type { ValidInferRequest } from '../protocol/request.ts';
import type { RequestTrace } from '../tracing/request-trace.ts';

export interface ExecuteOptions {
  service: InferenceService;
  ticket: DeadlineTicket;
  /** The front door already admitted this ticket (on a peek at the request): do not admit it again. */
  admitted?: boolean;
  /** Aborted when the client goes away: queued work is removed. */
  signal?: AbortSignal;
  prepPool?: PrepPool;
  /** @default DEFAULT_PIXEL_BUDGET */
  pixelBudget?: PixelBudget;
  /** The request's trace, when tracing is on: admit, prepare, queue and batch spans. */
  trace?: RequestTrace | undefined;
}

/** Images in a validated request. */
export const imageCount = (req: ValidInferRequest): number => (req.input.kind === 'tensor' ? req.input.batch.n : req.input.images.items.length);

/**
 * Runs the request and returns what `answer` makes of its outcome; `answer` gets the outcome as judged
 * when it is called (latency and deadline met at that moment), so the reply says what the client sees.
 */
export async function executeInfer<R>(req: ValidInferRequest, opts: ExecuteOptions, answer: (outcome: InferOutcome, batch: ImageBatch) => R): Promise<R> {
  const { service, ticket, trace } = opts;
  if (opts.admitted !== true) {
    const span = trace?.start('admit');
    service.admit(imageCount(req), ticket);
    span?.end();
  }
  let batch: ImageBatch;
  if (req.input.kind === 'tensor') {
    batch = req.input.batch;
    trace?.start('prepare', { input: 'tensor' }).end(); // already a tensor: nothing to decode
  } else {
    const images = req.input.images;
    const span = trace?.start('prepare', { input: 'encoded images' });
    try {
      checkPixelBudget(images, opts.pixelBudget ?? DEFAULT_PIXEL_BUDGET);
      batch = opts.prepPool
        ? await opts.prepPool.decode(images, { deadline: service.workDeadline(ticket), ...(opts.signal ? { signal: opts.signal } : {}) })
        : await decodeImages(images);
    } catch (err) {
      service.reportRefused(refusalReasonOf(err), images.items.length, ticket.priority, ticket.arrivalMs);
      throw err;
    }
    span?.end();
  }
  const served = await service.infer(batch, ticket, opts.signal, trace);
  const at = service.now();
  const outcome: InferOutcome = { ...served, latencyMs: at - ticket.arrivalMs, deadlineMet: at <= ticket.deadlineMs };
  const encodeStart = performance.now();
  const reply = answer(outcome, batch);
  service.reportAnswered(ticket, outcome, performance.now() - encodeStart);
  return reply;
}
