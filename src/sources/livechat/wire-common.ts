import * as t from 'io-ts';
import { UrlSafeId } from '../../domain/codecs';

/**
 * Small codecs shared by LiveChat's webhook bodies and its Agent Chat API answers. Liberal where
 * LiveChat drifts between versions
 * (https://platform.text.com/docs/messaging/agent-chat-api/data-structures against older payloads:
 * `recipients` → `visibility`, form `value` → `answer`, `license_id` → `organization_id`), strict
 * where we rely on a value (ids, times).
 */

/**
 * An id we key on (chat, thread, event, customer, visitor): it becomes part of the CRM key
 * (`livechat:<chat_id>`), our stable link and API paths, so it must fit in a URL (`UrlSafeId`).
 * LiveChat's are ten characters (`PJ0MRSHTDG`) or UUIDs.
 */
export const Id = UrlSafeId('Id', 128);

/** `""`, `null` and missing all mean "no value" (`"custom_id": ""`, `"value": ""` in real payloads); lone surrogates become U+FFFD. */
export const OptionalText = new t.Type<string | undefined, string, unknown>(
  'OptionalText',
  (u): u is string | undefined => u === undefined || (typeof u === 'string' && u.isWellFormed()),
  (u, c) => {
    if (u === undefined || u === null) return t.success(undefined);
    if (typeof u !== 'string') return t.failure(u, c, 'expected a string');
    const text = u.trim().toWellFormed();
    return t.success(text === '' ? undefined : text);
  },
  (a) => a ?? '',
);

/** An email LiveChat states (a customer's, an agent's): what the CRM finds a person by, so it must fit in a search key. */
export const OptionalEmail = new t.Type<string | undefined, string, unknown>(
  'Email',
  (u): u is string | undefined => u === undefined || EmailId.is(u),
  (u, c) => {
    if (u === undefined || u === null) return t.success(undefined);
    if (typeof u !== 'string') return t.failure(u, c, 'expected a string');
    return u.trim() === '' ? t.success(undefined) : EmailId.validate(u, c);
  },
  (a) => a ?? '',
);
const EmailId = UrlSafeId('Email', 254);

/** A typed-in email (a form answer) is free text: kept only when it could be an email and a search key. */
export const usableEmail = (text: string | undefined): string | undefined => {
  const e = text?.trim().toLowerCase();
  return e === undefined || !e.includes('@') || !EmailId.is(e) ? undefined : e;
};

/** Ids that are numbers in one version and strings in another (`license_id: 21377312` vs `"8762851"`, `group_ids: [0]`). */
export const IdLike = new t.Type<string, string, unknown>(
  'IdLike',
  (u): u is string => typeof u === 'string',
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) ? t.success(String(u)) : Id.validate(u, c)),
  String,
);

/**
 * RFC 3339 with microseconds (`2019-10-11T09:40:59.219001Z`, `…+01:00`): the agent-chat-api data
 * structures. `Date.parse` keeps milliseconds, which is all a transcript shows.
 */
export const Rfc3339 = new t.Type<Date, string, unknown>(
  'Rfc3339',
  (u): u is Date => u instanceof Date && !Number.isNaN(u.getTime()),
  (u, c) => {
    const at = typeof u === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(u) ? new Date(Date.parse(u)) : undefined;
    return at === undefined || Number.isNaN(at.getTime())
      ? t.failure(u, c, 'expected an RFC 3339 time such as "2019-10-11T09:40:59.219001Z"')
      : t.success(at);
  },
  (d) => d.toISOString(),
);

/** Unix seconds (v2 webhooks: `"timestamp": 1494990905`); a numeric string is taken too. */
export const UnixSeconds = new t.Type<Date, number, unknown>(
  'UnixSeconds',
  (u): u is Date => u instanceof Date,
  (u, c) => {
    const seconds = typeof u === 'number' ? u : typeof u === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(u) ? Number(u) : NaN;
    return Number.isFinite(seconds) && seconds >= 0
      ? t.success(new Date(Math.round(seconds * 1000)))
      : t.failure(u, c, 'expected Unix seconds such as 1494990905');
  },
  (d) => d.getTime() / 1000,
);

/** A list whose bad entries are errors, but whose absence (`undefined`/`null`) is an empty list. */
export const listOf = <C extends t.Mixed>(codec: C) => {
  const array = t.array(codec);
  return new t.Type<t.TypeOf<C>[], unknown, unknown>(
    `ListOf<${codec.name}>`,
    array.is,
    (u, c) => (u === undefined || u === null ? t.success([]) : array.validate(u, c)),
    t.identity,
  );
};

/**
 * A list whose absence (`undefined`/`null`) stays unknown: for data we write back whole, where
 * reading "absent" as "empty" would wipe what is there (a customer's `session_fields` missing
 * from a `get_chat` answer are not "no fields").
 */
export const knownListOf = <C extends t.Mixed>(codec: C) => {
  const array = t.array(codec);
  return new t.Type<t.TypeOf<C>[] | undefined, unknown, unknown>(
    `KnownListOf<${codec.name}>`,
    (u): u is t.TypeOf<C>[] | undefined => u === undefined || array.is(u),
    (u, c) => (u === undefined || u === null ? t.success(undefined) : array.validate(u, c)),
    t.identity,
  );
};
