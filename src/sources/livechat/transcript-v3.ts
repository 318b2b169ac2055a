import {
  scalarText,
  textRecord,
  visitorLabel,
  type Conversation,
  type Message,
  type Operator,
  type Visitor,
} from '../../domain/conversation';
import { usableEmail } from './wire-common';
import type { Chat, ChatEvent, ChatUser, FormField, Thread } from './wire-v3';

/**
 * A v3 chat (its users and one or more threads) → the domain conversation. Pure. The rules
 * (https://platform.text.com/docs/messaging/agent-chat-api/data-structures): events of every thread
 * in `created_at` order, each once; deleted events dropped; `visibility: "agents"` events kept as
 * internal notes; files as name and URL, forms as `label: answer` lines, rich messages by their
 * titles.
 *
 * Internal notes are `system` lines whose author carries the marker ` (internal note)`: CRMs pick
 * the visitor's first line as a summary and the customer never saw these, so they must not pass
 * as dialogue; the body is left as typed so `!lead` / `!case` still count and stay out of the CRM text.
 */

export const SOURCE = 'livechat';
export const INTERNAL_MARKER = ' (internal note)';

const field = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => {
  const entry: Partial<Record<K, V>> = {};
  if (value !== undefined) entry[key] = value;
  return entry;
};

const normalizeEmail = usableEmail;

const answerOf = (f: FormField): string | undefined => f.answer ?? f.answers ?? f.value;

const isAgentsOnly = (e: ChatEvent): boolean => (e.visibility ?? e.recipients) === 'agents';

/** Every form field of the customer's forms of this type, newest thread last. */
const formFields = (events: readonly ChatEvent[], type: string): FormField[] =>
  events.filter((e) => e.type === 'filled_form').flatMap((e) => (e.fields ?? []).filter((f) => f.type === type));

const lastAnswer = (fields: readonly FormField[]): string | undefined =>
  fields
    .map(answerOf)
    .filter((a): a is string => a !== undefined)
    .at(-1);

/** A session field such as `{"email": "…"}` that a site set through the JS API. */
const sessionValue = (user: ChatUser | undefined, key: string): string | undefined => {
  for (const entry of user?.session_fields ?? []) {
    const hit = Object.entries(entry).find(([k, v]) => k.toLowerCase() === key && typeof v === 'string' && v.trim() !== '');
    if (hit !== undefined && typeof hit[1] === 'string') return hit[1].trim();
  }
  return undefined;
};

export const customerOf = (users: readonly ChatUser[]): ChatUser | undefined => users.find((u) => u.type === 'customer');

/** Email: the customer's own, else the (pre-chat) form's, else a session field. */
export const toVisitor = (customer: ChatUser | undefined, events: readonly ChatEvent[]): Visitor => {
  const visit = customer?.visit ?? customer?.last_visit;
  const geo = visit?.geolocation;
  return {
    ...field('id', customer?.id),
    ...field('name', customer?.name ?? lastAnswer(formFields(events, 'name'))),
    ...field(
      'email',
      normalizeEmail(customer?.email) ??
        normalizeEmail(lastAnswer(formFields(events, 'email'))) ??
        normalizeEmail(sessionValue(customer, 'email')),
    ),
    ...field('phone', customer?.phone_number),
    ...field('city', geo?.city),
    ...field('region', geo?.region),
    ...field('country', geo?.country),
    ...field('countryCode', geo?.country_code),
    ...field('pageUrl', visit?.last_pages?.[0]?.url),
    ...field('referrer', visit?.referrer),
    ...field('ip', visit?.ip),
  };
};

/** `properties.<namespace>.<name>` of a thread or chat, as text. */
const propertyText = (properties: Readonly<Record<string, unknown>> | undefined, namespace: string, name: string): string | undefined => {
  const space = properties !== undefined && Object.hasOwn(properties, namespace) ? properties[namespace] : undefined;
  if (typeof space !== 'object' || space === null || !Object.hasOwn(space, name)) return undefined;
  const value: unknown = Object.getOwnPropertyDescriptor(space, name)?.value;
  const text = scalarText(value)?.trim();
  return text === '' ? undefined : text;
};

/**
 * The `rating.score` thread property (1 good, 0 bad) the chat widget sets when the customer rates
 * the chat (https://platform.text.com/docs/management/configuration-api, default properties,
 * namespace `rating`); the newest thread's rating wins.
 */
const RATINGS: Readonly<Record<string, string>> = { '1': 'good', '0': 'bad' };
export const ratingOf = (threads: readonly Thread[]): string | undefined => {
  const scores = threads.map((th) => propertyText(th.properties, 'rating', 'score')).filter((x) => x !== undefined);
  const score = scores.at(-1);
  return score === undefined ? undefined : Object.hasOwn(RATINGS, score) ? RATINGS[score] : score;
};

/** The thread's `routing.referrer`, where the visit has none. */
const threadReferrer = (threads: readonly Thread[]): string | undefined =>
  threads
    .map((th) => propertyText(th.properties, 'routing', 'referrer'))
    .filter((x) => x !== undefined)
    .at(-1);

/** A form label without the colon LiveChat's default forms end it with (`Name:`, `E-mail:`). */
const labelKey = (label: string): string => label.trim().replace(/\s*:$/, '');

/**
 * Every pre-chat and post-chat (and any other) form answer, by its field's label; a later form's
 * answer to the same label wins. Fields without a label go by their type.
 */
export const formAnswers = (events: readonly ChatEvent[]): Conversation['form'] =>
  textRecord(
    events
      .filter((e) => e.type === 'filled_form' && e.deleted !== true)
      .flatMap((e) =>
        (e.fields ?? []).flatMap((f) => {
          const key = f.label ?? f.type;
          return key === undefined ? [] : [[labelKey(key), answerOf(f)] as const];
        }),
      ),
  );

/** The customer's `session_fields` (`[{"key": "value"}, …]`), set by the site through the JS API. */
export const sessionFields = (customer: ChatUser | undefined): Conversation['custom'] =>
  textRecord(
    (customer?.session_fields ?? []).flatMap((entry) => Object.entries(entry).map(([key, value]) => [key, scalarText(value)] as const)),
  );

const bodyOf = (e: ChatEvent): string | undefined => {
  switch (e.type) {
    case 'message':
    case 'system_message':
      return e.text !== undefined && e.text.trim() !== '' ? e.text : undefined;
    case 'file':
      return e.name === undefined && e.url === undefined ? undefined : [e.name ?? 'file', e.url].filter((x) => x !== undefined).join(' ');
    case 'filled_form': {
      const lines = (e.fields ?? []).flatMap((f) => {
        const answer = answerOf(f);
        return answer === undefined ? [] : [`${f.label ?? f.type ?? 'field'}${f.label?.endsWith(':') === true ? '' : ':'} ${answer}`];
      });
      return lines.length === 0 ? undefined : lines.join('\n');
    }
    case 'rich_message': {
      const titles = (e.elements ?? []).map((el) => el.title ?? el.subtitle).filter((x) => x !== undefined);
      return titles.length === 0 ? undefined : titles.join('\n');
    }
    default:
      // custom, form (an unfilled form), system (integration data): nothing a person wrote or read.
      return undefined;
  }
};

const toMessage = (e: ChatEvent, users: ReadonlyMap<string, ChatUser>, visitor: Visitor): Message | undefined => {
  if (e.deleted === true) return undefined;
  const body = bodyOf(e);
  if (body === undefined) return undefined;
  const author = e.author_id === undefined ? undefined : users.get(e.author_id);
  if (e.type === 'system_message' || e.author_id === undefined) return { role: 'system', author: 'LiveChat', body, at: e.created_at };
  const isCustomer = author?.type === 'customer';
  const name = isCustomer ? visitorLabel(visitor) : (author?.name ?? e.author_id);
  if (isAgentsOnly(e)) return { role: 'system', author: `${name}${INTERNAL_MARKER}`, body, at: e.created_at };
  return { role: isCustomer ? 'visitor' : 'operator', author: name, body, at: e.created_at };
};

/** Events of all threads, each once (a thread may be read twice: from `get_chat` and `list_threads`), oldest first. */
export const chatEvents = (threads: readonly Thread[]): ChatEvent[] => {
  const byId = new Map<string, ChatEvent>();
  for (const thread of threads) for (const e of thread.events ?? []) byId.set(e.id, e);
  // Array.prototype.sort is stable: events of one instant keep their thread order.
  return [...byId.values()].sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
};

const unique = (xs: readonly string[]): string[] => [...new Set(xs.map((x) => x.trim()).filter((x) => x !== ''))];

/**
 * `threads` in any order, possibly overlapping; the chat's own `thread` is included when present.
 * Users come from the chat (`get_chat` / `incoming_chat`); `list_threads` has none.
 */
export const toConversation = (chat: Chat, threads: readonly Thread[] = []): Conversation => {
  const all = chat.thread === undefined ? threads : [...threads.filter((th) => th.id !== chat.thread?.id), chat.thread];
  const users = chat.users ?? [];
  const byId = new Map(users.map((u) => [u.id, u]));
  const events = chatEvents(all);
  const customer = customerOf(users);
  const base = toVisitor(customer, events);
  const referrer = base.referrer ?? threadReferrer(all);
  const visitor = referrer === undefined ? base : { ...base, referrer };
  const operators: Operator[] = users
    .filter((u) => u.type === 'agent' || u.type === 'bot')
    .map((u) => ({ id: u.id, name: u.name ?? u.id, ...field('email', normalizeEmail(u.email)) }));
  return {
    source: SOURCE,
    id: chat.id,
    visitor,
    messages: events.map((e) => toMessage(e, byId, visitor)).filter((m) => m !== undefined),
    tags: unique(all.flatMap((th) => th.tags ?? [])),
    groups: unique([...(chat.access?.group_ids ?? []), ...all.flatMap((th) => th.access?.group_ids ?? [])]),
    operators,
    offline: false,
    ...field('startedAt', events[0]?.created_at),
    // A chat still going (an active thread) has not ended.
    ...field('endedAt', all.some((th) => th.active === true) ? undefined : events.at(-1)?.created_at),
    ...field('rating', ratingOf(all)),
    ...field('custom', sessionFields(customer)),
    ...field('form', formAnswers(events)),
  };
};

/** What a `chat_deactivated` or an agent command knows before `fetch`: the chat id. */
export const thinConversation = (chatId: string): Conversation => ({
  source: SOURCE,
  id: chatId,
  visitor: {},
  messages: [],
  tags: [],
  groups: [],
  operators: [],
  offline: false,
});
