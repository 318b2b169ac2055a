/**
 * The step part of the failure catalogue (errors.ts puts both parts together): every code a step
 * fails with, its kind, one line for the operator, and whether retrying helps. The console shows
 * the line beside the stored error; the agent's page shows the error itself only for `forAgent`.
 */

/**
 * Whether trying a failed step again can work: `helps` (a passing fault: the service retries on
 * its own, and a replay after the fault passed works), `after a fix` (a person must change a
 * setting, token or CRM field first, then replay), `no` (a replay fails the same way).
 */
export type RetryHelps = 'helps' | 'after a fix' | 'no';

export interface StepErrorHint {
  /**
   * `transient`: worth another try later (5xx, 429, network), the pipeline retries on its
   * schedule; `permanent`: a person must fix something first, the step is dead at once.
   */
  readonly kind: 'transient' | 'permanent';
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

/** The codes steps fail with, each with one line for the operator (test/domain/step-errors.test.ts checks each code used has one). */
export const stepErrorCatalogue = {
  // Any step
  // The time limit around every outside call (src/pipeline/outside-call.ts): CRM_TIMEOUT_MS for a CRM call, the step timeout for a platform's.
  CALL_TIMEOUT: {
    kind: 'transient',
    retry: 'helps',
    hint: 'The CRM or platform did not answer in time (CRM_TIMEOUT_MS for a CRM); it is retried on its own. If it keeps happening, check that service’s status page, or raise CRM_TIMEOUT_MS if the CRM is slow.',
  },
  INTERNAL_ERROR: {
    kind: 'transient',
    retry: 'helps',
    hint: 'An unexpected error in chat2crm (see the service log for the stack); it is retried, but report it if it persists.',
  },
  EXPIRED: { kind: 'permanent', retry: 'no', hint: 'The step came too late to be of use (the chat was over); nothing to do.' },
  SOURCE_CANNOT: { kind: 'permanent', retry: 'no', hint: 'This platform cannot run this step: a bug in chat2crm, please report it.' },
  // CRM (every connector)
  CRM_UNAVAILABLE: {
    kind: 'transient',
    retry: 'helps',
    hint: 'The CRM is down or unreachable; retried on its own. Replay once the CRM is back.',
  },
  // One HTTP request of a connector timed out (its own limit). Until 2026-12 the limit around the
  // whole CRM call failed with this code too; it is CALL_TIMEOUT now, and steps stored then keep this line.
  CRM_TIMEOUT: {
    kind: 'transient',
    retry: 'helps',
    hint: 'The CRM did not answer a request in time (HUBSPOT_TIMEOUT_MS, SALESFORCE_TIMEOUT_MS, or CRM_TIMEOUT_MS for the whole call); retried on its own. Raise the limit if the CRM is slow.',
  },
  CRM_RATE_LIMITED: {
    kind: 'transient',
    retry: 'helps',
    hint: 'The CRM asked us to slow down; retried after its wait, without using up tries.',
  },
  CRM_CONFLICT: {
    kind: 'transient',
    retry: 'helps',
    hint: 'Another request wrote the same record at the same moment; retried as an update.',
  },
  CRM_BAD_RESPONSE: {
    kind: 'transient',
    retry: 'helps',
    hint: 'The CRM sent an answer that could not be read; retried. If it persists, the CRM’s API may have changed: report it.',
  },
  CRM_UNAUTHORIZED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'The CRM refused the credentials: set a valid token or login (the error names the key), restart, then replay.',
    forAgent: true,
  },
  CRM_FORBIDDEN: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'The CRM user lacks a permission or scope (named in the error): grant it, then replay.',
  },
  CRM_CONFIG: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'A CRM setting is wrong or missing (named in the error): fix it, restart, then replay.',
    forAgent: true,
  },
  CRM_MISSING_FIELD: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'A field chat2crm writes is missing in the CRM or not writable (named in the error): create it or grant access (npm run setup creates HubSpot’s), then replay.',
    forAgent: true,
  },
  CRM_VALIDATION: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'The CRM refused a field’s value or requires a field chat2crm does not fill (named in the error): change that field’s rule in the CRM, then replay.',
    forAgent: true,
  },
  CRM_DUPLICATE_EXTERNAL_ID: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'Several CRM records share this conversation’s id: merge them and mark the field unique, then replay.',
  },
  CRM_REJECTED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'The CRM refused the record for a reason chat2crm does not know: read the error, fix it in the CRM, then replay.',
  },
  // LiveChat
  LIVECHAT_NOT_CONFIGURED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'LiveChat API credentials are not set (the key is named in the error): set them, restart, then replay.',
    forAgent: true,
  },
  LIVECHAT_UNAUTHORIZED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'LiveChat refused the credentials: set a valid LIVECHAT_PAT (and account id), restart, then replay.',
    forAgent: true,
  },
  LIVECHAT_FORBIDDEN: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'The LiveChat token lacks a scope (named in the error): add it to the token, then replay.',
  },
  LIVECHAT_LICENSE: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'The LiveChat subscription behind the token is not active: check it, then replay.',
  },
  LIVECHAT_NOT_FOUND: {
    kind: 'permanent',
    retry: 'no',
    hint: 'LiveChat does not know this chat (deleted, or another license): nothing to replay.',
  },
  LIVECHAT_CHAT_INACTIVE: {
    kind: 'permanent',
    retry: 'no',
    hint: 'The chat was already over, so its link could not be shown in it; the record itself is in the CRM.',
  },
  LIVECHAT_VALIDATION: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'LiveChat refused what was sent (named in the error): report it if it persists.',
  },
  LIVECHAT_UNAVAILABLE: { kind: 'transient', retry: 'helps', hint: 'LiveChat is down or unreachable; retried on its own.' },
  LIVECHAT_TIMEOUT: { kind: 'transient', retry: 'helps', hint: 'LiveChat did not answer in time; retried on its own.' },
  LIVECHAT_BAD_ANSWER: {
    kind: 'transient',
    retry: 'helps',
    hint: 'LiveChat sent an answer that could not be read; retried. If it persists, report it.',
  },
  LIVECHAT_UNEXPECTED_ANSWER: {
    kind: 'permanent',
    retry: 'no',
    hint: 'LiveChat’s answer no longer has the shape chat2crm reads (the path is in the error): update chat2crm, or report it.',
  },
  // Transient: LiveChat may name the region on the next try; a person setting LIVECHAT_REGION ends it for good.
  LIVECHAT_MISDIRECTED: {
    kind: 'transient',
    retry: 'after a fix',
    hint: 'The LiveChat account is in another region: set LIVECHAT_REGION, restart, then replay.',
    forAgent: true,
  },
  LIVECHAT_REJECTED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'LiveChat refused the request (its status is in the error): read it, fix the cause, then replay.',
  },
  // LiveSupporti
  LIVESUPPORTI_NOT_CONFIGURED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'LiveSupporti API keys are not set (named in the error): set them, restart, then replay.',
    forAgent: true,
  },
  LIVESUPPORTI_UNAUTHORIZED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'LiveSupporti refused the API key: set valid LIVESUPPORTI_API_USER and LIVESUPPORTI_API_KEY, restart, then replay.',
    forAgent: true,
  },
  LIVESUPPORTI_NO_VISITOR: {
    kind: 'permanent',
    retry: 'no',
    hint: 'LiveSupporti sent no account and visitor id for this chat, so the link cannot be shown in it; the record is in the CRM.',
  },
  LIVESUPPORTI_REJECTED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'LiveSupporti refused the visitor details (the reason is in the error): fix the cause, then replay.',
    forAgent: true,
  },
  LIVESUPPORTI_UNAVAILABLE: { kind: 'transient', retry: 'helps', hint: 'LiveSupporti is down; retried on its own.' },
  LIVESUPPORTI_UNREACHABLE: { kind: 'transient', retry: 'helps', hint: 'LiveSupporti could not be reached; retried on its own.' },
  LIVESUPPORTI_TIMEOUT: { kind: 'transient', retry: 'helps', hint: 'LiveSupporti did not answer in time; retried on its own.' },
  // iAdvize
  IADVIZE_NOT_CONFIGURED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'iAdvize API credentials are not set (IADVIZE_USERNAME, IADVIZE_PASSWORD): set them, restart, then replay.',
    forAgent: true,
  },
  IADVIZE_BAD_CREDENTIALS: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'iAdvize refused the login: set valid IADVIZE_USERNAME and IADVIZE_PASSWORD, restart, then replay.',
    forAgent: true,
  },
  IADVIZE_UNAUTHORIZED: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'iAdvize refused the access token: check the iAdvize user, restart, then replay.',
  },
  IADVIZE_FORBIDDEN: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'The iAdvize user may not read this conversation: give it access to the project, then replay.',
  },
  IADVIZE_API_URL: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'The iAdvize address is wrong: check IADVIZE_API_URL (and IADVIZE_PLATFORM), restart, then replay.',
    forAgent: true,
  },
  IADVIZE_TOKEN_ANSWER: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'iAdvize’s login answered without a token: check IADVIZE_API_URL, restart, then replay.',
    forAgent: true,
  },
  IADVIZE_SCHEMA_MISMATCH: { kind: 'permanent', retry: 'no', hint: 'iAdvize’s API no longer accepts chat2crm’s query: update chat2crm.' },
  IADVIZE_INVALID_INPUT: {
    kind: 'permanent',
    retry: 'no',
    hint: 'iAdvize refused a value chat2crm sent (named in the error): report it.',
    forAgent: true,
  },
  IADVIZE_BAD_REQUEST: {
    kind: 'permanent',
    retry: 'after a fix',
    hint: 'iAdvize refused the request (its status is in the error): read it, fix the cause, then replay.',
  },
  IADVIZE_TOO_LONG: {
    kind: 'permanent',
    retry: 'no',
    hint: 'The conversation is longer than chat2crm reads from iAdvize; it cannot be fetched whole.',
  },
  IADVIZE_CONVERSATION_NOT_FOUND: {
    kind: 'transient',
    retry: 'helps',
    hint: 'iAdvize does not return this conversation yet; retried on its own.',
  },
  IADVIZE_UNAVAILABLE: { kind: 'transient', retry: 'helps', hint: 'iAdvize is down or unreachable; retried on its own.' },
  IADVIZE_TIMEOUT: { kind: 'transient', retry: 'helps', hint: 'iAdvize did not answer in time; retried on its own.' },
  IADVIZE_BAD_ANSWER: {
    kind: 'transient',
    retry: 'helps',
    hint: 'iAdvize sent an answer that could not be read; retried. If it persists, report it.',
  },
  IADVIZE_GRAPHQL_ERROR: {
    kind: 'transient',
    retry: 'helps',
    hint: 'iAdvize’s API answered with an error; retried. If it persists, read the code in the error.',
  },
} as const satisfies Record<string, StepErrorHint>;
