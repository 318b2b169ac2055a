import { summarizeErrors } from '../../domain/decode-errors';
import { left, right, type Either } from 'fp-ts/Either';
import type { Conversation } from '../../domain/conversation';
import { reject, type InboundEvent, type Rejection, type SourceMeta, type SourceRequest } from '../../domain/source';
import { readBody } from './body';
import { ConversationEvent, WebhookEnvelope } from './webhook.codec';

export const SOURCE = 'iadvize';

/** https://github.com/iadvize/documentation/blob/master/docs/webhooks.md#reference */
const CLOSED = 'v2.conversation.closed';
const PUSHED = 'v2.conversation.pushed';

/** A looked-up visitor is only worth showing while an agent can still open the panel. */
const LOOKUP_WINDOW_MS = 30 * 60_000;

/** What `fetch` starts from: the ids the webhook carries, nothing else (no transcript, no email). */
export const thinConversation = (id: string, visitorId: string | undefined, operatorIds: readonly string[] = []): Conversation => ({
  source: SOURCE,
  id,
  visitor: visitorId === undefined ? {} : { id: visitorId },
  messages: [],
  tags: [],
  groups: [],
  // iAdvize names operators by id only; the transcript carries their display names.
  operators: operatorIds.map((operatorId) => ({ id: operatorId, name: `Operator ${operatorId}` })),
  offline: false,
});

const entries = (pairs: readonly (readonly [string, string | undefined])[]): SourceMeta =>
  Object.fromEntries(pairs.filter((pair): pair is readonly [string, string] => pair[1] !== undefined && pair[1] !== ''));

const metaOf = (e: ConversationEvent): SourceMeta =>
  entries([
    ['eventType', e.eventType],
    ['visitorId', e.visitorId],
    ['channel', e.channel],
    ['platform', e.platform],
    ['projectId', e.projectId],
    ['clientId', e.clientId],
    ['operatorIds', (e.operatorIds ?? (e.operatorId === undefined ? [] : [e.operatorId])).join(',')],
    ['createdAt', e.createdAt],
  ]);

const validDate = (text: string | undefined): Date | undefined => {
  if (text === undefined) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

const toEvent = (e: ConversationEvent, now: Date): InboundEvent => {
  const operatorIds = e.operatorIds ?? (e.operatorId === undefined ? [] : [e.operatorId]);
  const conversation = thinConversation(e.conversationId, e.visitorId, operatorIds);
  // `eventId` is stable across iAdvize's retries (+10 s, +20 s), `x-iadvize-delivery` is not.
  const dedupKey = e.eventId;
  if (e.eventType === CLOSED) return { kind: 'conversation', dedupKey, conversation, plan: ['fetch', 'deliver'], meta: metaOf(e) };
  // The webhook has no email: `fetch` reads it (with the transcript so far) before `lookup`.
  const since = validDate(e.sentAt) ?? validDate(e.createdAt) ?? now;
  return {
    kind: 'conversation',
    dedupKey,
    conversation,
    plan: ['fetch', 'lookup'],
    meta: metaOf(e),
    expiresAt: new Date(Math.max(since.getTime(), now.getTime()) + LOOKUP_WINDOW_MS),
  };
};

/** The raw webhook → events: closed → fetch + deliver; pushed → fetch + lookup; anything else acknowledged and ignored. */
export const decodeWebhook = (request: SourceRequest, now: Date): Either<Rejection, readonly InboundEvent[]> => {
  const body = readBody(request.rawBody, request.header('content-type'));
  if (body._tag === 'Left') return body;
  const envelope = WebhookEnvelope.decode(body.right);
  if (envelope._tag === 'Left') return left(reject('INVALID_PAYLOAD', summarizeErrors(envelope.left)));
  const type = envelope.right.eventType;
  if (type !== CLOSED && type !== PUSHED) return right([{ kind: 'ignored', reason: `iAdvize event type ${type.slice(0, 80)}` }]);
  const event = ConversationEvent.decode(body.right);
  if (event._tag === 'Left') return left(reject('INVALID_PAYLOAD', summarizeErrors(event.left)));
  return right([toEvent(event.right, now)]);
};
