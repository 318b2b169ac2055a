import * as t from 'io-ts';
import { parseJsonSafe } from '../../domain/json';
import type { Log } from '../../domain/log';
import { fail, succeed, type Outcome } from '../../domain/outcome';
import type { ConversationView, ShownLink } from '../../domain/source';
import type { AgentApi } from './agent-api';
import { AnyAnswer, GetCustomerAnswer } from './api-wire';
import { META } from './decode';
import { CODES } from './failures';
import { listOf } from './wire-common';

/**
 * The v3 `notify` step: the link goes into the customer's session fields, where
 * agents see it beside the chat, and, while the chat is active, into an agents-only message.
 *
 * `update_customer` may replace `session_fields` as a whole (undocumented:
 * https://platform.text.com/docs/messaging/agent-chat-api "Update Customer"), so they are read
 * first and written back with ours merged in. `send_event` needs the requester in the chat (v3.4+
 * changelog), so our agent joins first, agents-only and without being "present", when the chat's
 * users do not list it. A message LiveChat refuses (chat over, not allowed) is no failure once the
 * session field holds the link.
 */

export const SESSION_FIELD = 'crm_record_url';

/** The customer's fields with ours last; every other key and entry kept as it was, in order. */
export const mergeSessionFields = (
  existing: readonly Readonly<Record<string, unknown>>[],
  key: string,
  value: string,
): Record<string, unknown>[] => {
  const kept = existing
    .map((entry) => Object.fromEntries(Object.entries(entry).filter(([k]) => k !== key)))
    .filter((entry) => Object.keys(entry).length > 0);
  return [...kept, Object.fromEntries([[key, value]])];
};

export const agentMessage = (link: ShownLink): string => `CRM ${link.label}: ${link.url}`;

/** Refusals of the agents-only message that leave nothing to retry. */
const REFUSED = new Set<string>([CODES.chatInactive, CODES.forbidden, CODES.validation, CODES.notFound]);

export interface NotifyDeps {
  readonly api: AgentApi;
  readonly agentId: string | undefined;
  readonly log: Log;
  readonly now?: () => Date;
}

/** How long the session fields read by the fetch may stand in for a fresh read (notify usually runs right after it). */
const FRESH_MS = 60_000;

const SessionFields = listOf(t.UnknownRecord);

/** The session fields the fetch read, while they are fresh; else undefined (read them again). */
const freshSessionFields = (view: ConversationView, now: Date): readonly Readonly<Record<string, unknown>>[] | undefined => {
  const at = Date.parse(view.meta[META.sessionFieldsAt] ?? '');
  const text = view.meta[META.sessionFields];
  if (text === undefined || !Number.isFinite(at) || now.getTime() - at > FRESH_MS || now.getTime() < at) return undefined;
  const parsed = parseJsonSafe(text, 'session fields');
  if (parsed._tag === 'Left') return undefined;
  const fields = SessionFields.decode(parsed.right);
  return fields._tag === 'Right' ? fields.right : undefined;
};

const writeSessionField = async (
  api: AgentApi,
  view: ConversationView,
  customerId: string,
  url: string,
  now: Date,
): Promise<Outcome<void>> => {
  let existing = freshSessionFields(view, now);
  if (existing === undefined) {
    // Never write blind: without the customer's fields, writing ours alone would wipe theirs.
    const customer = await api.call('get_customer', { id: customerId }, GetCustomerAnswer);
    if (!customer.ok) return customer;
    // `get_customer` answers the customer object itself: fields it leaves out are none.
    existing = customer.value.session_fields ?? [];
  }
  const session_fields = mergeSessionFields(existing, SESSION_FIELD, url);
  const updated = await api.call('update_customer', { id: customerId, session_fields }, AnyAnswer);
  return updated.ok ? succeed(undefined) : updated;
};

const sendAgentsOnly = async (deps: NotifyDeps, view: ConversationView, chatId: string, text: string): Promise<Outcome<void>> => {
  const { api, agentId } = deps;
  const join = () =>
    api.call(
      'add_user_to_chat',
      { chat_id: chatId, user_id: agentId, user_type: 'agent', visibility: 'agents', ignore_requester_presence: true },
      AnyAnswer,
    );
  const send = () => api.call('send_event', { chat_id: chatId, event: { type: 'message', text, visibility: 'agents' } }, AnyAnswer);

  let joined = false;
  if (agentId !== undefined && !view.conversation.operators.some((o) => o.id === agentId)) {
    const added = await join();
    if (!added.ok && added.failure.kind === 'transient') return added;
    if (!added.ok && added.failure.code === CODES.chatInactive) return added;
    joined = true;
  }
  let sent = await send();
  // The chat's users were read earlier; our agent may have left since.
  if (!sent.ok && !joined && agentId !== undefined && (sent.failure.code === CODES.forbidden || sent.failure.code === CODES.validation)) {
    const added = await join();
    if (!added.ok) return added;
    sent = await send();
  }
  return sent.ok ? succeed(undefined) : sent;
};

export const showV3Record = async (deps: NotifyDeps, view: ConversationView, link: ShownLink): Promise<Outcome<void>> => {
  const customerId = view.conversation.visitor.id;
  const chatId = view.meta[META.chatId] ?? view.id;
  let fieldWritten = false;
  if (customerId !== undefined) {
    const written = await writeSessionField(deps.api, view, customerId, link.url, (deps.now ?? (() => new Date()))());
    if (!written.ok) return written;
    fieldWritten = true;
  }
  if (view.meta[META.active] !== 'true') return succeed(undefined);

  const sent = await sendAgentsOnly(deps, view, chatId, agentMessage(link));
  if (sent.ok || sent.failure.kind === 'transient') return sent;
  if (fieldWritten && REFUSED.has(sent.failure.code)) {
    deps.log.info({ chatId, code: sent.failure.code }, 'LiveChat refused the agents-only message; the link is in the session fields');
    return succeed(undefined);
  }
  return fail(sent.failure);
};
