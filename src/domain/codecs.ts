import * as t from 'io-ts';

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
    const parts = u.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
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

/** `key: message` for every failure, naming the outermost key (env keys, payload paths). */
export const describeErrors = (errors: t.Errors): string[] => {
  const lines = errors.map((e) => {
    const path = e.context
      .map((c) => c.key)
      .filter((k) => k !== '')
      .join('.');
    const expected = e.context[e.context.length - 1]?.type.name ?? 'value';
    const message = e.message ?? `expected ${expected}, got ${JSON.stringify(e.value) ?? 'undefined'}`;
    return `${path === '' ? '(root)' : path}: ${message}`;
  });
  return [...new Set(lines)];
};
