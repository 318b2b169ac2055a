/**
 * What we keep as JSON in the database, with codecs to read it back: a row written by an older
 * version, or edited by hand, is decoded like any other outside data.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import type { Conversation } from '../domain/conversation';
import type { CrmPerson, CrmRecord } from '../domain/record';
import type { LocalFields } from '../domain/local-records';
import type { SourceMeta } from '../domain/source';
import { DataRecord, describeErrors, knownKeys } from '../domain/codecs';
import { foreignPrototypeAt, parseJsonSafe } from '../domain/json';

const DateFromIso = new t.Type<Date, string, unknown>(
  'DateFromIso',
  (u): u is Date => u instanceof Date,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c);
    const d = new Date(u);
    return Number.isNaN(d.getTime()) ? t.failure(u, c, 'not a date') : t.success(d);
  },
  (d) => d.toISOString(),
);

/**
 * A message's time as stored: epoch milliseconds (written since 2026-12-02), or the ISO string
 * older rows hold. Formatting a Date as ISO is a call into V8's runtime, about 1.5 µs each: it
 * was a fifth of the time a 10,000-message transcript took from POST to answer, and parsing it
 * back as much again when a stored conversation is read.
 */
const MessageTime = new t.Type<Date, number, unknown>(
  'MessageTime',
  (u): u is Date => u instanceof Date,
  (u, c) => {
    if (typeof u === 'number') return Number.isFinite(u) && Math.abs(u) <= 8.64e15 ? t.success(new Date(u)) : t.failure(u, c, 'not a time');
    return DateFromIso.validate(u, c);
  },
  (d) => d.getTime(),
);

/** Any registered platform's name (the registry may grow; a row never names something else). */
const SourceNameCodec = new t.Type<string, string, unknown>(
  'SourceName',
  (u): u is string => typeof u === 'string',
  (u, c) => (typeof u === 'string' && /^[a-z][a-z0-9-]{0,31}$/.test(u) ? t.success(u) : t.failure(u, c, 'expected a platform name')),
  String,
);

// Object codecs read only the keys they name: a hand-edited `__proto__` key is dropped, never a prototype (domain/json.ts).
const VisitorJson = knownKeys(
  t.partial({
    id: t.string,
    name: t.string,
    email: t.string,
    phone: t.string,
    company: t.string,
    city: t.string,
    region: t.string,
    country: t.string,
    countryCode: t.string,
    pageUrl: t.string,
    firstName: t.string,
    lastName: t.string,
    referrer: t.string,
    ip: t.string,
    browser: t.string,
    os: t.string,
    language: t.string,
  }),
);

/** Keys are the site's or the form's own: any text, each defined as data (`DataRecord`). */
const TextRecordJson = DataRecord(t.string);

const ConversationCore = knownKeys(
  t.type({
    source: SourceNameCodec,
    id: t.string,
    visitor: VisitorJson,
    messages: t.readonlyArray(
      knownKeys(
        t.type({ role: t.keyof({ visitor: null, operator: null, system: null }), author: t.string, body: t.string, at: MessageTime }),
      ),
    ),
    tags: t.readonlyArray(t.string),
    groups: t.readonlyArray(t.string),
    operators: t.readonlyArray(knownKeys(t.intersection([t.type({ id: t.string, name: t.string }), t.partial({ email: t.string })]))),
    offline: t.boolean,
  }),
);

/** The optional facts came with field mapping: rows written before have none, and decode. */
const ConversationFacts = knownKeys(
  t.partial({
    url: t.string,
    startedAt: DateFromIso,
    endedAt: DateFromIso,
    rating: t.string,
    custom: TextRecordJson,
    form: TextRecordJson,
  }),
);

/**
 * The core and the facts read from the same object, each naming its own paths (an io-ts
 * intersection would prefix every path with the member's index).
 */
const ConversationJson = new t.Type<Conversation, unknown, unknown>(
  'Conversation',
  (u): u is Conversation => ConversationCore.is(u),
  (u, c) => {
    const core = ConversationCore.validate(u, c);
    const facts = ConversationFacts.validate(u, c);
    if (isLeft(core) || isLeft(facts)) return t.failures([...(isLeft(core) ? core.left : []), ...(isLeft(facts) ? facts.left : [])]);
    const f = facts.right;
    return t.success({
      ...core.right,
      ...(f.url === undefined ? {} : { url: f.url }),
      ...(f.startedAt === undefined ? {} : { startedAt: f.startedAt }),
      ...(f.endedAt === undefined ? {} : { endedAt: f.endedAt }),
      ...(f.rating === undefined ? {} : { rating: f.rating }),
      ...(f.custom === undefined ? {} : { custom: f.custom }),
      ...(f.form === undefined ? {} : { form: f.form }),
    });
  },
  t.identity,
);

const MetaJson = t.record(t.string, t.string);
const CrmPersonJson = t.intersection([
  t.type({ type: t.string, id: t.string, url: t.string }),
  t.partial({ name: t.string, company: t.string }),
]);

const CrmRecordJson = t.type({
  crm: t.string,
  action: t.keyof({ lead: null, case: null }),
  type: t.string,
  id: t.string,
  url: t.string,
  refs: t.record(t.string, t.string),
});

const HistoryJson = t.readonlyArray(knownKeys(t.type({ at: DateFromIso, change: t.string })));

const decodeOrThrow = <A, O>(codec: t.Type<A, O, unknown>, what: string, text: string): A => {
  // A row we cannot read is a bug or a corrupted database, not an expected failure. The messages
  // name paths and expected types, never values: they reach the error log.
  const parsed = parseJsonSafe(text, `stored ${what}`);
  if (isLeft(parsed)) throw new Error(`${parsed.left.detail ?? parsed.left.code}`);
  const result = codec.decode(parsed.right);
  if (isLeft(result)) throw new Error(`stored ${what} is unreadable: ${describeErrors(result.left).join('; ')}`);
  const foreign = foreignPrototypeAt(result.right);
  if (foreign !== undefined) throw new Error(`stored ${what} is unreadable: ${foreign}: expected plain data`);
  return result.right;
};

/**
 * A conversation is written by intake and again by the local CRM's delivery, as the same object,
 * never changed (its type is readonly): its JSON is made once.
 */
const written = new WeakMap<Conversation, string>();

/**
 * What the codec's encoder would make, at a fraction of its cost: message times as epoch
 * milliseconds (MessageTime), made before JSON.stringify sees them, since a Date takes it off its
 * fast path.
 */
export const toConversationJson = (c: Conversation): string => {
  const known = written.get(c);
  if (known !== undefined) return known;
  const json = JSON.stringify({
    ...c,
    messages: c.messages.map((m) => ({ role: m.role, author: m.author, body: m.body, at: m.at.getTime() })),
  });
  written.set(c, json);
  return json;
};
export const fromConversationJson = (text: string): Conversation => decodeOrThrow(ConversationJson, 'conversation', text);
export const toRecordJson = (r: CrmRecord): string => JSON.stringify(CrmRecordJson.encode({ ...r, refs: { ...r.refs } }));
export const fromRecordJson = (text: string): CrmRecord => decodeOrThrow(CrmRecordJson, 'record', text);
export type History = t.TypeOf<typeof HistoryJson>;
export const toHistoryJson = (h: History): string => JSON.stringify(h);
export const fromHistoryJson = (text: string): History => decodeOrThrow(HistoryJson, 'history', text);
export const toMetaJson = (m: SourceMeta): string => JSON.stringify(m);
export const fromMetaJson = (text: string): SourceMeta => decodeOrThrow(MetaJson, 'meta', text);
const LocalFieldsJson = DataRecord(DataRecord(t.string));
export const toLocalFieldsJson = (f: LocalFields): string => JSON.stringify(f);
export const fromLocalFieldsJson = (text: string): LocalFields => decodeOrThrow(LocalFieldsJson, 'local CRM fields', text);
export const toPersonJson = (p: CrmPerson): string =>
  JSON.stringify({ type: p.type, id: p.id, url: p.url, name: p.name, company: p.company });
export const fromPersonJson = (text: string): CrmPerson => decodeOrThrow(CrmPersonJson, 'person', text);
