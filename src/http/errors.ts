/**
 * Every error the HTTP layer can answer with, and the one table that maps them to a status and headers
 * (how each counts in metrics is src/metrics.ts's REFUSAL_ACCOUNTING).
 * @module
 */
import { HTTPException } from 'hono/http-exception';
import { ServiceError, type ServiceErrorKind } from '../serving/types.ts';

/** A request the server will not accept as sent (400). */
export class RequestValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestValidationError';
  }
}

/** Unknown model or model version in the URL (404). */
export class UnknownModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownModelError';
  }
}

/** Request body over the configured limit (413). */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body exceeds the limit of ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The HTTP answer for an error. */
export interface ErrorResponse {
  status: number;
  message: string;
  headers: Record<string, string>;
}

/** nginx's "client closed request": nobody reads it, but logs and metrics see why. */
export const CLIENT_CLOSED_REQUEST = 499;

const SERVICE_ERRORS: Record<ServiceErrorKind, { status: number; retry: boolean }> = {
  queue_full: { status: 503, retry: true },
  overloaded: { status: 503, retry: true },
  deadline: { status: 504, retry: false },
  cancelled: { status: CLIENT_CLOSED_REQUEST, retry: false },
  shutting_down: { status: 503, retry: true },
  not_ready: { status: 503, retry: true },
  bad_request: { status: 400, retry: false },
  worker_failed: { status: 500, retry: false },
};

/** Map any thrown value to its HTTP answer. Unknown errors become 500 without leaking details. */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof ServiceError) {
    const row = SERVICE_ERRORS[err.kind];
    const headers: Record<string, string> = {};
    if (row.retry) headers['Retry-After'] = String(Math.max(1, Math.ceil(err.retryAfterS ?? 1)));
    return { status: row.status, message: err.message, headers };
  }
  if (err instanceof RequestValidationError) return clientError(400, err.message);
  if (err instanceof UnknownModelError) return clientError(404, err.message);
  if (err instanceof BodyTooLargeError) return clientError(413, err.message);
  if (err instanceof HTTPException) return clientError(err.status, err.message || `HTTP ${err.status}`);
  return { status: 500, message: 'internal server error', headers: {} };
}

function clientError(status: number, message: string): ErrorResponse {
  return { status, message, headers: {} };
}
