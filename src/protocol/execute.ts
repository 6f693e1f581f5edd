/**
 * Running a validated infer request, the same for every transport: refuse while not ready, decode BYTES
 * images (on the decode pool when there is one, never on the event loop then), call the one
 * `InferenceService` with the SLO, the pinned sub-network, the arrival time and the client's abort signal.
 * @module
 */
import type { DecodePool } from '../imaging/decode-pool.ts';
import { decodeImagesInline, decodeImagesWithPool } from '../http/image-batch.ts';
import { ServiceError, type ImageBatch, type InferenceService, type InferOutcome } from '../serving/types.ts';
import type { ValidInferRequest } from './request.ts';

export interface ExecuteOptions {
  service: InferenceService;
  decodePool?: DecodePool;
  /** Aborted when the client goes away: a queued request is removed. */
  signal?: AbortSignal;
  arrivalMs?: number;
  /** Overrides the request's SLO (e.g. tightened to a gRPC deadline). */
  sloMs?: number;
}

export async function executeInfer(req: ValidInferRequest, modelName: string, opts: ExecuteOptions): Promise<{ outcome: InferOutcome; batch: ImageBatch }> {
  if (!opts.service.isReady()) throw new ServiceError('not_ready', `model '${modelName}' is not ready`, 1);
  const batch = req.input.kind === 'tensor' ? req.input.batch
    : opts.decodePool ? await decodeImagesWithPool(req.input.images, opts.decodePool) : decodeImagesInline(req.input.images);
  const outcome = await opts.service.infer(batch, {
    sloMs: opts.sloMs ?? req.sloMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(req.subnetId === undefined ? {} : { subnetId: req.subnetId }),
    ...(opts.arrivalMs === undefined ? {} : { arrivalMs: opts.arrivalMs }),
  });
  return { outcome, batch };
}
