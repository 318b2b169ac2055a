/**
 * iAdvize webhook bodies (https://github.com/iadvize/documentation/blob/master/docs/webhooks.md;
 * samples in test/fixtures/iadvize/). Ids come as numbers in JSON and as strings in a form, so
 * scalar ids are read as either and kept as strings.
 *
 * Every object codec reads only the keys it names (`knownKeys`): io-ts copies an object whose
 * fields it changes (a numeric id made a string) by assignment, which makes a `"__proto__"` key
 * of the body the copy's prototype and lends its fields, unvalidated, to the ones the body lacks
 * (src/domain/json.ts).
 */
import * as t from 'io-ts';
import { knownKeys } from '../../domain/codecs';

const IdLike = new t.Type<string, string, unknown>(
  'Id',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u === 'number' && Number.isFinite(u)) return t.success(String(u));
    if (typeof u === 'string' && u.trim() !== '') return t.success(u.trim());
    return t.failure(u, c, 'expected a non-empty string or number');
  },
  String,
);

/** `[1, 2]` in JSON; `1,2` or repeated keys in a form. */
const IdList = new t.Type<readonly string[], readonly string[], unknown>(
  'IdList',
  (u): u is readonly string[] => Array.isArray(u) && u.every((x) => typeof x === 'string'),
  (u, c) => {
    const items: unknown[] = Array.isArray(u) ? u : typeof u === 'string' ? u.split(',').filter((x) => x.trim() !== '') : [u];
    const ids: string[] = [];
    for (const item of items) {
      const id = IdLike.validate(item, c);
      if (id._tag === 'Left') return t.failure(u, c, 'expected a list of ids');
      ids.push(id.right);
    }
    return t.success(ids);
  },
  (xs) => xs,
);

/** An optional field sent as `null` is taken as absent. */
const orNull = <A>(codec: t.Type<A, A, unknown>) =>
  new t.Type<A | undefined, A | undefined, unknown>(
    codec.name,
    (u): u is A | undefined => u === undefined || codec.is(u),
    (u, c) => (u === null || u === undefined ? t.success(undefined) : codec.validate(u, c)),
    (a) => a,
  );

/** What every event has: enough to acknowledge and ignore one we do not handle. */
export const WebhookEnvelope = knownKeys(t.type({ eventId: IdLike, eventType: t.string }));

/** `v2.conversation.pushed` (start or transfer received) and `v2.conversation.closed`: same body, `operatorIds` on closed. */
export const ConversationEvent = knownKeys(
  t.intersection([
    t.type({ eventId: IdLike, eventType: t.string, conversationId: IdLike }),
    t.partial({
      platform: orNull(t.string),
      projectId: orNull(IdLike),
      clientId: orNull(IdLike),
      operatorId: orNull(IdLike),
      operatorIds: orNull(IdList),
      /** Deprecated, onsite only. */
      visitorExternalId: orNull(IdLike),
      /** `CHAT|CALL|VIDEO|FACEBOOK|…|SMS` (https://github.com/iadvize/documentation/blob/master/docs/webhooks.md). */
      channel: orNull(t.string),
      visitorId: orNull(IdLike),
      createdAt: orNull(t.string),
      sentAt: orNull(t.string),
    }),
  ]),
);
export type ConversationEvent = t.TypeOf<typeof ConversationEvent>;

/** The customer-information plugin's GET query ("App Plugins", build-apps.md#customer-information). */
export const CustomerInfoQuery = knownKeys(
  t.partial({
    emailVisitor: t.string,
    idConnectorVersion: t.string,
    idVisitorExternal: t.string,
    idVisitorUnique: t.string,
    idWebsite: t.string,
    operatorLocale: t.string,
    idOperator: t.string,
    /** Not in iAdvize's list; used when sent. */
    idConversation: t.string,
  }),
);
export type CustomerInfoQuery = t.TypeOf<typeof CustomerInfoQuery>;

/** The plugin's ACTION click ("Customer information action URL"). */
export const CustomerAction = knownKeys(
  t.intersection([
    t.type({ action: t.string, idConversation: IdLike }),
    t.partial({ idConnectorVersion: t.string, idVisitorUnique: IdLike, idWebsite: t.string, idOperator: IdLike }),
  ]),
);
export type CustomerAction = t.TypeOf<typeof CustomerAction>;
