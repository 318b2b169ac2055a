import * as t from 'io-ts';
import { DataRecord, UrlSafeId, WellFormedText, knownKeys } from '../../domain/codecs';

/**
 * The Olark webhook payload, as Olark really sends it. Field list, quirks and their sources:
 * Olark's webhook docs (https://www.olark.com/help/webhooks/) and the real payloads; every payload in test/fixtures/olark must decode.
 * Liberal where Olark is (missing keys, extra keys, `""` and `null` for "no value", unknown item
 * kinds); strict where we rely on a value (conversation id, the items array, message bodies, times).
 *
 * Every object codec reads only the keys it names (`knownKeys`) and the operator map defines its
 * keys (`DataRecord`): a `"__proto__"` key is data, never a prototype (src/domain/json.ts).
 * Ids and emails become URLs and CRM keys, so they are refused when unrepresentable there
 * (`UrlSafeId`); free text only has lone surrogates replaced (`WellFormedText`).
 */

/** `"Conversation"`; the 2012 doc shows `"conversation"` once (https://www.olark.com/help/webhooks). */
const ConversationKind = new t.Type<'Conversation', string, unknown>(
  'ConversationKind',
  (u): u is 'Conversation' => u === 'Conversation',
  (u, c) =>
    typeof u === 'string' && u.trim().toLowerCase() === 'conversation'
      ? t.success<'Conversation'>('Conversation')
      : t.failure(u, c, 'expected "Conversation"'),
  String,
);

/** The conversation id: the key of every upsert and part of our stable link, so it must be there and fit in a URL (Olark's are 32 characters). */
const ConversationId = UrlSafeId('ConversationId', 128);

/** `""` and `null` for "no value", as `OptionalText` (below), else `codec`. */
const optionalWith = (name: string, codec: t.Type<string, string, unknown>) =>
  new t.Type<string | undefined, string, unknown>(
    name,
    (u): u is string | undefined => u === undefined || codec.is(u),
    (u, c) => {
      if (u === undefined || u === null) return t.success(undefined);
      if (typeof u !== 'string') return t.failure(u, c, 'expected string');
      return u.trim() === '' ? t.success(undefined) : codec.validate(u, c);
    },
    (a) => a ?? '',
  );

/** Olark sends `""` for unknown values (`ip:""`, `emailAddress:""`); `operatorId: null` appears in one doc-derived README. */
const OptionalText = new t.Type<string | undefined, string, unknown>(
  'OptionalText',
  (u): u is string | undefined => u === undefined || (typeof u === 'string' && u.isWellFormed()),
  (u, c) => {
    if (u === undefined || u === null) return t.success(undefined);
    if (typeof u !== 'string') return t.failure(u, c, 'expected string');
    const text = u.trim().toWellFormed();
    return t.success(text === '' ? undefined : text);
  },
  (a) => a ?? '',
);

/** An email is what the CRM finds a person by (a search key, a SOQL literal). */
const OptionalEmail = optionalWith('Email', UrlSafeId('Email', 254));

const OptionalIdText = optionalWith('Id', UrlSafeId('Id', 128));

/** Operator ids are numeric strings (6–16 digits); a JSON number is taken as the same id. */
const OptionalId = new t.Type<string | undefined, string, unknown>(
  'OptionalId',
  (u): u is string | undefined => OptionalIdText.is(u),
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) ? t.success(String(u)) : OptionalIdText.validate(u, c)),
  (a) => a ?? '',
);

const SECONDS = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * Item time: a string of Unix seconds with a fraction (`"1558107754.825684"`, `"1307116657.1"`);
 * a JSON number is accepted too. Anything else fails rather than becoming an Invalid Date.
 */
export const UnixTime = new t.Type<Date, string, unknown>(
  'UnixTime',
  (u): u is Date => u instanceof Date && !Number.isNaN(u.getTime()),
  (u, c) => {
    const seconds = typeof u === 'string' && SECONDS.test(u) ? Number(u) : typeof u === 'number' && u >= 0 ? u : NaN;
    const at = new Date(Math.round(seconds * 1000));
    return Number.isNaN(at.getTime()) ? t.failure(u, c, 'expected Unix seconds such as "1558107754.825684"') : t.success(at);
  },
  (d) => String(d.getTime() / 1000),
);

/** Sent by an operator; `nickname` is the operator's display name. */
export const MessageToVisitor = knownKeys(
  t.intersection([
    t.type({ kind: t.literal('MessageToVisitor'), body: WellFormedText, timestamp: UnixTime }),
    t.partial({ nickname: OptionalText, operatorId: OptionalId }),
  ]),
);

/**
 * Sent by the visitor. `nickname` may be generated ("Returning Visitor | USA (San Francisco, CA) #7617")
 * or "Name (email)"; `visitor_nickname` (2016+) is the bare name. Snowplow's test body spells it
 * `visitorNickname` (snowplow/enrich OlarkAdapterSpec), so both are read.
 */
export const MessageToOperator = knownKeys(
  t.intersection([
    t.type({ kind: t.literal('MessageToOperator'), body: WellFormedText, timestamp: UnixTime }),
    t.partial({ nickname: OptionalText, visitor_nickname: OptionalText, visitorNickname: OptionalText }),
  ]),
);

/** Left while no operator was online; the offline form is flattened into `body` ("name: …\nemail: …"). */
export const OfflineMessage = knownKeys(t.type({ kind: t.literal('OfflineMessage'), body: WellFormedText, timestamp: UnixTime }));

/**
 * An item of a kind no public sample shows. Kept, never rejected: Olark may add kinds at any time.
 * `olarkKind` is the kind as sent; `body` and `timestamp` are kept only when they are usable.
 */
export const OtherItem = knownKeys(
  t.intersection([
    t.type({ kind: t.literal('Other'), olarkKind: WellFormedText }),
    t.partial({ body: WellFormedText, timestamp: UnixTime }),
  ]),
);

const knownItems = {
  messagetovisitor: { kind: 'MessageToVisitor', codec: MessageToVisitor },
  messagetooperator: { kind: 'MessageToOperator', codec: MessageToOperator },
  offlinemessage: { kind: 'OfflineMessage', codec: OfflineMessage },
};

const isKnownItemKey = (key: string): key is keyof typeof knownItems => Object.hasOwn(knownItems, key);

/** The context with its last entry naming `codec`, so error paths read as if `codec` had been used directly. */
const asValidatedBy = (c: t.Context, codec: t.Decoder<unknown, unknown>): t.Context => {
  const last = c[c.length - 1];
  return last === undefined ? c : [...c.slice(0, -1), { ...last, type: codec }];
};

const AnyItem = t.union([MessageToVisitor, MessageToOperator, OfflineMessage, OtherItem]);
export type OlarkItem = t.TypeOf<typeof AnyItem>;

/**
 * Picks the item codec by `kind` (case-insensitively) instead of trying every member of a union:
 * a bad item then reports its own field (`items.0.body`) rather than one error per union member.
 */
export const OlarkItem = new t.Type<OlarkItem, unknown, unknown>(
  'OlarkItem',
  AnyItem.is,
  (u, c) => {
    if (!t.UnknownRecord.is(u) || typeof u.kind !== 'string') return t.failure(u, c, 'expected an object with a string kind');
    const key = u.kind.trim().toLowerCase();
    if (isKnownItemKey(key)) {
      const known = knownItems[key];
      return known.codec.validate({ ...u, kind: known.kind }, asValidatedBy(c, known.codec));
    }
    const timestampIsUsable = UnixTime.decode(u.timestamp)._tag === 'Right';
    return OtherItem.validate(
      {
        kind: 'Other',
        olarkKind: u.kind,
        ...(typeof u.body === 'string' ? { body: u.body } : {}),
        ...(timestampIsUsable ? { timestamp: u.timestamp } : {}),
      },
      asValidatedBy(c, OtherItem),
    );
  },
  t.identity,
);

/** Read only to describe a failure, and the quick path describes none: on any failure the item codecs run again with real contexts. */
const NO_CONTEXT: t.Context = [];

const own = (u: Readonly<Record<string, unknown>>, key: string): unknown => (Object.hasOwn(u, key) ? u[key] : undefined);

/**
 * A message item decoded with the item codecs' own field codecs into the value those codecs give
 * (fields they do not name dropped; an optional field sent empty kept as `undefined`, as io-ts
 * keeps it), without the copies and contexts io-ts makes per item: they were most of the
 * decoding time of a 10,000-message transcript. `undefined` for anything the codecs would refuse
 * and for items of other kinds: the codecs then decode the items and name what is wrong.
 * test/sources/olark/codec.test.ts holds the two to the same values.
 */
const quickItem = (u: unknown): OlarkItem | undefined => {
  if (!t.UnknownRecord.is(u) || typeof u.kind !== 'string') return undefined;
  const kind = u.kind.trim().toLowerCase();
  const body = WellFormedText.validate(own(u, 'body'), NO_CONTEXT);
  const timestamp = UnixTime.validate(own(u, 'timestamp'), NO_CONTEXT);
  if (body._tag === 'Left' || timestamp._tag === 'Left') return undefined;
  const nickname = OptionalText.validate(own(u, 'nickname'), NO_CONTEXT);
  if (nickname._tag === 'Left') return undefined;
  if (kind === 'messagetovisitor') {
    const operatorId = OptionalId.validate(own(u, 'operatorId'), NO_CONTEXT);
    if (operatorId._tag === 'Left') return undefined;
    const item: t.TypeOf<typeof MessageToVisitor> = { kind: 'MessageToVisitor', body: body.right, timestamp: timestamp.right };
    if (Object.hasOwn(u, 'nickname')) item.nickname = nickname.right;
    if (Object.hasOwn(u, 'operatorId')) item.operatorId = operatorId.right;
    return item;
  }
  if (kind === 'messagetooperator') {
    const bare = OptionalText.validate(own(u, 'visitor_nickname'), NO_CONTEXT);
    const snowplow = OptionalText.validate(own(u, 'visitorNickname'), NO_CONTEXT);
    if (bare._tag === 'Left' || snowplow._tag === 'Left') return undefined;
    const item: t.TypeOf<typeof MessageToOperator> = { kind: 'MessageToOperator', body: body.right, timestamp: timestamp.right };
    if (Object.hasOwn(u, 'nickname')) item.nickname = nickname.right;
    if (Object.hasOwn(u, 'visitor_nickname')) item.visitor_nickname = bare.right;
    if (Object.hasOwn(u, 'visitorNickname')) item.visitorNickname = snowplow.right;
    return item;
  }
  return kind === 'offlinemessage' ? { kind: 'OfflineMessage', body: body.right, timestamp: timestamp.right } : undefined;
};

const ItemArray = t.array(OlarkItem);

/** `t.array(OlarkItem)`, every item tried on the quick path first. */
export const OlarkItems = new t.Type<OlarkItem[], unknown[], unknown>(
  ItemArray.name,
  ItemArray.is,
  (u, c) => {
    if (Array.isArray(u)) {
      const items: OlarkItem[] = [];
      for (const value of u) {
        const item = quickItem(value);
        if (item === undefined) break;
        items.push(item);
      }
      if (items.length === u.length) return t.success(items);
    }
    return ItemArray.validate(u, asValidatedBy(c, ItemArray));
  },
  ItemArray.encode,
);

/** `{kind:"Operator", id, username, nickname, emailAddress}`; all optional, the map key is the id. */
export const OlarkOperator = knownKeys(
  t.partial({
    id: OptionalId,
    username: OptionalText,
    nickname: OptionalText,
    emailAddress: OptionalEmail,
  }),
);
export type OlarkOperator = t.TypeOf<typeof OlarkOperator>;

export const OlarkGroup = knownKeys(t.partial({ id: OptionalText, name: OptionalText }));
export type OlarkGroup = t.TypeOf<typeof OlarkGroup>;

/** Every field optional: Olark fills what it knows. `chat_feedback` is `{}` until the visitor rates the chat. */
export const OlarkVisitor = knownKeys(
  t.partial({
    id: OptionalIdText,
    fullName: OptionalText,
    emailAddress: OptionalEmail,
    phoneNumber: OptionalText,
    city: OptionalText,
    region: OptionalText,
    country: OptionalText,
    countryCode: OptionalText,
    organization: OptionalText,
    ip: OptionalText,
    browser: OptionalText,
    operatingSystem: OptionalText,
    conversationBeginPage: OptionalText,
    referrer: OptionalText,
    /** Free-form, set by the site through `api.visitor.updateCustomFields`. */
    customFields: t.UnknownRecord,
    chat_feedback: t.UnknownRecord,
  }),
);
export type OlarkVisitor = t.TypeOf<typeof OlarkVisitor>;

/**
 * The whole payload. `operators` is absent on offline messages and `{}` on start events;
 * `eventType` (`"start"`) only comes with "Send all events"; `manuallySubmitted` since 2016.
 */
export const OlarkPayload = knownKeys(
  t.intersection([
    t.type({ id: ConversationId, items: OlarkItems }),
    t.partial({
      // Every real payload carries it; a hand-made replay without it is still a conversation.
      kind: ConversationKind,
      visitor: OlarkVisitor,
      operators: DataRecord(OlarkOperator, UrlSafeId('OperatorId', 128)),
      groups: t.array(OlarkGroup),
      tags: t.array(WellFormedText),
      manuallySubmitted: t.boolean,
      eventType: OptionalText,
    }),
  ]),
);
export type OlarkPayload = t.TypeOf<typeof OlarkPayload>;
