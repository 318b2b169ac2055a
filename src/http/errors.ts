import { errorCatalogue, type ErrorCode } from '../domain/errors';

export { errorCatalogue, type ErrorCode } from '../domain/errors';

/** An error meant for the client: its code, HTTP status and a message that says what is wrong. */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, detail?: string) {
    const entry = errorCatalogue[code];
    super(detail === undefined ? entry.message : `${entry.message} ${detail}`);
    this.name = 'HttpError';
    this.code = code;
    this.status = entry.status;
  }
}

export const httpError = (code: ErrorCode, detail?: string): HttpError => new HttpError(code, detail);
