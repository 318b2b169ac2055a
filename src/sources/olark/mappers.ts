import {
  scalarText,
  textRecord,
  visitorLabel,
  type Conversation,
  type Message,
  type Operator,
  type Visitor,
} from '../../domain/conversation';
import type { Action } from '../../domain/record';
import type { InboundEvent } from '../../domain/source';
import type { OlarkItem, OlarkOperator, OlarkPayload } from './codec';

/** Olark payload → domain. Pure; field meanings from Olark's webhook docs (https://www.olark.com/help/webhooks/) and the real payloads in test/fixtures/olark. */

type OlarkOperators = Readonly<Record<string, OlarkOperator>>;
type OfflineForm = Pick<Visitor, 'name' | 'email' | 'phone'>;

/** `{ key: value }`, or `{}` when there is no value: optional properties are omitted, never `undefined`. */
const field = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => {
  const entry: Partial<Record<K, V>> = {};
  if (value !== undefined) entry[key] = value;
  return entry;
};

const normalizeEmail = (email: string | undefined): string | undefined => {
  const e = email?.trim().toLowerCase();
  return e === undefined || e === '' ? undefined : e;
};

const FORM_LINE = /^\s*(name|email|phone|message)\s*:\s*(.*?)\s*$/i;

/**
 * The offline form as Olark flattens it into the body: `name: Paul\nemail: …\nphone: …\nMessage: …`
 * (two independent real samples, 2019 and 2022: test/fixtures/olark/real-2019-transcript.json, send-test-2022.json). Parsing stops
 * at `Message:` so the visitor's own text cannot pose as a form field.
 */
export const parseOfflineForm = (body: string): OfflineForm => {
  const form: { name?: string; email?: string; phone?: string } = {};
  for (const line of body.split(/\r?\n/)) {
    const match = FORM_LINE.exec(line);
    const key = match?.[1]?.toLowerCase();
    const value = match?.[2];
    if (key === 'message') break;
    if (value === undefined || value === '') continue;
    if ((key === 'name' || key === 'email' || key === 'phone') && form[key] === undefined) form[key] = value;
  }
  return form;
};

const offlineForm = (items: readonly OlarkItem[]): OfflineForm => {
  const forms = items.flatMap((item) => (item.kind === 'OfflineMessage' ? [parseOfflineForm(item.body)] : []));
  return {
    ...field('name', forms.find((f) => f.name !== undefined)?.name),
    ...field('email', forms.find((f) => f.email !== undefined)?.email),
    ...field('phone', forms.find((f) => f.phone !== undefined)?.phone),
  };
};

const visitorNicknameOf = (item: OlarkItem): string | undefined =>
  item.kind === 'MessageToOperator' ? (item.visitor_nickname ?? item.visitorNickname) : undefined;

/**
 * Labels Olark makes up for a visitor who gave no name: "Customer (City, State) #1234" (Olark's
 * own example payload), "Returning Visitor | USA (San Francisco, CA) #7617" (a real 2019
 * payload), "Visitor 1234", "Olark Visitor" (Send test). They name nobody: a CRM would get
 * LastName "#1234" (test/fixtures/olark/real-2019-offline-message.json).
 */
const AUTOMATIC_NAME = [/#\s*\d+\s*$/, /^(returning\s+)?(olark\s+)?(visitor|customer|guest)(\s*#?\s*\d+)?$/i];
const isAutomaticName = (name: string): boolean => AUTOMATIC_NAME.some((pattern) => pattern.test(name.trim()));

/**
 * `fullName` first, then the bare `visitor_nickname` of the visitor's messages, then the offline
 * form: the fallbacks the real offline messages in test/fixtures/olark show. Blank and automatic labels are skipped.
 */
export const toVisitor = (payload: OlarkPayload): Visitor => {
  const v = payload.visitor ?? {};
  const form = offlineForm(payload.items);
  const names = [v.fullName, ...payload.items.map(visitorNicknameOf), form.name];
  const name = names.find((n): n is string => n !== undefined && n.trim() !== '' && !isAutomaticName(n))?.trim();
  return {
    ...field('id', v.id),
    ...field('name', name),
    ...field('email', normalizeEmail(v.emailAddress ?? form.email)),
    ...field('phone', v.phoneNumber ?? form.phone),
    // Often the visitor's ISP ("Comcast Business"), not their employer; it is all Olark knows.
    ...field('company', v.organization),
    ...field('city', v.city),
    ...field('region', v.region),
    ...field('country', v.country),
    ...field('countryCode', v.countryCode),
    ...field('pageUrl', v.conversationBeginPage),
    ...field('referrer', v.referrer),
    ...field('ip', v.ip),
    ...field('browser', v.browser),
    ...field('os', v.operatingSystem),
  };
};

/**
 * `chat_feedback.overall_chat` (1–5; `{}` until the visitor rates the chat: Olark's example
 * payload, https://www.olark.com/help/webhooks).
 */
export const ratingOf = (payload: OlarkPayload): string | undefined => {
  const feedback = payload.visitor?.chat_feedback;
  const overall = feedback !== undefined && Object.hasOwn(feedback, 'overall_chat') ? scalarText(feedback.overall_chat) : undefined;
  return overall?.trim() === '' ? undefined : overall?.trim();
};

/** `visitor.customFields`, set by the site through `olark('api.visitor.updateCustomFields', …)`; scalar values only. */
export const customOf = (payload: OlarkPayload): Conversation['custom'] =>
  textRecord(Object.entries(payload.visitor?.customFields ?? {}).map(([key, value]) => [key, scalarText(value)] as const));

/** Operators from the map; the map key stands in for a missing `id`. */
export const toOperators = (operators: OlarkOperators): Operator[] =>
  Object.entries(operators).map(([key, op]) => {
    const id = op.id ?? key;
    return { id, name: op.nickname ?? op.username ?? id, ...field('email', normalizeEmail(op.emailAddress)) };
  });

/**
 * One chat line. Items of unknown kinds become `system` lines when they carry a body and a time,
 * and are left out otherwise (there is nothing to show, or no place in the timeline).
 */
export const toMessage = (item: OlarkItem, visitor: Visitor, operators: OlarkOperators): Message | undefined => {
  switch (item.kind) {
    case 'MessageToVisitor': {
      // Own keys only: an id such as `constructor` names no operator.
      const listed = item.operatorId !== undefined && Object.hasOwn(operators, item.operatorId) ? operators[item.operatorId] : undefined;
      const author = listed?.nickname ?? item.nickname ?? listed?.username ?? 'Operator';
      return { role: 'operator', author, body: item.body, at: item.timestamp };
    }
    case 'MessageToOperator': {
      const author = item.visitor_nickname ?? item.visitorNickname ?? item.nickname ?? visitorLabel(visitor);
      return { role: 'visitor', author, body: item.body, at: item.timestamp };
    }
    case 'OfflineMessage':
      return { role: 'visitor', author: visitorLabel(visitor), body: item.body, at: item.timestamp };
    case 'Other':
      return item.body === undefined || item.timestamp === undefined
        ? undefined
        : { role: 'system', author: 'Olark', body: item.body, at: item.timestamp };
  }
};

const isOffline = (payload: OlarkPayload): boolean => payload.items.some((item) => item.kind === 'OfflineMessage');

export const toConversation = (payload: OlarkPayload): Conversation => {
  const visitor = toVisitor(payload);
  const operators = payload.operators ?? {};
  return {
    source: 'olark',
    id: payload.id,
    visitor,
    messages: payload.items.flatMap((item) => toMessage(item, visitor, operators) ?? []),
    tags: (payload.tags ?? []).map((tag) => tag.trim()).filter((tag) => tag !== ''),
    groups: (payload.groups ?? []).flatMap((group) => group.name ?? []),
    operators: toOperators(operators),
    offline: isOffline(payload),
    ...field('rating', ratingOf(payload)),
    ...field('custom', customOf(payload)),
  };
};

/** "Send test" always posts this fake conversation id (olark/webhook-examples, rudder-transformer). */
const TEST_ID_PREFIX = 'NOTAREALTRANSCRIPT';

/** As Olark sends them (https://www.olark.com/help/webhooks/, test/fixtures/olark): the test id first, then `eventType`, then offline items; the rest are transcripts. */
export type OlarkEventKind = 'transcript' | 'offline' | 'start' | 'test';

export const eventKindOf = (payload: OlarkPayload): OlarkEventKind => {
  if (payload.id.startsWith(TEST_ID_PREFIX)) return 'test';
  if (payload.eventType?.toLowerCase() === 'start') return 'start';
  return isOffline(payload) ? 'offline' : 'transcript';
};

/** What else the pipeline's event needs besides the payload: the request's dedup key, the clock, and `?record=`. */
export interface InboundContext {
  readonly dedupKey: string;
  readonly now: Date;
  readonly syncDeadlineMs: number;
  readonly forced?: Action;
}

/**
 * The payload as the pipeline takes it in: "Send test" touches no CRM; a chat start looks the
 * visitor up while the agent waits (never retried later); a transcript or an offline message is
 * delivered (`?record=` forcing the record type).
 */
export const toInbound = (payload: OlarkPayload, context: InboundContext): InboundEvent => {
  switch (eventKindOf(payload)) {
    case 'test':
      return { kind: 'test' };
    case 'start':
      return {
        kind: 'conversation',
        dedupKey: context.dedupKey,
        conversation: toConversation(payload),
        plan: ['lookup'],
        expiresAt: new Date(context.now.getTime() + context.syncDeadlineMs),
      };
    case 'transcript':
    case 'offline':
      return {
        kind: 'conversation',
        dedupKey: context.dedupKey,
        conversation: toConversation(payload),
        plan: ['deliver'],
        ...field('forced', context.forced),
      };
  }
};
