/**
 * The HTTP answer for every error: status, headers and message from the one table in
 * `protocol/errors.ts` (shared with gRPC), plus Hono's own HTTPException. How each counts in metrics is
 * src/metrics.ts's REFUSAL_ACCOUNTING.
 * @module
 */
import { HTTPException } from 'hono/http-exception';
import { GrpcCode, toErrorAnswer } from '../protocol/errors.ts';

export {
  BodyTooLargeError, CLIENT_CLOSED_REQUEST, RequestValidationError, UnknownModelError, UnsupportedError,
} from '../protocol/errors.ts';

/** The HTTP answer for an error. */
export interface ErrorResponse {
  status: number;
  message: string;
  headers: Record<string, string>;
}

/** Map any thrown value to its HTTP answer. Unknown errors become 500 without leaking details. */
export function toErrorResponse(err: unknown): ErrorResponse {
  const a = toErrorAnswer(err, (e) => (e instanceof HTTPException
    ? { http: e.status, grpc: GrpcCode.UNKNOWN, message: e.message || `HTTP ${e.status}` }
    : undefined));
  const headers: Record<string, string> = a.retryAfterS === undefined ? {} : { 'Retry-After': String(a.retryAfterS) };
  return { status: a.http, message: a.message, headers };
}
