/**
 * io-ts decode errors as text, the one way: in 4xx answers (`INVALID_PAYLOAD`, `INVALID_QUERY`),
 * failures of a platform's answer, start-up errors (env keys) and unreadable stored rows.
 *
 * One `path: message` per failing path (and per message a codec gives itself): the path names the key
 * (`items.0.body`, `HUBSPOT_TIMEOUT_MS`, `(root)` for the value itself) without the member index
 * that `t.intersection` / `t.union` add (`items.0.0.body` → `items.0.body`: the data has no such
 * level); the message is the codec's own or what was expected, never the value: values are
 * personal data (an email, a phone number) or secrets (a mistyped token), and these lines reach
 * logs and API clients.
 */
import * as t from 'io-ts';

const expectation = (type: t.Decoder<unknown, unknown>): string => {
  if (type instanceof t.ArrayType || type instanceof t.AnyArrayType) return 'expected an array';
  if (
    type instanceof t.InterfaceType ||
    type instanceof t.PartialType ||
    type instanceof t.IntersectionType ||
    type instanceof t.DictionaryType ||
    type instanceof t.AnyDictionaryType
  )
    return 'expected an object';
  if (type instanceof t.LiteralType) return `expected ${JSON.stringify(type.value)}`;
  return `expected ${type.name}`;
};

const isCombinator = (type: t.Decoder<unknown, unknown> | undefined): boolean =>
  type instanceof t.IntersectionType || type instanceof t.UnionType;

const pathOf = (context: t.Context, prefix: string): string => {
  const keys = context.filter((entry, i) => entry.key !== '' && !isCombinator(context[i - 1]?.type)).map((e) => e.key);
  const path = [prefix, ...keys].filter((k) => k !== '').join('.');
  return path === '' ? '(root)' : path;
};

/**
 * Every failing path as `path: message`.
 * @param prefix put before every path: where the decoded value sits in a larger body (`Notifications.0`).
 */
export const describeErrors = (errors: t.Errors, prefix = ''): string[] => {
  const lines = new Map<string, string>();
  for (const error of errors) {
    const path = pathOf(error.context, prefix);
    const last = error.context[error.context.length - 1];
    // What was expected, once per path (each member of a union would say it again); a codec's own
    // messages each (a mapping file lists every problem of the one MAPPING_FILE value).
    const key = error.message === undefined ? path : `${path}\n${error.message}`;
    if (!lines.has(key)) lines.set(key, `${path}: ${error.message ?? (last === undefined ? 'invalid' : expectation(last.type))}`);
  }
  return [...lines.values()];
};

/** The first `max` lines in one: `items.0.body: expected string; id: expected a non-empty string (and 2 more)`. */
export const summarizeErrors = (errors: t.Errors, options: { readonly max?: number; readonly prefix?: string } = {}): string => {
  const lines = describeErrors(errors, options.prefix);
  const max = options.max ?? 3;
  const more = lines.length - max;
  return lines.slice(0, max).join('; ') + (more > 0 ? ` (and ${more} more)` : '');
};
