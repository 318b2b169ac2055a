import * as t from 'io-ts';
import { knownKeys } from '../../domain/codecs';
import type { StepErrorCode } from '../../domain/errors';
import { permanent, RATE_LIMITED, transient, type CrmFailure } from '../../domain/outcome';
import type { Credentials } from './config';
import { OptionalText } from './wire-common';
import { sendProblem } from '../../net/http-client';

/**
 * LiveChat's errors, classified once. The Agent Chat API answers `{"error": {"type", "message",
 * "data"?}}` (https://platform.text.com/docs/messaging/agent-chat-api#errors); the HTTP status of
 * each type is not documented, so the type decides and the status is only the fallback
 * (undocumented). Messages name the key to fix and never carry LiveChat's own
 * message text, which may quote ids or emails.
 */

export const ErrorBody = knownKeys(
  t.type({
    error: knownKeys(
      t.intersection([
        t.type({ type: t.string }),
        t.partial({ message: OptionalText, data: knownKeys(t.partial({ region: OptionalText })) }),
      ]),
    ),
  }),
);
export type ErrorBody = t.TypeOf<typeof ErrorBody>;

export const CODES = {
  notConfigured: 'LIVECHAT_NOT_CONFIGURED',
  unauthorized: 'LIVECHAT_UNAUTHORIZED',
  forbidden: 'LIVECHAT_FORBIDDEN',
  notFound: 'LIVECHAT_NOT_FOUND',
  chatInactive: 'LIVECHAT_CHAT_INACTIVE',
  validation: 'LIVECHAT_VALIDATION',
  license: 'LIVECHAT_LICENSE',
  unavailable: 'LIVECHAT_UNAVAILABLE',
  timeout: 'LIVECHAT_TIMEOUT',
  badAnswer: 'LIVECHAT_BAD_ANSWER',
  unexpectedAnswer: 'LIVECHAT_UNEXPECTED_ANSWER',
  misdirected: 'LIVECHAT_MISDIRECTED',
  rejected: 'LIVECHAT_REJECTED',
} as const satisfies Record<string, StepErrorCode>;

/** The scope each action needs (agent-chat-api "Methods"), so a refusal says what to grant. */
const SCOPES: Readonly<Record<string, string>> = {
  get_chat: 'chats--all:ro',
  list_threads: 'chats--all:ro',
  list_chats: 'chats--all:ro',
  list_archives: 'chats--all:ro',
  get_customer: 'customers:ro',
  update_customer: 'customers:rw',
  send_event: 'chats--all:rw',
  add_user_to_chat: 'chats--all:rw',
};

const credentialKeys = (credentials: Credentials): string =>
  credentials.kind === 'bearer'
    ? 'LIVECHAT_ACCESS_TOKEN (access tokens expire after 8 hours; a LIVECHAT_PAT does not)'
    : 'LIVECHAT_PAT and LIVECHAT_ACCOUNT_ID';

/** What to wait after a 429: `Retry-After` when sent, else a short pause (LiveChat publishes no limits). */
const DEFAULT_RATE_WAIT_MS = 10_000;

export interface FailedAnswer {
  readonly action: string;
  readonly status: number;
  readonly type: string | undefined;
  readonly retryAfterMs: number | undefined;
}

export const classify = (answer: FailedAnswer, credentials: Credentials): CrmFailure => {
  const { action, status, type } = answer;
  const extra = { status };
  const what = `LiveChat ${action}`;
  switch (type) {
    case 'authentication':
      return permanent(
        CODES.unauthorized,
        `${what}: the credentials were refused (authentication); check ${credentialKeys(credentials)}`,
        extra,
      );
    case 'authorization':
    case 'missing_access':
      return permanent(
        CODES.forbidden,
        `${what}: not allowed (${type}); give the token behind ${credentialKeys(credentials)} the scope ${SCOPES[action] ?? 'this action needs'}`,
        extra,
      );
    case 'license_expired':
    case 'license_not_found':
    case 'wrong_product_version':
    case 'unsupported_version':
      return permanent(CODES.license, `${what}: ${type}; check the LiveChat subscription behind ${credentialKeys(credentials)}`, extra);
    case 'not_found':
      return permanent(CODES.notFound, `${what}: not found`, extra);
    case 'chat_inactive':
      return permanent(CODES.chatInactive, `${what}: the chat is no longer active`, extra);
    case 'validation':
    case 'entity_too_large':
    case 'limit_reached':
    case 'agent_offline':
      return permanent(CODES.validation, `${what}: refused (${type})`, extra);
    case 'too_many_requests':
      return transient(RATE_LIMITED, `${what}: rate limited; retrying later`, {
        status,
        retryAfterMs: answer.retryAfterMs ?? DEFAULT_RATE_WAIT_MS,
      });
    case 'service_unavailable':
    case 'internal':
    case 'request_timeout':
      return transient(
        CODES.unavailable,
        `${what}: ${type} (HTTP ${status}); retrying later`,
        answer.retryAfterMs === undefined ? extra : { status, retryAfterMs: answer.retryAfterMs },
      );
    case 'misdirected_request':
      // Reached only when the retry in the named region was misdirected too.
      return transient(CODES.misdirected, `${what}: misdirected twice; set LIVECHAT_REGION to the account's region`, extra);
    default:
      break;
  }
  if (status === 429)
    return transient(RATE_LIMITED, `${what}: rate limited; retrying later`, {
      status,
      retryAfterMs: answer.retryAfterMs ?? DEFAULT_RATE_WAIT_MS,
    });
  if (status === 401) return permanent(CODES.unauthorized, `${what}: HTTP 401; check ${credentialKeys(credentials)}`, extra);
  if (status === 403) return permanent(CODES.forbidden, `${what}: HTTP 403; check the scopes of ${credentialKeys(credentials)}`, extra);
  if (status >= 500 || status === 408) return transient(CODES.unavailable, `${what}: HTTP ${status}; retrying later`, extra);
  return permanent(CODES.rejected, `${what}: HTTP ${status}${type === undefined ? '' : ` (${type.slice(0, 40)})`}`, extra);
};

/** A network-level failure (timeout, refused, reset), described without personal data. */
export const networkFailure = (e: unknown, what: string, timeoutMs: number): CrmFailure | undefined => {
  const problem = sendProblem(e);
  if (problem?.kind === 'timeout') return transient(CODES.timeout, `${what}: no answer within ${timeoutMs} ms; retrying later`);
  if (problem?.kind === 'network') return transient(CODES.unavailable, `${what}: unreachable (${problem.code}); retrying later`);
  return undefined;
};
