/**
 * `POST /v2/models/{m}[/versions/{v}]/infer`: read the body under the limit (inflating gzip/deflate), decode it (JSON or the
 * binary tensor data extension; BYTES images on the decode pool when there is one), call
 * `service.infer` with the client's abort signal (so a client that leaves has its queued request
 * removed), encode the V2 reply and record request-level metrics.
 * @module
 */
import type { Context, Hono } from 'hono';
import { ServiceError } from '../serving/types.ts';
import { parseJson } from './body.ts';
import { readRequestBody } from './compression.ts';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_MAX_BATCH, DEFAULT_MAX_SLO_MS, type AppDeps } from './deps.ts';
import { createOutcomeRecorder } from '../protocol/outcomes.ts';
import { executeInfer } from '../protocol/execute.ts';
import { modelPaths, requireModel } from './models.ts';
import { imagenetLabels } from '../protocol/labels.ts';
import { INFERENCE_HEADER_CONTENT_LENGTH, splitBinaryBody } from './v2-binary.ts';
import { encodeBinaryInferResponse, encodeInferResponse, parseInferRequest, type EncodeContext } from './v2-codec.ts';

export function registerInfer(app: Hono, deps: AppDeps): void {
  const { service } = deps;
  const record = createOutcomeRecorder(deps.metrics, deps.statistics);
  const bodyLimit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const labels = deps.labels ?? imagenetLabels();
  const limits = { defaultSloMs: deps.defaultSloMs, maxSloMs: deps.maxSloMs ?? DEFAULT_MAX_SLO_MS, maxBatch: deps.maxBatch ?? DEFAULT_MAX_BATCH };

  const handler = async (c: Context) => {
    const startedMs = performance.now();
    const arrivalMs = deps.now?.();
    // @hono/node-server aborts this signal when the response closes unfinished (client gone).
    const signal = c.req.raw.signal;
    const meta = requireModel(service, c.req.param('m'), c.req.param('v'));
    try {
      if (!service.isReady()) throw new ServiceError('not_ready', `model '${meta.name}' is not ready`, 1);
      const body = splitBinaryBody(await readRequestBody(c.req.raw, bodyLimit), c.req.header(INFERENCE_HEADER_CONTENT_LENGTH));
      const req = parseInferRequest(parseJson(body.json), meta, limits, body.binary);
      const { outcome, batch } = await executeInfer(req, meta.name, {
        service, signal, ...(deps.decodePool ? { decodePool: deps.decodePool } : {}), ...(arrivalMs === undefined ? {} : { arrivalMs }),
      });
      const ctx: EncodeContext = {
        modelName: meta.name,
        ...(meta.versions[0] === undefined ? {} : { modelVersion: c.req.param('v') ?? meta.versions[0] }),
        ...(req.id === undefined ? {} : { id: req.id }),
        n: batch.n,
        outputs: req.outputs,
        binaryOutputs: req.binaryOutputs,
        labels,
      };
      if (req.binaryOutputs.length === 0) {
        const reply = encodeInferResponse(outcome, ctx);
        record.answered(outcome, batch.n, performance.now() - startedMs);
        return c.json(reply);
      }
      const reply = encodeBinaryInferResponse(outcome, ctx);
      record.answered(outcome, batch.n, performance.now() - startedMs);
      return c.body(reply.body, 200, {
        'Content-Type': 'application/octet-stream',
        [INFERENCE_HEADER_CONTENT_LENGTH]: String(reply.headerLength),
      });
    } catch (err) {
      record.failed(err, performance.now() - startedMs);
      throw err;
    }
  };
  for (const path of modelPaths('/infer')) app.post(path, handler);
}
