/**
 * `POST /v2/models/{m}[/versions/{v}]/infer`. The event loop only reads the body and moves bytes:
 * 1. read the body under the limit (413 beyond), inflating gzip/deflate bodies (the limit holds after inflating);
 * 2. the deadline ticket (src/serving/ticket.ts) from what the request header says, and admission on it,
 *    before anything costly (binary-extension headers; large JSON bodies by a byte scan);
 * 3. parse and validate: inline for small bodies, on the preparation pool for large ones; the ticket is
 *    issued here instead when no peek was possible (and admitted in step 4);
 * 4. (intake/execute.ts, shared with gRPC) BYTES images: pixel budgets from their headers, then decoding on
 *    the preparation pool, EDF by deadline; service.infer with the client's abort signal (a client that
 *    leaves has its queued images removed);
 * 5. encode the V2 reply (classification strings with the ImageNet labels), judged as it is encoded.
 * Every refusal is reported to the service's event stream exactly once (metrics, statistics, dashboard).
 * @module
 */
import type { Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { beginRequestTrace, outcomeAttributes } from '../tracing/request-trace.ts';
import { tracingOn } from '../tracing/tracer.ts';
import type { ModelMetadata } from '../serving/types.ts';
import { issueTicket, type DeadlineTicket } from '../serving/ticket.ts';
import type { RequestTiming } from '../protocol/slo.ts';
import { refusalReasonOf } from '../protocol/errors.ts';
import { executeInfer, imageCount } from '../intake/execute.ts';
import { sameTiming, ticketFor } from '../intake/ticket.ts';
import { imagenetLabels } from '../protocol/labels.ts';
import { peekAdmission, peekJsonBody, type AdmissionPeek } from '../protocol/admission-peek.ts';
import { readRequestBody, type PrefixCheck } from './body.ts';
import { parseJson } from '../protocol/json-body.ts';
import { contentCoding, readCompressedBody } from './compression.ts';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_MAX_BATCH, DEFAULT_MAX_SLO_MS, type AppDeps } from './deps.ts';
import { DEFAULT_PIXEL_BUDGET } from '../intake/image-budget.ts';
import { modelPaths, requireModel } from './models.ts';
import { INFERENCE_HEADER_CONTENT_LENGTH, splitBinaryBody, type SplitBody } from '../protocol/v2-binary.ts';
import { encodeBinaryInferResponse, encodeInferResponse, parseInferRequest, type CodecLimits, type EncodeContext, type ParsedInferRequest } from '../protocol/v2-codec.ts';

/**
 * Parsed on the event loop up to these sizes (well under a millisecond), on the pool beyond: JSON text costs
 * per number, a binary tensor section only a copy (and a transpose for NCHW).
 */
export const PARSE_INLINE_MAX = { jsonBytes: 64 * 1024, binaryBytes: 4 * 1024 * 1024 };

export function registerInfer(app: Hono, deps: AppDeps): void {
  const { service } = deps;
  const bodyLimit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const limits: CodecLimits = {
    defaultSloMs: deps.defaultSloMs, maxSloMs: deps.maxSloMs ?? DEFAULT_MAX_SLO_MS, maxBatch: deps.maxBatch ?? DEFAULT_MAX_BATCH,
    ...(deps.priorityLevels === undefined ? {} : { priorityLevels: deps.priorityLevels }),
  };
  const budget = deps.pixelBudget ?? DEFAULT_PIXEL_BUDGET;
  const prep = deps.prepPool;
  const labels = deps.labels ?? imagenetLabels();

  /**
   * Parsed inline when small; else on the pool, after admission on a peek at the body (`admit`), by the
   * peeked ticket's deadline (or, when nothing could be peeked, the largest SLO's).
   */
  const parse = async (body: SplitBody, meta: ModelMetadata, arrivalMs: number, signal: AbortSignal,
    peeked: () => DeadlineTicket | undefined, admit: (peek: AdmissionPeek) => void): Promise<ParsedInferRequest> => {
    const inline = body.json.byteLength <= PARSE_INLINE_MAX.jsonBytes && (body.binary?.byteLength ?? 0) <= PARSE_INLINE_MAX.binaryBytes;
    if (prep === undefined || inline) return parseInferRequest(parseJson(body.json), meta, limits, body.binary);
    if (peeked() === undefined && body.binary === undefined) {
      const peek = peekJsonBody(body.json, limits);
      if (peek !== undefined) admit(peek);
    }
    const deadline = service.workDeadline(peeked() ?? issueTicket({ arrivalMs, sloMs: limits.maxSloMs }));
    return prep.parse(body.json, body.binary, meta, limits, { deadline, signal });
  };

  const handler = async (c: Context) => {
    const arrivalMs = service.now();
    const trace = tracingOn()
      ? beginRequestTrace('infer', c.req.header('traceparent'), c.req.header('tracestate'), { transport: 'http', 'http.route': c.req.routePath, model: c.req.param('m') ?? '' })
      : undefined;
    const receive = trace?.start('receive');
    // @hono/node-server aborts this signal when the response closes unfinished (client gone).
    const signal = c.req.raw.signal;
    let images = 0;
    let reported = false;
    const inService = <T>(f: () => T): T => { reported = true; const out = f(); reported = false; return out; };
    try {
      const meta = requireModel(service, c.req.param('m'), c.req.param('v'));
      const headerLength = c.req.header(INFERENCE_HEADER_CONTENT_LENGTH);
      // Binary extension: the ticket and admission on the JSON header as soon as it has arrived, before the tensor bytes.
      let peeked: { ticket: DeadlineTicket; images: number; timing: RequestTiming } | undefined;
      const admit = (peek: AdmissionPeek): void => {
        images = peek.images;
        const ticket = ticketFor(arrivalMs, peek.timing, peek.subnetId);
        peeked = { ticket, images: peek.images, timing: peek.timing };
        inService(() => service.admit(peek.images, ticket));
      };
      const early: PrefixCheck | undefined = headerLength !== undefined && /^\d+$/.test(headerLength.trim()) ? {
        bytes: Number(headerLength),
        check: (json) => { const peek = peekAdmission(json, limits); if (peek !== undefined) admit(peek); },
      } : undefined;
      const coding = contentCoding(c.req.header('content-encoding'));
      const raw = coding === undefined ? await readRequestBody(c, bodyLimit, early) : await readCompressedBody(c, coding, bodyLimit);
      const body = splitBinaryBody(raw, headerLength);
      const req = await parse(body, meta, arrivalMs, signal, () => peeked?.ticket, admit);
      // The peek read the same parameters by the same rule, so its ticket normally stands; a body whose full
      // parse disagrees with the peek gets a ticket of its own, admitted by executeInfer.
      const same = peeked !== undefined && peeked.images === imageCount(req) && sameTiming(peeked.timing, req.timing) && peeked.ticket.subnetId === req.subnetId;
      const ticket = same ? peeked!.ticket : ticketFor(arrivalMs, req.timing, req.subnetId);
      receive?.end();
      trace?.set({ slo_ms: ticket.sloMs, priority: ticket.priority, images: imageCount(req) });
      reported = true; // executeInfer reports its own refusals (admission, decoding, the service's)
      const reply = await executeInfer(req, { service, ticket, admitted: same, signal, pixelBudget: budget, trace, ...(prep ? { prepPool: prep } : {}) }, (outcome, batch) => {
        const respond = trace?.start('respond');
        const ctx: EncodeContext = {
        modelName: meta.name,
          ...(meta.versions[0] === undefined ? {} : { modelVersion: c.req.param('v') ?? meta.versions[0] }),
          ...(req.id === undefined ? {} : { id: req.id }),
          n: batch.n,
          outputs: req.outputs,
          binaryOutputs: req.binaryOutputs,
          labels,
        };
        if (trace) trace.answered(outcomeAttributes(outcome));
        let res: Response;
        if (req.binaryOutputs.length === 0) res = c.json(encodeInferResponse(outcome, ctx));
        else {
          const binary = encodeBinaryInferResponse(outcome, ctx);
          res = c.body(binary.body, 200, { 'Content-Type': 'application/octet-stream', [INFERENCE_HEADER_CONTENT_LENGTH]: String(binary.headerLength) });
        }
        respond?.end();
        return res;
      });
      trace?.end();
      return reply;
    } catch (err) {
      const httpError = (e: unknown) => e instanceof HTTPException;
      if (!reported) service.reportRefused(refusalReasonOf(err, httpError), images, undefined, arrivalMs);
      trace?.refused(refusalReasonOf(err, httpError), (err as Error).message);
      throw err;
    }
  };
  for (const path of modelPaths('/infer')) app.post(path, handler);
}
