/**
 * The HTTP answer for every error: the status, headers and body from the one table in
 * `protocol/errors.ts` (shared with gRPC), plus Hono's own HTTPException.
 * @module
 */
import { HTTPException } from 'hono/http-exception';
import type { FailureReason } from '../metrics.ts';
import { GrpcCode, toErrorAnswer } from '../protocol/errors.ts';

export {
  BodyTooLargeError, CLIENT_CLOSED_REQUEST, RequestValidationError, UnknownModelError, UnsupportedError,
} from '../protocol/errors.ts';

/** The HTTP answer for an error. */
export interface ErrorResponse {
  status: number;
  message: string;
  headers: Record<string, string>;
  reason: FailureReason;
  /** Counts as an answered-but-late request for SLO attainment. */
  sloMissed: boolean;
}

/** Map any thrown value to its HTTP answer. Unknown errors become 500 without leaking details. */
export function toErrorResponse(err: unknown): ErrorResponse {
  const a = toErrorAnswer(err, (e) => (e instanceof HTTPException
    ? { http: e.status, grpc: GrpcCode.UNKNOWN, message: e.message || `HTTP ${e.status}`, reason: 'OTHER', sloMissed: false }
    : undefined));
  const headers: Record<string, string> = a.retryAfterS === undefined ? {} : { 'Retry-After': String(a.retryAfterS) };
  return { status: a.http, message: a.message, headers, reason: a.reason, sloMissed: a.sloMissed };
}
