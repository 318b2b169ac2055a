import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';

/**
 * Small io-ts building blocks for string-typed inputs (environment, query strings). Kept in the
 * domain because connectors use them for their own configuration too.
 */

/** A string that is not blank after trimming; the trimmed value. */
export const NonEmptyString = new t.Type<string, string, unknown>(
  'NonEmptyString',
  (u): u is string => typeof u === 'string' && u.trim().length > 0,
  (u, c) => (typeof u === 'string' && u.trim().length > 0 ? t.success(u.trim()) : t.failure(u, c, 'must not be empty')),
  String,
);

export const IntFromString = (name: string, min: number, max: number) =>
  new t.Type<number, string, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) => {
      if (typeof u !== 'string' || !/^\s*-?\d+\s*$/.test(u)) return t.failure(u, c, `must be a whole number from ${min} to ${max}`);
      const n = Number(u);
      return n >= min && n <= max ? t.success(n) : t.failure(u, c, `must be a whole number from ${min} to ${max}`);
    },
    String,
  );

/** An absolute http(s) URL, without a trailing slash. */
export const HttpUrl = new t.Type<string, string, unknown>(
  'HttpUrl',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'must be a URL');
    try {
      const url = new URL(u.trim());
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return t.failure(u, c, 'must be an http:// or https:// URL');
      return t.success(url.toString().replace(/\/+$/, ''));
    } catch {
      return t.failure(u, c, 'must be an absolute URL such as https://example.com');
    }
  },
  String,
);

/** `a, b ,c` → `['a','b','c']` (lower-cased, blanks dropped). */
export const LowerCaseList = new t.Type<string[], string, unknown>(
  'LowerCaseList',
  (u): u is string[] => Array.isArray(u),
  (u, c) =>
    typeof u === 'string'
      ? t.success(
          u
            .split(',')
            .map((x) => x.trim().toLowerCase())
            .filter((x) => x.length > 0),
        )
      : t.failure(u, c, 'must be a comma-separated list'),
  (xs) => xs.join(','),
);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5s`, `2m`, `1h`, `250ms` → milliseconds. */
export const parseDuration = (text: string): number | undefined => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  const unit = UNIT_MS[m[2]];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
};

/** `5s,30s,2m` → `[5000, 30000, 120000]`; at least one entry. */
export const DurationList = new t.Type<number[], string, unknown>(
  'DurationList',
  (u): u is number[] => Array.isArray(u),
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'must be a comma-separated list of durations such as 5s,30s,2m');
    const parts = u
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
    const values = parts.map(parseDuration);
    if (parts.length === 0 || values.some((v) => v === undefined))
      return t.failure(u, c, 'must be a comma-separated list of durations such as 5s,30s,2m,10m (units ms, s, m, h, d)');
    return t.success(values.filter((v): v is number => v !== undefined));
  },
  (xs) => xs.map((x) => `${x}ms`).join(','),
);

/** Reads `key` from an env record, with a default used when the key is unset or blank. */
export const withDefault = <A>(codec: t.Type<A, string, unknown>, fallback: string) =>
  new t.Type<A, string, unknown>(
    codec.name,
    codec.is,
    (u, c) => codec.validate(u === undefined || (typeof u === 'string' && u.trim() === '') ? fallback : u, c),
    codec.encode,
  );

/** An optional key: unset or blank is `undefined`. */
export const optional = <A>(codec: t.Type<A, string, unknown>) =>
  new t.Type<A | undefined, string | undefined, unknown>(
    `${codec.name}?`,
    (u): u is A | undefined => u === undefined || codec.is(u),
    (u, c) => (u === undefined || (typeof u === 'string' && u.trim() === '') ? t.success(undefined) : codec.validate(u, c)),
    (a) => (a === undefined ? undefined : codec.encode(a)),
  );

/** One of the given literal strings (case-insensitive input). */
export const OneOf = <K extends string>(name: string, values: readonly K[]) =>
  new t.Type<K, string, unknown>(
    name,
    (u): u is K => typeof u === 'string' && (values as readonly string[]).includes(u),
    (u, c) => {
      const v = typeof u === 'string' ? u.trim().toLowerCase() : u;
      const hit = values.find((x) => x === v);
      return hit !== undefined ? t.success(hit) : t.failure(u, c, `must be one of ${values.join(', ')}`);
    },
    String,
  );

/** Decode errors as `path: message` lines: the one reporter, in decode-errors.ts (re-exported for the callers that read codecs here). */
export { describeErrors } from './decode-errors';

/*
 * Outside data that becomes part of a URL, a CRM key or a header must be representable there:
 * `encodeURIComponent` throws a URIError on a lone UTF-16 surrogate, CRMs refuse control
 * characters and overlong keys. Checked before anything is stored, so a stored value can always
 * be turned into a link.
 */

// C0 controls, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Free text (names, message bodies, tags): lone surrogates become U+FFFD, which every CRM and page can show. */
export const WellFormedText = new t.Type<string, string, unknown>(
  'WellFormedText',
  (u): u is string => typeof u === 'string' && u.isWellFormed(),
  (u, c) => (typeof u === 'string' ? t.success(u.toWellFormed()) : t.failure(u, c, 'expected string')),
  String,
);

/**
 * An id or key from outside that we put in URLs and CRM keys: trimmed, 1 to `max` characters,
 * no control characters, no lone surrogates. Refused rather than repaired: a changed id would
 * name another conversation.
 */
export const UrlSafeId = (name: string, max = 128) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && u.length > 0 && u.length <= max && u.isWellFormed() && !CONTROL.test(u) && u.trim() === u,
    (u, c) => {
      if (typeof u !== 'string' || u.trim() === '') return t.failure(u, c, 'expected a non-empty string');
      const id = u.trim();
      if (id.length > max) return t.failure(u, c, `expected at most ${max} characters`);
      if (!id.isWellFormed()) return t.failure(u, c, 'expected well-formed text (it has a lone UTF-16 surrogate)');
      if (CONTROL.test(id)) return t.failure(u, c, 'expected no control characters');
      return t.success(id);
    },
    String,
  );

/*
 * Object codecs for outside objects. io-ts rebuilds an object it changes by assignment
 * (`Object.assign({}, u)`, `r[k] = v`), which turns a `"__proto__"` key of the data into the
 * copy's prototype (see ./json.ts). These read only the keys a codec names, or define keys
 * instead of assigning them.
 */

const propsOf = (codec: unknown): string[] => {
  if (codec instanceof t.InterfaceType || codec instanceof t.PartialType) {
    const props: unknown = codec.props;
    if (t.UnknownRecord.is(props)) return Object.keys(props);
  }
  if (codec instanceof t.IntersectionType) {
    const members: unknown = codec.types;
    if (Array.isArray(members)) return [...new Set(members.flatMap((member: unknown) => propsOf(member)))];
  }
  if (codec instanceof t.ExactType || codec instanceof t.ReadonlyType || codec instanceof t.RefinementType) {
    const inner: unknown = codec.type;
    return propsOf(inner);
  }
  // A bug in a codec definition, found the first time the module loads.
  throw new Error('knownKeys takes a t.type, a t.partial or an intersection of them');
};

/** `u` with only `keys` (a codec's own, never `__proto__`), each only when `u` has it as its own. */
const pick = (u: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> => {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(u, key)) picked[key] = u[key];
  return picked;
};

/** `target[key] = value`, defined rather than assigned when `key` is `__proto__` (assignment would set the prototype). */
const defineKey = <V>(target: Record<string, V>, key: string, value: V): void => {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
};

/** The context with its last entry naming `codec`, so error paths read as if `codec` had been used directly. */
const retyped = (c: t.Context, codec: t.Decoder<unknown, unknown>): t.Context => {
  const last = c[c.length - 1];
  return last === undefined ? c : [...c.slice(0, -1), { ...last, type: codec }];
};

/**
 * `codec` (a `t.type`, `t.partial`, or an intersection of them) reading only the keys it names:
 * other keys of the input, `__proto__` among them, are dropped before io-ts copies anything.
 */
export const knownKeys = <A, O>(codec: t.Type<A, O, unknown>): t.Type<A, O, unknown> => {
  const keys = propsOf(codec);
  return new t.Type<A, O, unknown>(
    codec.name,
    codec.is,
    (u, c) => codec.validate(t.UnknownRecord.is(u) ? pick(u, keys) : u, retyped(c, codec)),
    codec.encode,
  );
};

/**
 * A map keyed by outside data (Olark's operators by id): every key kept, `__proto__` too, as an
 * own property; a key the map lacks is never found on its prototype by `Object.hasOwn` lookups.
 */
export const DataRecord = <A, O>(codomain: t.Type<A, O, unknown>, key: t.Type<string, string, unknown> = t.string) =>
  new t.Type<Record<string, A>, Record<string, O>, unknown>(
    `DataRecord<${codomain.name}>`,
    (u): u is Record<string, A> => t.UnknownRecord.is(u) && Object.entries(u).every(([k, v]) => key.is(k) && codomain.is(v)),
    (u, c) => {
      if (!t.UnknownRecord.is(u)) return t.failure(u, c, 'expected an object');
      const out: Record<string, A> = {};
      const errors: t.Errors = [];
      for (const [k, value] of Object.entries(u)) {
        const decodedKey = key.validate(k, t.appendContext(c, k, key, k));
        const decoded = codomain.validate(value, t.appendContext(c, k, codomain, value));
        if (isLeft(decodedKey)) errors.push(...decodedKey.left);
        else if (isLeft(decoded)) errors.push(...decoded.left);
        else defineKey(out, decodedKey.right, decoded.right);
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out);
    },
    (a) => {
      const out: Record<string, O> = {};
      for (const [k, value] of Object.entries(a)) defineKey(out, k, codomain.encode(value));
      return out;
    },
  );
