import { createHash } from 'node:crypto';
import { chain, left, map, right, type Either } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type * as t from 'io-ts';
import type { Action } from '../../domain/record';
import { foreignPrototypeAt } from '../../domain/json';
import { reject, type InboundEvent, type Rejection, type SourceRequest } from '../../domain/source';
import { commandOf } from '../../domain/transcript';
import { summarizeErrors } from '../../domain/decode-errors';
import { readBody, type Body } from './body';
import { thinConversation, toConversation } from './transcript-v3';
import { toV2Conversation, toV2StartConversation } from './transcript-v2';
import { ChatDeactivated, IncomingChat, IncomingEvent } from './wire-v3';
import { V2ChatEnded, V2ChatStarted } from './wire-v2';

/**
 * A LiveChat webhook → the events the pipeline takes in (this source's README). The plans:
 * - v3 `incoming_chat`: the chat as the webhook has it; look the customer up, show the person.
 * - v3 `chat_deactivated`: no transcript in it; fetch the whole chat, deliver, show the record.
 * - v3 `incoming_event` with an agent's `!lead` / `!case`: the same, with the type forced.
 * - v2 `chat_started`: look the visitor up, push the person to the visitor details.
 * - v2 `chat_ended`: the transcript is in the body; deliver, push the record.
 * Everything else LiveChat may send is acknowledged and ignored.
 *
 * The conversation id is the chat id: a chat spans threads, and each later thread updates the
 * same record (`livechat:<chat_id>` in the CRM).
 */

/** Meta keys later steps read (notify.ts, fetch.ts). */
export const META = {
  generation: 'generation',
  chatId: 'chat_id',
  threadId: 'thread_id',
  active: 'chat_active',
  account: 'account_id',
  licenseId: 'license_id',
  token: 'token',
  visitorId: 'visitor_id',
  /** The customer's session fields as the fetch read them (JSON), and when: notify merges into them. */
  sessionFields: 'session_fields',
  sessionFieldsAt: 'session_fields_at',
} as const;

const decodeAs = <A>(codec: t.Decoder<unknown, A>, json: unknown): Either<Rejection, A> => {
  const result = codec.decode(json);
  if (result._tag === 'Left') return left(reject('INVALID_PAYLOAD', summarizeErrors(result.left)));
  const foreign = foreignPrototypeAt(result.right);
  // Every codec here reads only its own keys; a data prototype getting through is a bug in one of them.
  if (foreign !== undefined) throw new Error(`LiveChat codec ${codec.name} let a prototype from data through at ${foreign}`);
  return right(result.right);
};

const accountOf = (e: { readonly organization_id?: string; readonly license_id?: string }): Record<string, string> => {
  const account = e.organization_id ?? e.license_id;
  return account === undefined ? {} : { [META.account]: account };
};

/** Customers' ids are UUIDs; agents' are their emails and bots' hex strings (agent-chat-api data structures). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isAgentId = (authorId: string | undefined): boolean => authorId !== undefined && !UUID.test(authorId);

const incomingChat = (json: unknown): Either<Rejection, InboundEvent[]> =>
  pipe(
    decodeAs(IncomingChat, json),
    map((e): InboundEvent[] => {
      const chat = e.payload.chat;
      return [
        {
          kind: 'conversation',
          dedupKey: `v3:incoming_chat:${chat.id}:${chat.thread.id}`,
          conversation: toConversation(chat),
          plan: ['lookup', 'notify'],
          meta: {
            [META.generation]: 'v3',
            [META.chatId]: chat.id,
            [META.threadId]: chat.thread.id,
            [META.active]: String(chat.thread.active ?? true),
            ...accountOf(e),
          },
        },
      ];
    }),
  );

/**
 * A thread of a chat is over: fetch the whole chat, deliver, show the record. The `chat_deactivated`
 * webhook and the backfill of an archived thread (archives.ts) both make exactly this event, so
 * whichever comes second is a duplicate.
 */
export const threadClosedEvent = (chatId: string, threadId: string, account: Readonly<Record<string, string>> = {}): InboundEvent => ({
  kind: 'conversation',
  dedupKey: `v3:chat_deactivated:${chatId}:${threadId}`,
  conversation: thinConversation(chatId),
  plan: ['fetch', 'deliver', 'notify'],
  meta: { [META.generation]: 'v3', [META.chatId]: chatId, [META.threadId]: threadId, [META.active]: 'false', ...account },
});

const chatDeactivated = (json: unknown): Either<Rejection, InboundEvent[]> =>
  pipe(
    decodeAs(ChatDeactivated, json),
    map((e): InboundEvent[] => [threadClosedEvent(e.payload.chat_id, e.payload.thread_id, accountOf(e))]),
  );

const incomingEvent = (json: unknown): Either<Rejection, InboundEvent[]> =>
  pipe(
    decodeAs(IncomingEvent, json),
    map((e): InboundEvent[] => {
      const { chat_id, thread_id, event } = e.payload;
      const command = event.type === 'message' && event.text !== undefined ? commandOf(event.text) : undefined;
      if (command !== 'lead' && command !== 'case')
        return [{ kind: 'ignored', reason: 'an incoming_event that is no !lead or !case command' }];
      // Registered with `filters.author_type: agent`; checked again so a customer typing `!case` decides nothing.
      if (!isAgentId(event.author_id)) return [{ kind: 'ignored', reason: 'a command typed by the customer' }];
      const forced: Action = command;
      return [
        {
          kind: 'conversation',
          dedupKey: `v3:incoming_event:${chat_id}:${thread_id}:${event.id}`,
          conversation: thinConversation(chat_id),
          plan: ['fetch', 'deliver', 'notify'],
          forced,
          meta: { [META.generation]: 'v3', [META.chatId]: chat_id, [META.threadId]: thread_id, [META.active]: 'true', ...accountOf(e) },
        },
      ];
    }),
  );

const decodeV3 = (action: string, json: unknown): Either<Rejection, InboundEvent[]> => {
  switch (action) {
    // The pre-v3.2 names (changelog: `incoming_chat_thread` → `incoming_chat`, `thread_closed` → `chat_deactivated`).
    case 'incoming_chat':
    case 'incoming_chat_thread':
      return incomingChat(json);
    case 'chat_deactivated':
    case 'thread_closed':
      return chatDeactivated(json);
    case 'incoming_event':
      return incomingEvent(json);
    default:
      return right([{ kind: 'ignored', reason: `LiveChat action ${action.slice(0, 60)} is not used` }]);
  }
};

/**
 * v2 `event_unique_id` (undocumented but sent), else type + chat id, else a hash of the raw bytes:
 * LiveChat's retry re-sends the same bytes, and the documented `chat_started` has neither id.
 */
export const v2DedupKey = (eventType: string, uniqueId: string | undefined, chatId: string | undefined, raw: Buffer): string => {
  if (uniqueId !== undefined) return `v2:${uniqueId}`;
  if (chatId !== undefined) return `v2:${eventType}:${chatId}`;
  return `v2:sha256:${createHash('sha256').update(raw).digest('hex')}`;
};

const v2Meta = (e: V2ChatStarted | V2ChatEnded): Record<string, string> => ({
  [META.generation]: 'v2',
  [META.licenseId]: e.license_id,
  [META.token]: e.token,
  [META.visitorId]: e.visitor.id,
});

const decodeV2 = (eventType: string, json: unknown, raw: Buffer): Either<Rejection, InboundEvent[]> => {
  switch (eventType) {
    case 'chat_started':
      return pipe(
        decodeAs(V2ChatStarted, json),
        map((e): InboundEvent[] => [
          {
            kind: 'conversation',
            dedupKey: v2DedupKey(eventType, e.event_unique_id, e.chat?.id, raw),
            conversation: toV2StartConversation(e),
            plan: ['lookup', 'notify'],
            meta: v2Meta(e),
          },
        ]),
      );
    case 'chat_ended':
      return pipe(
        decodeAs(V2ChatEnded, json),
        map((e): InboundEvent[] => [
          {
            kind: 'conversation',
            dedupKey: v2DedupKey(eventType, e.event_unique_id, e.chat.id, raw),
            conversation: toV2Conversation(e),
            plan: ['deliver', 'notify'],
            meta: v2Meta(e),
          },
        ]),
      );
    default:
      return right([{ kind: 'ignored', reason: `LiveChat v2 event ${eventType.slice(0, 60)} is not used` }]);
  }
};

export const decodeWebhook = (request: SourceRequest): Either<Rejection, readonly InboundEvent[]> =>
  pipe(
    readBody(request),
    chain((body: Body) =>
      body.generation === 'v3' ? decodeV3(body.action, body.json) : decodeV2(body.eventType, body.json, request.rawBody),
    ),
  );
