/**
 * `POST /v2/models/{m}[/versions/{v}]/infer`: read the body under the limit, decode it, call
 * `service.infer` with the client's abort signal (so a client that leaves has its queued request
 * removed), encode the V2 reply and record request-level metrics.
 * @module
 */
import type { Context, Hono } from 'hono';
import { ServiceError } from '../serving/types.ts';
import { readBodyLimited, parseJson } from './body.ts';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_MAX_BATCH, DEFAULT_MAX_SLO_MS, type AppDeps } from './deps.ts';
import { toErrorResponse } from './errors.ts';
import { modelPaths, requireModel } from './models.ts';
import { decodeInferRequest, encodeInferResponse } from './v2-codec.ts';

export function registerInfer(app: Hono, deps: AppDeps): void {
  const { service, metrics } = deps;
  const bodyLimit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const limits = { defaultSloMs: deps.defaultSloMs, maxSloMs: deps.maxSloMs ?? DEFAULT_MAX_SLO_MS, maxBatch: deps.maxBatch ?? DEFAULT_MAX_BATCH };

  const handler = async (c: Context) => {
    const startedMs = performance.now();
    const arrivalMs = deps.now?.();
    // @hono/node-server aborts this signal when the response closes unfinished (client gone).
    const signal = c.req.raw.signal;
    const meta = requireModel(service, c.req.param('m'), c.req.param('v'));
    try {
      if (!service.isReady()) throw new ServiceError('not_ready', `model '${meta.name}' is not ready`, 1);
      const req = decodeInferRequest(parseJson(await readBodyLimited(c.req.raw, bodyLimit)), meta, limits);
      const outcome = await service.infer(req.batch, {
        sloMs: req.sloMs,
        signal,
        ...(req.subnetId === undefined ? {} : { subnetId: req.subnetId }),
        ...(arrivalMs === undefined ? {} : { arrivalMs }),
      });
      const reply = encodeInferResponse(outcome, {
        modelName: meta.name,
        ...(meta.versions[0] === undefined ? {} : { modelVersion: c.req.param('v') ?? meta.versions[0] }),
        ...(req.id === undefined ? {} : { id: req.id }),
        n: req.batch.n,
        outputs: req.outputs,
      });
      metrics.recordSuccess(outcome, performance.now() - startedMs);
      return c.json(reply);
    } catch (err) {
      const { reason, sloMissed } = toErrorResponse(err);
      metrics.recordFailure(reason, { sloMissed });
      throw err;
    }
  };
  for (const path of modelPaths('/infer')) app.post(path, handler);
}
