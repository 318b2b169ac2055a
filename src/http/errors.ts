/**
 * The error catalogue: every error an HTTP client can get from us, with a stable `code`.
 * Answers look like `{"error": {"code": "...", "message": "..."}}`.
 */
export const errorCatalogue = {
  NOT_FOUND: { status: 404, message: 'No such endpoint.' },
  UNKNOWN_WEBHOOK_TOKEN: { status: 404, message: 'Unknown webhook token: check the URL pasted into the chat platform.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  UNSUPPORTED_CONTENT_TYPE: { status: 415, message: 'Send application/x-www-form-urlencoded with a `data` field, or application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The body is larger than the 1 MiB limit.' },
  MALFORMED_BODY: { status: 400, message: 'The body could not be read.' },
  MISSING_DATA_FIELD: { status: 400, message: 'The form has no `data` field: Olark sends the transcript as data=<JSON>.' },
  MALFORMED_JSON: { status: 400, message: 'The transcript is not valid JSON.' },
  INVALID_PAYLOAD: { status: 422, message: 'The transcript does not have the expected shape.' },
  INVALID_QUERY: { status: 400, message: 'A query parameter has an invalid value.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is shutting down or its storage is unavailable; try again.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side; it has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

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
