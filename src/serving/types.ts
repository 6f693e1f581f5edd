/**
 * The contract between the protocol layers and the serving core: they only translate requests into
 * `InferenceService.admit` / `infer` calls and outcomes back into V2 responses.
 * @module
 */
import type { AdapterInfo } from '../../supernet/backends/webgpu-adapter.ts';
import type { ImageOutcome, RefusalReason } from './events.ts';
import type { DeadlineTicket } from './ticket.ts';
import type { RequestTrace } from '../tracing/request-trace.ts';

/** Images as float32, already normalised the way OFA expects, in NHWC order. */
export interface ImageBatch {
  data: Float32Array;
  n: number;
  height: number;
  width: number;
}

export interface InferOutcome {
  /** Row-major [n, numClasses]. */
  logits: Float32Array;
  numClasses: number;
  /** How each image was served: its images may run in different batches on different sub-networks. */
  images: ImageOutcome[];
  /** The sub-network that served every image; undefined when they differ (see `images`). */
  subnetId: number | undefined;
  /** Mean accuracy of the sub-networks that served the images. */
  accuracy: number;
  /** Largest batch any of its images ran in. */
  batchSize: number;
  /** Longest queue time and compute time of its images. */
  queueMs: number;
  computeMs: number;
  /** From arrival until it was handed to the queue: reading, parsing and decoding. */
  prepMs: number;
  /** From arrival until its last image was done (the front door restates it when it answers). */
  latencyMs: number;
  deadlineMet: boolean;
}

/** Why a request was not served; HTTP statuses are in src/http/errors.ts. */
export type ServiceErrorKind = RefusalReason;

/** An expected outcome (a refusal), not a bug: it carries no stack trace, which costs more than the rest of a refusal. */
export class ServiceError extends Error {
  constructor(readonly kind: ServiceErrorKind, message: string, readonly retryAfterS?: number) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ServiceError';
  }
}

export interface SubnetInfo { id: number; accuracy: number; config: unknown; imageSize: number }

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  arch: string;
  backend: string;
  /** True for the embedded random-weight default: its predictions mean nothing. */
  untrained: boolean;
  checkpoint: string;
  policy: string;
  defaultSloMs: number;
  subnets: SubnetInfo[];
  /** Input resolution expected by default (largest Pareto image_size). */
  imageSize: number;
  workers: { total: number; alive: number };
  /** Most images the queue holds (`--max-queue`; one queue entry per image); absent: unbounded. */
  maxQueue?: number;
  /** The local workers' WebGPU adapter (vendor, architecture, description), on webgpu. */
  adapter?: AdapterInfo;
  /** Threads per local WASM worker, on wasm. */
  wasmThreads?: number;
}

export interface InferenceService {
  readonly modelName: string;
  /** Weights, SubnetNorm table, profile and warm-up done, and at least one worker alive. */
  isReady(): boolean;
  metadata(): ModelMetadata;
  /** The service clock (ms): tickets are issued and judged on it. */
  now(): number;
  /**
   * Admission before any decoding: throws the ServiceError a request of `images` images would get now
   * (not ready, shutting down, queue full, overloaded, deadline out of reach). `infer` admits again into
   * the queue, since the queue moves while the request is decoded.
   */
  admit(images: number, ticket: DeadlineTicket): void;
  /**
   * Until when work for a request (parsing, decoding) is still worth doing: its deadline less the cheapest
   * sub-network's latency (later, inference could no longer make it), or +Infinity when the server serves late
   * requests (`--late serve`).
   */
  workDeadline(ticket: DeadlineTicket): number;
  /**
   * A request refused before it reached the service (unparseable, invalid, preparation failed): counted, not
   * queued. `arrivalMs` (service clock), when known, times the failure from the request's arrival.
   */
  reportRefused(reason: RefusalReason, images: number, priority?: number, arrivalMs?: number): void;
  /** Queue the images under the ticket; `signal` aborts when the client disconnects (queued work is removed); `trace` (tracing on only) records the queue and batch spans. */
  infer(batch: ImageBatch, ticket: DeadlineTicket, signal?: AbortSignal, trace?: RequestTrace): Promise<InferOutcome>;
  /** The answer to an inferred request is being written now: its outcome as judged at this moment, and how long encoding it took. */
  reportAnswered(ticket: DeadlineTicket, outcome: InferOutcome, encodeMs?: number): void;
  /** Stop accepting; resolves when every accepted request has been answered. */
  drain(): Promise<void>;
}
