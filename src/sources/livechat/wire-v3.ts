import * as t from 'io-ts';
import { knownKeys, WellFormedText } from '../../domain/codecs';
import { Id, IdLike, knownListOf, listOf, OptionalEmail, OptionalText, Rfc3339 } from './wire-common';

/**
 * LiveChat v3 chat structures, as the webhooks and the Agent Chat API send them
 * (https://platform.text.com/docs/messaging/agent-chat-api/data-structures,
 * https://platform.text.com/docs/management/webhooks).
 * Every fixture in test/fixtures/livechat decodes. Unknown event types and extra keys are kept
 * out of the way, never rejected: LiveChat adds both. Object codecs read only the keys they name
 * (`knownKeys`), so a `__proto__` key stays out of what io-ts copies (domain/json.ts).
 */

/**
 * A form answer in any of its shapes, flattened to text, never failing: `"answer": "Ada"`, the 2019
 * `"value": "…"`, `{id, label}` for radio/select, `[{id, label}]` or v2 `[{label, chosen}]` for checkboxes.
 */
export const AnswerText = new t.Type<string | undefined, unknown, unknown>(
  'AnswerText',
  (u): u is string | undefined => u === undefined || typeof u === 'string',
  (u) => t.success(answerText(u)),
  t.identity,
);

const Choice = t.partial({ label: t.string, chosen: t.boolean });
const wellFormed = (text: string): string => text.toWellFormed();

const answerText = (u: unknown): string | undefined => {
  if (typeof u === 'string') return u.trim() === '' ? undefined : wellFormed(u.trim());
  if (typeof u === 'number' || typeof u === 'boolean') return String(u);
  if (Array.isArray(u)) {
    const labels = u.flatMap((x) =>
      Choice.is(x) && x.chosen !== false && x.label !== undefined && x.label.trim() !== '' ? [wellFormed(x.label.trim())] : [],
    );
    return labels.length === 0 ? undefined : labels.join(', ');
  }
  return Choice.is(u) && u.label !== undefined && u.label.trim() !== '' ? wellFormed(u.label.trim()) : undefined;
};

export const FormField = knownKeys(
  t.partial({ id: OptionalText, type: OptionalText, label: OptionalText, answer: AnswerText, value: AnswerText, answers: AnswerText }),
);
export type FormField = t.TypeOf<typeof FormField>;

export const RichElement = knownKeys(t.partial({ title: OptionalText, subtitle: OptionalText }));

/**
 * One event of a thread. `visibility` (v3.3+) replaced `recipients`; both mean `all` or `agents`.
 * `author_id` is missing on `system_message`.
 */
export const ChatEvent = knownKeys(
  t.intersection([
    t.type({ id: Id, type: t.string, created_at: Rfc3339 }),
    t.partial({
      visibility: OptionalText,
      recipients: OptionalText,
      author_id: OptionalText,
      deleted: t.boolean,
      text: WellFormedText,
      /** `file` */
      name: OptionalText,
      url: OptionalText,
      /** `filled_form` */
      form_type: OptionalText,
      fields: listOf(FormField),
      /** `rich_message` */
      elements: listOf(RichElement),
      properties: t.UnknownRecord,
    }),
  ]),
);
export type ChatEvent = t.TypeOf<typeof ChatEvent>;

const Geolocation = knownKeys(t.partial({ country: OptionalText, country_code: OptionalText, region: OptionalText, city: OptionalText }));
/** `visit{referrer, ip, user_agent, geolocation, last_pages}` (agent-chat-api data structures, "Customer"). */
const Visit = knownKeys(
  t.partial({
    geolocation: Geolocation,
    last_pages: listOf(knownKeys(t.partial({ url: OptionalText }))),
    ip: OptionalText,
    referrer: OptionalText,
  }),
);

/**
 * A customer (`id` a UUID) or an agent (`id` = their email) or a bot. `session_fields` is
 * `[{"key": "value"}, …]`, kept as opaque records: they are read back and merged, never interpreted;
 * absent (a `get_chat` answer may leave them out) they are unknown, not empty.
 */
const RawChatUser = t.intersection([
  t.type({ id: Id, type: t.string }),
  t.partial({
    name: OptionalText,
    email: OptionalEmail,
    phone_number: OptionalText,
    present: t.boolean,
    visit: Visit,
    last_visit: Visit,
    session_fields: knownListOf(t.UnknownRecord),
  }),
]);
export const ChatUser = knownKeys(RawChatUser);
export type ChatUser = t.TypeOf<typeof ChatUser>;

const Access = knownKeys(t.partial({ group_ids: listOf(IdLike) }));

/** `restricted_access` threads (older than the plan's history) come without `events`. */
export const Thread = knownKeys(
  t.intersection([
    t.type({ id: Id }),
    t.partial({
      active: t.boolean,
      user_ids: listOf(WellFormedText),
      events: listOf(ChatEvent),
      tags: listOf(WellFormedText),
      access: Access,
      created_at: Rfc3339,
      previous_thread_id: OptionalText,
      next_thread_id: OptionalText,
      /** Namespaced: `routing.{referrer, start_url}`, `rating.{score, comment}`; read by path, never merged. */
      properties: t.UnknownRecord,
    }),
  ]),
);
export type Thread = t.TypeOf<typeof Thread>;

export const RawChat = t.intersection([
  t.type({ id: Id }),
  t.partial({ users: listOf(ChatUser), thread: Thread, access: Access, properties: t.UnknownRecord }),
]);
export const Chat = knownKeys(RawChat);
export type Chat = t.TypeOf<typeof Chat>;

/**
 * The v3 envelope (Configuration API webhooks): `organization_id` since v3.4, `license_id` (a
 * number) before. There is no signature header; `secret_key` is checked by `verifySecret`.
 */
const Envelope = t.intersection([
  t.type({ action: t.string }),
  t.partial({ webhook_id: OptionalText, organization_id: IdLike, license_id: IdLike }),
]);

/** `incoming_chat` (`incoming_chat_thread` before v3.2): the whole chat with its new thread. */
export const IncomingChat = knownKeys(
  t.intersection([
    Envelope,
    t.type({ payload: knownKeys(t.type({ chat: knownKeys(t.intersection([RawChat, t.type({ thread: Thread })])) })) }),
  ]),
);
export type IncomingChat = t.TypeOf<typeof IncomingChat>;

/** `chat_deactivated` (`thread_closed` before v3.2): no transcript; `user_id` is missing when the router closed it. */
export const ChatDeactivated = knownKeys(
  t.intersection([
    Envelope,
    t.type({ payload: knownKeys(t.intersection([t.type({ chat_id: Id, thread_id: Id }), t.partial({ user_id: OptionalText })])) }),
  ]),
);
export type ChatDeactivated = t.TypeOf<typeof ChatDeactivated>;

export const IncomingEvent = knownKeys(
  t.intersection([Envelope, t.type({ payload: knownKeys(t.type({ chat_id: Id, thread_id: Id, event: ChatEvent })) })]),
);
export type IncomingEvent = t.TypeOf<typeof IncomingEvent>;
