/**
 * Running a validated infer request, the same for every transport: admission before any decoding
 * (`service.admit`), BYTES images checked against the pixel budgets and decoded on the preparation pool
 * (EDF by deadline, never on the event loop; inline only without a pool), then `service.infer` with the
 * client's abort signal. Every refusal on this path is reported to the service's event stream exactly
 * once (the service reports its own; a failed decode is reported here), so callers report only what
 * failed before they called this.
 * @module
 */
import { decodeImages } from '../http/image-batch.ts';
import { checkPixelBudget, DEFAULT_PIXEL_BUDGET, type PixelBudget } from '../http/image-budget.ts';
import type { PrepPool } from '../http/prep/prep-pool.ts';
import type { AdmitOptions, ImageBatch, InferenceService, InferOutcome } from '../serving/types.ts';
import { refusalReasonOf } from './errors.ts';
import type { ValidInferRequest } from './request.ts';

export interface ExecuteOptions {
  service: InferenceService;
  /** Arrival time on the service clock (the SLO counts from it). */
  arrivalMs: number;
  /** Aborted when the client goes away: queued work is removed. */
  signal?: AbortSignal;
  /** Overrides the request's SLO (e.g. tightened to a gRPC deadline). */
  sloMs?: number;
  prepPool?: PrepPool;
  /** @default DEFAULT_PIXEL_BUDGET */
  pixelBudget?: PixelBudget;
}

/** Images in a validated request. */
export const imageCount = (req: ValidInferRequest): number => (req.input.kind === 'tensor' ? req.input.batch.n : req.input.images.items.length);

export async function executeInfer(req: ValidInferRequest, opts: ExecuteOptions): Promise<{ outcome: InferOutcome; batch: ImageBatch }> {
  const { service } = opts;
  const admit: AdmitOptions = { sloMs: opts.sloMs ?? req.sloMs, arrivalMs: opts.arrivalMs, ...(req.subnetId === undefined ? {} : { subnetId: req.subnetId }) };
  service.admit(imageCount(req), admit);
  let batch: ImageBatch;
  if (req.input.kind === 'tensor') batch = req.input.batch;
  else {
    const images = req.input.images;
    try {
      checkPixelBudget(images, opts.pixelBudget ?? DEFAULT_PIXEL_BUDGET);
      batch = opts.prepPool
        ? await opts.prepPool.decode(images, { deadline: service.workDeadline(opts.arrivalMs, admit.sloMs), ...(opts.signal ? { signal: opts.signal } : {}) })
        : await decodeImages(images);
    } catch (err) {
      service.reportRefused(refusalReasonOf(err), images.items.length, opts.arrivalMs);
      throw err;
    }
  }
  const outcome = await service.infer(batch, { ...admit, ...(opts.signal ? { signal: opts.signal } : {}) });
  return { outcome, batch };
}
