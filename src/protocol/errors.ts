/**
 * The errors a protocol front door (HTTP or gRPC) can answer with, and the one table that maps every kind
 * to its HTTP status and its gRPC status code (how each counts in metrics is src/metrics.ts's
 * REFUSAL_ACCOUNTING, by refusal reason). No transport library is imported here: the validator that throws
 * these runs in worker threads too.
 * @module
 */
import type { RefusalReason } from '../serving/events.ts';
import { ServiceError, type ServiceErrorKind } from '../serving/types.ts';

/** A request the server will not accept as sent (HTTP 400, gRPC INVALID_ARGUMENT). */
export class RequestValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestValidationError';
  }
}

/** Unknown model or model version (HTTP 404, gRPC NOT_FOUND). */
export class UnknownModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownModelError';
  }
}

/** Request body over the configured limit, compressed or decompressed (HTTP 413, gRPC RESOURCE_EXHAUSTED). */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number, what = 'request body') {
    super(`${what} exceeds the limit of ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * A feature the protocol defines that this server does not offer (HTTP 400 as Triton answers, gRPC
 * UNIMPLEMENTED), or an operation its set-up forbids (`grpcCode` FAILED_PRECONDITION, gRPC's 400 for it).
 */
export class UnsupportedError extends Error {
  constructor(message: string, readonly httpStatus = 400, readonly grpcCode: GrpcCode = GrpcCode.UNIMPLEMENTED) {
    super(message);
    this.name = 'UnsupportedError';
  }
}

/** gRPC status codes used here (values from grpc's `status.h`, so this module needs no gRPC import). */
export const GrpcCode = {
  CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** How any error is answered, whatever the protocol. */
export interface ErrorAnswer {
  http: number;
  grpc: GrpcCode;
  message: string;
  /** Seconds a client should wait before retrying (HTTP Retry-After, gRPC `retry-after` metadata). */
  retryAfterS?: number;
}

/** nginx's "client closed request": nobody reads it, but logs and metrics see why. */
export const CLIENT_CLOSED_REQUEST = 499;

interface Row { http: number; grpc: GrpcCode; retry: boolean }

const SERVICE_ERRORS: Record<ServiceErrorKind, Row> = {
  queue_full: { http: 503, grpc: GrpcCode.UNAVAILABLE, retry: true },
  overloaded: { http: 503, grpc: GrpcCode.UNAVAILABLE, retry: true },
  deadline: { http: 504, grpc: GrpcCode.DEADLINE_EXCEEDED, retry: false },
  cancelled: { http: CLIENT_CLOSED_REQUEST, grpc: GrpcCode.CANCELLED, retry: false },
  shutting_down: { http: 503, grpc: GrpcCode.UNAVAILABLE, retry: true },
  not_ready: { http: 503, grpc: GrpcCode.UNAVAILABLE, retry: true },
  no_worker: { http: 503, grpc: GrpcCode.UNAVAILABLE, retry: true },
  bad_request: { http: 400, grpc: GrpcCode.INVALID_ARGUMENT, retry: false },
  worker_failed: { http: 500, grpc: GrpcCode.INTERNAL, retry: false },
};

const client = (http: number, grpc: GrpcCode, message: string): ErrorAnswer => ({ http, grpc, message });

/**
 * Map any thrown value to its answer. Unknown errors become 500 / INTERNAL without leaking details;
 * `other` lets a transport map its own error types first (e.g. Hono's HTTPException).
 */
export function toErrorAnswer(err: unknown, other?: (err: unknown) => ErrorAnswer | undefined): ErrorAnswer {
  if (err instanceof ServiceError) {
    const row = SERVICE_ERRORS[err.kind];
    return {
      http: row.http, grpc: row.grpc, message: err.message,
      ...(row.retry ? { retryAfterS: Math.max(1, Math.ceil(err.retryAfterS ?? 1)) } : {}),
    };
  }
  if (err instanceof RequestValidationError) return client(400, GrpcCode.INVALID_ARGUMENT, err.message);
  if (err instanceof UnknownModelError) return client(404, GrpcCode.NOT_FOUND, err.message);
  if (err instanceof BodyTooLargeError) return client(413, GrpcCode.RESOURCE_EXHAUSTED, err.message);
  if (err instanceof UnsupportedError) return client(err.httpStatus, err.grpcCode, err.message);
  const mapped = other?.(err);
  if (mapped) return mapped;
  return { http: 500, grpc: GrpcCode.INTERNAL, message: 'internal server error' };
}

/**
 * The event-stream reason of an error raised outside the service (a request refused before it reached it):
 * its own kind for a ServiceError, `bad_request` for the client's mistakes, else `worker_failed`.
 */
export function refusalReasonOf(err: unknown, isClientError: (err: unknown) => boolean = () => false): RefusalReason {
  if (err instanceof ServiceError) return err.kind;
  const client = err instanceof RequestValidationError || err instanceof UnknownModelError || err instanceof BodyTooLargeError
    || err instanceof UnsupportedError || isClientError(err);
  return client ? 'bad_request' : 'worker_failed';
}
