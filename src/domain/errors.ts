/**
 * The error catalogue: every error an HTTP client can get from us, with a stable `code` and its
 * status. Sources return these codes as values (`Rejection`); the HTTP edge answers
 * `{"error": {"code": "...", "message": "..."}}`.
 */
export const errorCatalogue = {
  NOT_FOUND: { status: 404, message: 'No such endpoint.' },
  UNKNOWN_WEBHOOK_TOKEN: { status: 404, message: 'Unknown webhook token: check the URL pasted into the chat platform.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  NOT_IMPLEMENTED: { status: 501, message: 'This method is not implemented.' },
  UNSUPPORTED_CONTENT_TYPE: { status: 415, message: 'Unsupported Content-Type.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The body is larger than the 4 MiB limit.' },
  MALFORMED_BODY: { status: 400, message: 'The body could not be read.' },
  MISSING_DATA_FIELD: { status: 400, message: 'The form has no `data` field: Olark sends the transcript as data=<JSON>.' },
  MALFORMED_JSON: { status: 400, message: 'The body is not valid JSON.' },
  INVALID_PAYLOAD: { status: 422, message: 'The body does not have the expected shape.' },
  INVALID_QUERY: { status: 400, message: 'A query parameter has an invalid value.' },
  MISSING_SIGNATURE: { status: 400, message: 'The request carries no valid signature header.' },
  INVALID_SIGNATURE: { status: 401, message: 'The signature does not match the body: check the webhook secret.' },
  WEBHOOK_SECRET_NOT_SET: { status: 401, message: 'This platform’s webhook secret is not configured on our side, so its requests cannot be authenticated.' },
  METRICS_UNAUTHORIZED: { status: 401, message: 'GET /metrics needs the header `Authorization: Bearer <METRICS_TOKEN>`.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is shutting down or its storage is unavailable; try again.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side; it has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;
