import * as t from 'io-ts';
import { knownKeys } from '../../domain/codecs';
import { scalarText, textRecord } from '../../domain/conversation';

/**
 * The body LiveSupporti posts: the envelope of Microsoft's ASP.NET WebHooks sender
 * (`WebHookSender.CreateWebHookRequestBody`) around LiveSupporti's own notification data
 * (https://support.livesupporti.com/forums/10/topics/20024; test/fixtures/livesupporti). Only what
 * we rely on is strict: the work item `Id` (the dedup key), the notifications array, each `Action`,
 * and, for a chat start, the account and visitor ids that make the conversation key.
 *
 * Every object codec reads only the keys it names (`knownKeys`): io-ts copies an object whose
 * fields it changes by assignment, which would make a `"__proto__"` key of the body the copy's
 * prototype and lend its fields, unvalidated, to the ones the body lacks (src/domain/json.ts).
 */

/** An id the sender may write as a string or, for numeric ids such as `AgentId`, a number. */
const IdText = new t.Type<string, string, unknown>(
  'IdText',
  (u): u is string => typeof u === 'string' && u.length > 0,
  (u, c) => {
    if (typeof u === 'number' && Number.isSafeInteger(u)) return t.success(String(u));
    if (typeof u === 'string' && u.trim() !== '') return t.success(u.trim());
    return t.failure(u, c, 'expected a non-empty string');
  },
  String,
);

/** `null`, `""` and blanks mean "not known" (.NET serialises unset strings as null). */
const OptionalText = new t.Type<string | undefined, string, unknown>(
  'OptionalText',
  (u): u is string | undefined => u === undefined || typeof u === 'string',
  (u, c) => {
    if (u === undefined || u === null) return t.success(undefined);
    if (typeof u !== 'string') return t.failure(u, c, 'expected a string or null');
    const text = u.trim();
    return t.success(text === '' ? undefined : text);
  },
  (a) => a ?? '',
);

const OptionalId = new t.Type<string | undefined, string, unknown>(
  'OptionalId',
  (u): u is string | undefined => u === undefined || typeof u === 'string',
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) ? t.success(String(u)) : OptionalText.validate(u, c)),
  (a) => a ?? '',
);

/**
 * `Id` is the work item's GUID ("N" format), the same on every retry; `Attempt` counts retries
 * from 1 (`DataFlowWebHookSender.LaunchWebHook` re-signs the rebuilt body each time).
 */
export const Envelope = knownKeys(
  t.intersection([
    t.type({ Id: IdText, Notifications: t.array(t.unknown) }),
    t.partial({ Attempt: t.union([t.number, t.null]), Properties: t.unknown }),
  ]),
);
export type Envelope = t.TypeOf<typeof Envelope>;

export const NotificationHead = knownKeys(t.type({ Action: t.string }));

/** The vendor's example sends only `Id` and `Email`; the rest is read when present. */
const NamedVisitor = knownKeys(
  t.intersection([t.type({ Id: IdText }), t.partial({ Email: OptionalText, Name: OptionalText, Phone: OptionalText })]),
);
type NamedVisitor = t.TypeOf<typeof NamedVisitor>;
const NAMED: ReadonlySet<string> = new Set(['Id', 'Email', 'Name', 'Phone']);

/**
 * The visitor, and as `Properties` every other scalar member the "Visitor data" the account
 * collects may add beside them (their names are the account's own, so none is assumed).
 */
export type VisitorData = NamedVisitor & { readonly Properties?: Readonly<Record<string, string>> };
const Visitor = new t.Type<VisitorData, unknown, unknown>(
  'Visitor',
  (u): u is VisitorData => NamedVisitor.is(u),
  (u, c) => {
    const named = NamedVisitor.validate(u, c);
    if (named._tag === 'Left' || !t.UnknownRecord.is(u)) return named;
    const properties = textRecord(
      Object.entries(u)
        .filter(([key]) => !NAMED.has(key))
        .map(([key, value]) => [key, scalarText(value)] as const),
    );
    return t.success(properties === undefined ? named.right : { ...named.right, Properties: properties });
  },
  t.identity,
);

/** A chat start's data (vendor example: support.livesupporti.com/forums/10/topics/20024, 2016). */
export const ChatStartedData = knownKeys(t.intersection([t.type({ AccountId: IdText, Visitor }), t.partial({ AgentId: OptionalId })]));
export type ChatStartedData = t.TypeOf<typeof ChatStartedData>;
