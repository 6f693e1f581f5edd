/**
 * `inference.GRPCInferenceService`: the V2 gRPC endpoints and Triton's model configuration, statistics and
 * repository index, over the same `InferenceService`, validator, result builder, statistics and error table
 * as HTTP. ModelInfer takes its SLO from `slo_ms` / `timeout` and the call's deadline (the tighter of the
 * two; the deadline alone when no parameter is given), and a client that cancels (or whose deadline passes)
 * has its queued request removed through the abort signal. `createInferOne` is that request path, which
 * ModelStreamInfer (stream-infer.ts) runs per streamed request. Model load and unload are refused as over
 * HTTP (FAILED_PRECONDITION, HTTP's 400).
 * @module
 */
import { Metadata, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { PixelBudget } from '../intake/image-budget.ts';
import type { PrepPool } from '../intake/prep/prep-pool.ts';
import { refusalReasonOf, toErrorAnswer, UnsupportedError } from '../protocol/errors.ts';
import { executeInfer, imageCount } from '../intake/execute.ts';
import { beginRequestTrace, outcomeAttributes } from '../tracing/request-trace.ts';
import { tracingOn } from '../tracing/tracer.ts';
import { modelMetadata, serverMetadata, type ServerInfo } from '../protocol/metadata.ts';
import { modelConfig } from '../protocol/model-config.ts';
import { requireModel } from '../protocol/models.ts';
import { refuseModelControl, repositoryIndex } from '../protocol/repository.ts';
import { DEFAULT_MAX_BATCH, validateInferRequest, type RequestLimits } from '../protocol/request.ts';
import { withTransportDeadline } from '../protocol/slo.ts';
import { ticketFor } from '../intake/ticket.ts';
import { buildInferResult } from '../protocol/response.ts';
import type { InferenceStatistics } from '../protocol/statistics.ts';
import type { InferenceService } from '../serving/types.ts';
import { fromGrpcRequest, toGrpcResponse, type GrpcInferRequest, type GrpcInferResponse } from './messages.ts';

export interface InferenceDeps {
  service: InferenceService;
  /** Fed by the service's events; without it ModelStatistics is UNIMPLEMENTED. */
  statistics?: InferenceStatistics;
  limits: RequestLimits;
  labels: readonly string[];
  server: ServerInfo;
  prepPool?: PrepPool;
  pixelBudget?: PixelBudget;
  log?: (message: string, err?: unknown) => void;
}

type Unary<Req> = (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>) => void;
interface ModelRef { name: string; version: string }

/** Milliseconds from now to a gRPC call deadline (Infinity when the call has none). */
export function deadlineLeftMs(deadline: Date | number, nowMs = Date.now()): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at - nowMs : Number.POSITIVE_INFINITY;
}

export function createInferenceImplementation(deps: InferenceDeps): UntypedServiceImplementation {
  const { service } = deps;
  const log = deps.log ?? ((m: string, e?: unknown) => console.error(m, e));

  /** Answer with `handle`'s result, or map what it threw through the shared error table. */
  const unary = <Req>(name: string, handle: (req: Req, call: ServerUnaryCall<Req, unknown>) => unknown): Unary<Req> => (call, callback) => {
    Promise.resolve().then(() => handle(call.request, call)).then(
      (reply) => callback(null, reply),
      (err: unknown) => {
        const a = toErrorAnswer(err);
        if (a.http === 500) log(`gRPC ${name} failed`, err);
        callback(errorStatus(a));
      });
  };

  const inferOne = createInferOne(deps);
  const modelInfer = (req: GrpcInferRequest, call: ServerUnaryCall<GrpcInferRequest, unknown>) => {
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    return inferOne(req, { signal: abort.signal, deadline: call.getDeadline(), metadata: call.metadata });
  };

  const configLimits = { maxBatch: deps.limits.maxBatch ?? DEFAULT_MAX_BATCH, maxSloMs: deps.limits.maxSloMs, labelFile: 'labels.txt' };
  const refuse = (action: 'load' | 'unload') => () => refuseModelControl(action, service.modelName);
  return {
    ServerLive: unary('ServerLive', () => ({ live: true })),
    ServerReady: unary('ServerReady', () => ({ ready: service.isReady() })),
    ModelReady: unary<ModelRef>('ModelReady', (r) => { requireModel(service, r.name, r.version); return { ready: service.isReady() }; }),
    ServerMetadata: unary('ServerMetadata', () => serverMetadata(deps.server)),
    ModelMetadata: unary<ModelRef>('ModelMetadata', (r) => modelMetadata(requireModel(service, r.name, r.version))),
    ModelInfer: unary('ModelInfer', modelInfer),
    ModelConfig: unary<ModelRef>('ModelConfig', (r) => ({ config: modelConfig(requireModel(service, r.name, r.version), configLimits) })),
    ModelStatistics: unary<ModelRef>('ModelStatistics', (r) => {
      const stats = deps.statistics;
      if (stats === undefined) throw new UnsupportedError('statistics are not collected by this server');
      const meta = r.name === '' ? service.metadata() : requireModel(service, r.name, r.version);
      const versions = r.version === '' ? meta.versions : [r.version];
      return { model_stats: versions.map((v) => stats.snapshot(meta.name, v)) };
    }),
    RepositoryIndex: unary<{ ready: boolean }>('RepositoryIndex', (r) => ({ models: repositoryIndex(service, r.ready) })),
    RepositoryModelLoad: unary('RepositoryModelLoad', refuse('load')),
    RepositoryModelUnload: unary('RepositoryModelUnload', refuse('unload')),
  };
}

/** What one inference request runs under: the call's (or stream's) abort signal, deadline and metadata (a W3C traceparent, when tracing). */
export interface InferCall { signal: AbortSignal; deadline: Date | number; metadata?: Metadata }

/** One `ModelInferRequest` from arrival to its reply; ModelInfer and ModelStreamInfer both run it. */
export type InferOne = (req: GrpcInferRequest, call: InferCall) => Promise<GrpcInferResponse>;

export function createInferOne(deps: InferenceDeps): InferOne {
  const { service } = deps;
  return async (req, call) => {
    // Arrival and the call deadline are read together: the ticket's deadline lives on the service clock only.
    const arrivalMs = service.now();
    const leftMs = deadlineLeftMs(call.deadline);
    const trace = tracingOn() ? beginRequestTrace('infer', metadataText(call.metadata, 'traceparent'), metadataText(call.metadata, 'tracestate'),
      { transport: 'grpc', 'rpc.method': 'ModelInfer', model: req.model_name }) : undefined;
    const receive = trace?.start('receive');
    let reported = false;
    try {
      const meta = requireModel(service, req.model_name, req.model_version);
      // Validated here: grpc-js has already decoded the message on this thread, and the raw contents
      // need only a copy (and a transpose for NCHW), as HTTP's inline path.
      const valid = validateInferRequest(fromGrpcRequest(req), meta, deps.limits);
      reported = true; // executeInfer reports its own refusals (admission, decoding, the service's)
      const ticket = ticketFor(arrivalMs, withTransportDeadline(valid.timing, leftMs, deps.limits.maxSloMs), valid.subnetId);
      receive?.end();
      trace?.set({ slo_ms: ticket.sloMs, priority: ticket.priority, images: imageCount(valid) });
      const reply = await executeInfer(valid, {
        service, ticket, signal: call.signal, trace,
        ...(deps.prepPool ? { prepPool: deps.prepPool } : {}), ...(deps.pixelBudget ? { pixelBudget: deps.pixelBudget } : {}),
      }, (outcome, batch) => {
        const respond = trace?.start('respond');
        if (trace) trace.answered(outcomeAttributes(outcome));
        const res = toGrpcResponse(buildInferResult(outcome, batch.n, valid.outputs, deps.labels), {
          modelName: meta.name, modelVersion: req.model_version || meta.versions[0] || '',
          ...(valid.id === undefined ? {} : { id: valid.id }), raw: req.raw_input_contents.length > 0,
        });
        respond?.end();
        return res;
      });
      trace?.end();
      return reply;
    } catch (err) {
      if (!reported) service.reportRefused(refusalReasonOf(err), 0, undefined, arrivalMs);
      trace?.refused(refusalReasonOf(err), (err as Error).message);
      throw err;
    }
  };
}

/** A gRPC error status from the shared answer, with `retry-after` metadata where HTTP sends Retry-After. */
export function errorStatus(a: { grpc: number; message: string; retryAfterS?: number }) {
  const metadata = new Metadata();
  if (a.retryAfterS !== undefined) metadata.set('retry-after', String(a.retryAfterS));
  return { code: a.grpc, details: a.message, metadata };
}

/** A text metadata entry (traceparent, tracestate), or undefined. */
function metadataText(md: Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0];
  return typeof v === 'string' ? v : undefined;
}
