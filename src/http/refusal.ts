/**
 * The one classification of a failed request: whatever was thrown (our `HttpError`, or a Koa or
 * raw-body error carrying an HTTP status) becomes one stable code of the catalogue with its
 * status and message. The answer (errorHandler), the webhook edge's log line and metrics, and
 * the console's "last refused webhook" (webhook-rejections.ts) all read it here, so a 413 is
 * PAYLOAD_TOO_LARGE in each of them.
 */
import { HttpError, type ErrorCode } from './errors';

/**
 * Statuses that Koa (`ctx.throw`) and raw-body (https://github.com/stream-utils/raw-body#errors)
 * throw with, as our codes; raw-body's 400s (aborted request, wrong length) mean the body could
 * not be read.
 */
const BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'MALFORMED_BODY',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_CONTENT_TYPE',
  501: 'NOT_IMPLEMENTED',
};

/** The catalogue entry for what was thrown; `undefined`: not a known refusal (a bug, answered 500 INTERNAL). */
export const refusalOf = (error: unknown): HttpError | undefined => {
  if (error instanceof HttpError) return error;
  if (typeof error !== 'object' || error === null || !('status' in error) || typeof error.status !== 'number') return undefined;
  const code = BY_STATUS[error.status];
  return code === undefined ? undefined : new HttpError(code);
};

/** A refusal of the client's request (4xx), as opposed to our own failure (5xx). */
export const isClientRefusal = (refusal: HttpError | undefined): refusal is HttpError => refusal !== undefined && refusal.status < 500;
