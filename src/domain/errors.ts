/**
 * The error catalogues. `errorCatalogue`: every error an HTTP client can get from us, with a
 * stable `code` and its status. Sources return these codes as values (`Rejection`); the HTTP edge
 * answers `{"error": {"code": "...", "message": "..."}}`. `stepErrorCatalogue` (below): every code
 * a step can fail with, and what the operator can do about it.
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
  WEBHOOK_SECRET_NOT_SET: {
    status: 401,
    message: 'This platform’s webhook secret is not configured on our side, so its requests cannot be authenticated.',
  },
  METRICS_UNAUTHORIZED: { status: 401, message: 'GET /metrics needs the header `Authorization: Bearer <METRICS_TOKEN>`.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is shutting down or its storage is unavailable; try again.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side; it has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/**
 * Whether trying a failed step again can work: `helps` (a passing fault: the service retries on
 * its own, and a replay after the fault passed works), `after a fix` (a person must change a
 * setting, token or CRM field first, then replay), `no` (a replay fails the same way).
 */
export type RetryHelps = 'helps' | 'after a fix' | 'no';

export interface StepErrorHint {
  /** One line: what the operator can do. */
  readonly hint: string;
  readonly retry: RetryHelps;
  /**
   * The message is a reason for the agent too, and the agent-facing page shows it: it names the
   * CRM field or the configuration key at fault (never a key's value), or is the platform's own
   * word about this chat (LiveSupporti's "Visitor is offline."). Other errors stay in the console.
   */
  readonly forAgent?: true;
}

/**
 * The codes of the failures steps end with (the `code` of a transient or permanent failure:
 * connectors, platform clients, the pipeline), each with one line for the operator. The console
 * shows it beside the error. A code missing here is a failing test (test/domain/errors.test.ts).
 */
export const stepErrorCatalogue = {
  // Any step
  CALL_TIMEOUT: {
    retry: 'helps',
    hint: 'The CRM or platform did not answer in time; it is retried on its own. If it keeps happening, check that service’s status page.',
  },
  INTERNAL_ERROR: {
    retry: 'helps',
    hint: 'An unexpected error in chat2crm (see the service log for the stack); it is retried, but report it if it persists.',
  },
  EXPIRED: { retry: 'no', hint: 'The step came too late to be of use (the chat was over); nothing to do.' },
  SOURCE_CANNOT: { retry: 'no', hint: 'This platform cannot run this step: a bug in chat2crm, please report it.' },
  // CRM (every connector)
  CRM_UNAVAILABLE: { retry: 'helps', hint: 'The CRM is down or unreachable; retried on its own. Replay once the CRM is back.' },
  CRM_TIMEOUT: {
    retry: 'helps',
    hint: 'The CRM did not answer within CRM_TIMEOUT_MS; retried on its own. Raise CRM_TIMEOUT_MS if the CRM is slow.',
  },
  CRM_RATE_LIMITED: { retry: 'helps', hint: 'The CRM asked us to slow down; retried after its wait, without using up tries.' },
  CRM_CONFLICT: { retry: 'helps', hint: 'Another request wrote the same record at the same moment; retried as an update.' },
  CRM_BAD_RESPONSE: {
    retry: 'helps',
    hint: 'The CRM sent an answer that could not be read; retried. If it persists, the CRM’s API may have changed: report it.',
  },
  CRM_UNAUTHORIZED: {
    retry: 'after a fix',
    hint: 'The CRM refused the credentials: set a valid token or login (the error names the key), restart, then replay.',
    forAgent: true,
  },
  CRM_FORBIDDEN: { retry: 'after a fix', hint: 'The CRM user lacks a permission or scope (named in the error): grant it, then replay.' },
  CRM_CONFIG: {
    retry: 'after a fix',
    hint: 'A CRM setting is wrong or missing (named in the error): fix it, restart, then replay.',
    forAgent: true,
  },
  CRM_MISSING_FIELD: {
    retry: 'after a fix',
    hint: 'A field chat2crm writes is missing in the CRM or not writable (named in the error): create it or grant access (npm run setup creates HubSpot’s), then replay.',
    forAgent: true,
  },
  CRM_VALIDATION: {
    retry: 'after a fix',
    hint: 'The CRM refused a field’s value or requires a field chat2crm does not fill (named in the error): change that field’s rule in the CRM, then replay.',
    forAgent: true,
  },
  CRM_DUPLICATE_EXTERNAL_ID: {
    retry: 'after a fix',
    hint: 'Several CRM records share this conversation’s id: merge them and mark the field unique, then replay.',
  },
  CRM_REJECTED: {
    retry: 'after a fix',
    hint: 'The CRM refused the record for a reason chat2crm does not know: read the error, fix it in the CRM, then replay.',
  },
  // LiveChat
  LIVECHAT_NOT_CONFIGURED: {
    retry: 'after a fix',
    hint: 'LiveChat API credentials are not set (the key is named in the error): set them, restart, then replay.',
    forAgent: true,
  },
  LIVECHAT_UNAUTHORIZED: {
    retry: 'after a fix',
    hint: 'LiveChat refused the credentials: set a valid LIVECHAT_PAT (and account id), restart, then replay.',
    forAgent: true,
  },
  LIVECHAT_FORBIDDEN: {
    retry: 'after a fix',
    hint: 'The LiveChat token lacks a scope (named in the error): add it to the token, then replay.',
  },
  LIVECHAT_LICENSE: { retry: 'after a fix', hint: 'The LiveChat subscription behind the token is not active: check it, then replay.' },
  LIVECHAT_NOT_FOUND: { retry: 'no', hint: 'LiveChat does not know this chat (deleted, or another license): nothing to replay.' },
  LIVECHAT_CHAT_INACTIVE: {
    retry: 'no',
    hint: 'The chat was already over, so its link could not be shown in it; the record itself is in the CRM.',
  },
  LIVECHAT_VALIDATION: { retry: 'after a fix', hint: 'LiveChat refused what was sent (named in the error): report it if it persists.' },
  LIVECHAT_UNAVAILABLE: { retry: 'helps', hint: 'LiveChat is down or unreachable; retried on its own.' },
  LIVECHAT_TIMEOUT: { retry: 'helps', hint: 'LiveChat did not answer in time; retried on its own.' },
  LIVECHAT_BAD_ANSWER: { retry: 'helps', hint: 'LiveChat sent an answer that could not be read; retried. If it persists, report it.' },
  LIVECHAT_MISDIRECTED: {
    retry: 'after a fix',
    hint: 'The LiveChat account is in another region: set LIVECHAT_REGION, restart, then replay.',
    forAgent: true,
  },
  LIVECHAT_REJECTED: {
    retry: 'after a fix',
    hint: 'LiveChat refused the request (its status is in the error): read it, fix the cause, then replay.',
  },
  // LiveSupporti
  LIVESUPPORTI_NOT_CONFIGURED: {
    retry: 'after a fix',
    hint: 'LiveSupporti API keys are not set (named in the error): set them, restart, then replay.',
    forAgent: true,
  },
  LIVESUPPORTI_UNAUTHORIZED: {
    retry: 'after a fix',
    hint: 'LiveSupporti refused the API key: set valid LIVESUPPORTI_API_USER and LIVESUPPORTI_API_KEY, restart, then replay.',
    forAgent: true,
  },
  LIVESUPPORTI_NO_VISITOR: {
    retry: 'no',
    hint: 'LiveSupporti sent no account and visitor id for this chat, so the link cannot be shown in it; the record is in the CRM.',
  },
  LIVESUPPORTI_REJECTED: {
    retry: 'after a fix',
    hint: 'LiveSupporti refused the visitor details (the reason is in the error): fix the cause, then replay.',
    forAgent: true,
  },
  LIVESUPPORTI_UNAVAILABLE: { retry: 'helps', hint: 'LiveSupporti is down; retried on its own.' },
  LIVESUPPORTI_UNREACHABLE: { retry: 'helps', hint: 'LiveSupporti could not be reached; retried on its own.' },
  LIVESUPPORTI_TIMEOUT: { retry: 'helps', hint: 'LiveSupporti did not answer in time; retried on its own.' },
  // iAdvize
  IADVIZE_NOT_CONFIGURED: {
    retry: 'after a fix',
    hint: 'iAdvize API credentials are not set (IADVIZE_USERNAME, IADVIZE_PASSWORD): set them, restart, then replay.',
    forAgent: true,
  },
  IADVIZE_BAD_CREDENTIALS: {
    retry: 'after a fix',
    hint: 'iAdvize refused the login: set valid IADVIZE_USERNAME and IADVIZE_PASSWORD, restart, then replay.',
    forAgent: true,
  },
  IADVIZE_UNAUTHORIZED: { retry: 'after a fix', hint: 'iAdvize refused the access token: check the iAdvize user, restart, then replay.' },
  IADVIZE_FORBIDDEN: {
    retry: 'after a fix',
    hint: 'The iAdvize user may not read this conversation: give it access to the project, then replay.',
  },
  IADVIZE_API_URL: {
    retry: 'after a fix',
    hint: 'The iAdvize address is wrong: check IADVIZE_API_URL (and IADVIZE_PLATFORM), restart, then replay.',
    forAgent: true,
  },
  IADVIZE_TOKEN_ANSWER: {
    retry: 'after a fix',
    hint: 'iAdvize’s login answered without a token: check IADVIZE_API_URL, restart, then replay.',
    forAgent: true,
  },
  IADVIZE_SCHEMA_MISMATCH: { retry: 'no', hint: 'iAdvize’s API no longer accepts chat2crm’s query: update chat2crm.' },
  IADVIZE_INVALID_INPUT: { retry: 'no', hint: 'iAdvize refused a value chat2crm sent (named in the error): report it.', forAgent: true },
  IADVIZE_BAD_REQUEST: {
    retry: 'after a fix',
    hint: 'iAdvize refused the request (its status is in the error): read it, fix the cause, then replay.',
  },
  IADVIZE_TOO_LONG: { retry: 'no', hint: 'The conversation is longer than chat2crm reads from iAdvize; it cannot be fetched whole.' },
  IADVIZE_CONVERSATION_NOT_FOUND: { retry: 'helps', hint: 'iAdvize does not return this conversation yet; retried on its own.' },
  IADVIZE_UNAVAILABLE: { retry: 'helps', hint: 'iAdvize is down or unreachable; retried on its own.' },
  IADVIZE_TIMEOUT: { retry: 'helps', hint: 'iAdvize did not answer in time; retried on its own.' },
  IADVIZE_BAD_ANSWER: { retry: 'helps', hint: 'iAdvize sent an answer that could not be read; retried. If it persists, report it.' },
  IADVIZE_GRAPHQL_ERROR: {
    retry: 'helps',
    hint: 'iAdvize’s API answered with an error; retried. If it persists, read the code in the error.',
  },
} as const satisfies Record<string, StepErrorHint>;

export type StepErrorCode = keyof typeof stepErrorCatalogue;

const isStepErrorCode = (code: string): code is StepErrorCode => Object.hasOwn(stepErrorCatalogue, code);

/** The catalogue's line for a step error's code (`CRM_UNAUTHORIZED`, see storage/console.ts errorCode); undefined for a code it does not know. */
export const stepErrorHint = (code: string): StepErrorHint | undefined => (isStepErrorCode(code) ? stepErrorCatalogue[code] : undefined);
