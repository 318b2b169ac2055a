/**
 * iAdvize's GraphQL conversation → the domain `Conversation`. Pure. Field meanings are those of
 * test/fixtures/iadvize/schema.graphql (message authors, tags and closing-form values ASSUMED there).
 */
import { textRecord, type Conversation, type Message, type Role, type Visitor } from '../../domain/conversation';
import type { Action } from '../../domain/record';
import type { WireClosingFormValue, WireConversation, WireMessage, WireVisitor } from './wire.codec';

/** `{ key: value }`, or `{}`: optional properties are omitted, never `undefined`. */
const field = <K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> => {
  const entry: Partial<Record<K, string>> = {};
  const trimmed = value?.trim();
  if (trimmed !== undefined && trimmed !== '') entry[key] = trimmed;
  return entry;
};

export const toVisitor = (wire: WireVisitor | null, knownId: string | undefined): Visitor => {
  const name = [wire?.firstName, wire?.lastName]
    .map((part) => part?.trim() ?? '')
    .filter((part) => part !== '')
    .join(' ');
  return {
    // The webhook's `visitorId` is what the plugin sends back as `idVisitorUnique`: keep it as the id.
    ...field('id', knownId ?? wire?.visitorId),
    ...field('name', name),
    ...field('firstName', wire?.firstName),
    ...field('lastName', wire?.lastName),
    ...field('email', wire?.email?.toLowerCase()),
    ...field('phone', wire?.phoneNumber),
    ...field('city', wire?.city),
    ...field('country', wire?.country),
  };
};

const ROLES: Readonly<Record<string, Role>> = { VISITOR: 'visitor', OPERATOR: 'operator', BOT: 'operator', SYSTEM: 'system' };

const attachmentLine = (a: WireMessage['attachments'][number]): string => `[attachment: ${a.name?.trim() || 'file'} ${a.url}]`;

/** A message's text, then its attachments one per line; `undefined` when there is nothing to show. */
const bodyOf = (m: WireMessage): string | undefined => {
  const parts = [m.text?.trim() ?? '', ...m.attachments.map(attachmentLine)].filter((part) => part !== '');
  return parts.length === 0 ? undefined : parts.join('\n');
};

const authorOf = (m: WireMessage, role: Role, visitorName: string): string => {
  const name = m.author.name?.trim();
  if (name !== undefined && name !== '') return name;
  if (role === 'visitor') return visitorName;
  return m.author.type === 'BOT' ? 'Bot' : role === 'operator' ? 'Operator' : 'iAdvize';
};

export const toMessages = (wire: readonly WireMessage[], visitorName: string): Message[] =>
  wire.flatMap((m) => {
    const body = bodyOf(m);
    const role = ROLES[m.author.type] ?? 'system';
    return body === undefined ? [] : [{ role, author: authorOf(m, role, visitorName), body, at: new Date(m.createdAt) }];
  });

const COMMAND_VALUE = /^\s*!?(lead|case)\s*$/i;

/**
 * The closing-form answer that names the record type (`lead`/`case`, with or without `!`):
 * iAdvize's counterpart of Olark's `!case`
 * (https://github.com/iadvize/documentation/blob/master/docs/build-apps.md "App Plugins"). The last
 * such answer wins.
 */
export const actionOf = (values: readonly WireClosingFormValue[]): Action | undefined => {
  const named = values
    .map((v) => COMMAND_VALUE.exec(v.value ?? '')?.[1]?.toLowerCase())
    .filter((a): a is Action => a === 'lead' || a === 'case');
  return named[named.length - 1];
};

const system = (body: string, at: Date): Message => ({ role: 'system', author: 'iAdvize', body, at });

const CHANNEL_NAMES: Readonly<Record<string, string>> = {
  CHAT: 'chat',
  CALL: 'call',
  VIDEO: 'video',
  FACEBOOK: 'Facebook',
  FACEBOOK_BUSINESS_ON_MESSENGER: 'Facebook Messenger',
  TWITTER: 'Twitter',
  MOBILE_APP: 'mobile app',
  SMS: 'SMS',
  APPLE_BUSINESS_CHAT: 'Apple Business Chat',
  GOOGLE_BUSINESS_MESSAGES: 'Google Business Messages',
  INSTAGRAM: 'Instagram',
  WHATSAPP: 'WhatsApp',
};

export const channelName = (channel: string): string => CHANNEL_NAMES[channel] ?? channel.toLowerCase();

/** Closing-form answers by question (the field id where the question has no label). */
const formOf = (answered: readonly WireClosingFormValue[]): Pick<Conversation, 'form'> => {
  const form = textRecord(answered.map((v) => [v.label?.trim() || v.fieldId, v.value ?? undefined] as const));
  return form === undefined ? {} : { form };
};

export interface MappedConversation {
  readonly conversation: Conversation;
  readonly forced?: Action;
}

/**
 * The conversation with every page's messages. The domain `Conversation` has no channel and the
 * port lets `fetch` return no forced type, so both travel as lines of the transcript: a first
 * system line naming iAdvize and the channel (it shows in every CRM's note), and for a closing-form
 * lead/case answer a last `!lead`/`!case` line, which `decideAction` obeys like an agent's command
 * and which CRM transcripts leave out (domain/transcript.ts `chatLines`).
 */
export const toConversation = (
  wire: WireConversation,
  messages: readonly WireMessage[],
  known: Pick<Conversation, 'visitor' | 'operators'>,
): MappedConversation => {
  const visitor = toVisitor(wire.visitor, known.visitor.id);
  const createdAt = new Date(wire.createdAt);
  const lines = toMessages(messages, visitor.name ?? visitor.email ?? 'Visitor');
  const last = lines[lines.length - 1]?.at ?? createdAt;
  const closedAt = wire.closedAt === null ? last : new Date(wire.closedAt);
  const formValues = wire.closingFormValues ?? [];
  const answered = formValues.filter((v) => (v.value ?? '').trim() !== '');
  const forced = actionOf(formValues);
  const trailer = [
    ...(answered.length === 0
      ? []
      : [system(`Closing form: ${answered.map((v) => `${v.label?.trim() || v.fieldId}: ${v.value ?? ''}`).join('; ')}`, closedAt)]),
    ...(forced === undefined ? [] : [system(`!${forced}`, closedAt)]),
  ];
  const conversation: Conversation = {
    source: 'iadvize',
    id: wire.id,
    visitor,
    messages: [system(`iAdvize conversation over ${channelName(wire.channel)}`, createdAt), ...lines, ...trailer],
    tags: wire.tags.map((tag) => tag.name),
    groups: [],
    operators: known.operators,
    offline: false,
    startedAt: createdAt,
    ...(wire.closedAt === null ? {} : { endedAt: closedAt }),
    ...formOf(answered),
  };
  return forced === undefined ? { conversation } : { conversation, forced };
};
