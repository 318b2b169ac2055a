/**
 * A verified LiveSupporti POST → the events the pipeline takes in. One POST may carry several
 * notifications (ASP.NET WebHooks batches them); each chat start becomes one event, anything
 * else is acknowledged and dropped.
 */
import { summarizeErrors } from '../../domain/decode-errors';
import { parse as parseContentType } from 'content-type';
import { left, right, type Either } from 'fp-ts/Either';
import type * as t from 'io-ts';
import { parseJsonSafe } from '../../domain/json';
import { reject, type InboundEvent, type Rejection, type SourceRequest } from '../../domain/source';
import { ChatStartedData, Envelope, NotificationHead } from './codec';
import { toChatStartedEvent } from './mappers';

export interface DecodeSettings {
  readonly createLeads: boolean;
  readonly now: () => Date;
}

/**
 * LiveSupporti's action names are not published (https://support.livesupporti.com/forums/10/topics/20024); the fixture's
 * `ChatStarted` is a guess. Any spelling of "chat started" is taken (`ChatStarted`,
 * `chat.started`, `chat_started`, `Chat started`, `OnChatStarted`).
 */
export const isChatStarted = (action: string): boolean => /^(on)?chatstart(ed)?$/.test(action.toLowerCase().replace(/[^a-z]/g, ''));

/** `Notifications.0.Data.Visitor.Id: expected …`; values are never quoted (they may be emails). */
const invalid = (errors: t.Errors, prefix: string): Rejection => reject('INVALID_PAYLOAD', summarizeErrors(errors, { prefix }));

const isObject = (u: unknown): u is object => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * The sender's `NotificationDictionary` puts the data's members beside `Action`; LiveSupporti's
 * example nests them under `Data` (https://support.livesupporti.com/forums/10/topics/20024). Both are read.
 */
const dataOf = (notification: object): { readonly data: unknown; readonly path: string } => {
  const nested = 'Data' in notification ? notification.Data : undefined;
  return isObject(nested) ? { data: nested, path: '.Data' } : { data: notification, path: '' };
};

const readJson = (request: SourceRequest): Either<Rejection, unknown> => {
  const type = request.header('content-type');
  if (type !== undefined) {
    let media: string;
    try {
      media = parseContentType(type).type;
    } catch {
      return left(reject('UNSUPPORTED_CONTENT_TYPE', 'LiveSupporti posts application/json'));
    }
    if (media !== 'application/json' && !media.endsWith('+json'))
      return left(reject('UNSUPPORTED_CONTENT_TYPE', `expected application/json, got ${media}`));
  }
  // `__proto__` stays an own data key, and the codecs read only the keys they name (./codec).
  return parseJsonSafe(request.rawBody.toString('utf8').replace(/^\uFEFF/, ''));
};

const toEvent = (
  envelope: Envelope,
  notification: unknown,
  index: number,
  settings: DecodeSettings,
  at: Date,
): Either<Rejection, InboundEvent> => {
  const path = `Notifications.${index}`;
  if (!isObject(notification)) return left(reject('INVALID_PAYLOAD', `${path}: expected an object`));
  const head = NotificationHead.decode(notification);
  if (head._tag === 'Left') return left(invalid(head.left, path));
  const action = head.right.Action;
  if (!isChatStarted(action))
    return right({ kind: 'ignored', reason: `LiveSupporti action ${JSON.stringify(action.slice(0, 64))} is not handled` });
  const { data, path: dataPath } = dataOf(notification);
  const decoded = ChatStartedData.decode(data);
  if (decoded._tag === 'Left') return left(invalid(decoded.left, `${path}${dataPath}`));
  return right(toChatStartedEvent(decoded.right, { dedupKey: `${envelope.Id}#${index}`, at, createLeads: settings.createLeads }));
};

export const decodeNotifications = (request: SourceRequest, settings: DecodeSettings): Either<Rejection, readonly InboundEvent[]> => {
  const json = readJson(request);
  if (json._tag === 'Left') return json;
  const envelope = Envelope.decode(json.right);
  if (envelope._tag === 'Left') return left(invalid(envelope.left, ''));
  const at = settings.now();
  const events: InboundEvent[] = [];
  for (const [index, notification] of envelope.right.Notifications.entries()) {
    const event = toEvent(envelope.right, notification, index, settings, at);
    if (event._tag === 'Left') return event;
    events.push(event.right);
  }
  return right(events);
};
