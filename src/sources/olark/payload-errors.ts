import * as t from 'io-ts';

/**
 * io-ts errors as a short `path: message` list for an API client. Unlike `describeErrors`
 * (domain/codecs.ts), it drops the member indices that `t.intersection` / `t.union` add to the
 * path (`items.0.0.body` → `items.0.body`) and keeps only the first few paths.
 */

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

const pathOf = (context: t.Context): string => {
  const keys = context.filter((entry, i) => entry.key !== '' && !isCombinator(context[i - 1]?.type)).map((e) => e.key);
  return keys.length === 0 ? '(root)' : keys.join('.');
};

/** `items.0.body: expected string; id: expected a non-empty string (and 2 more)`. */
export const describePayloadErrors = (errors: t.Errors, max = 3): string => {
  const byPath = new Map<string, string>();
  for (const error of errors) {
    const path = pathOf(error.context);
    const last = error.context[error.context.length - 1];
    if (!byPath.has(path)) byPath.set(path, error.message ?? (last === undefined ? 'invalid' : expectation(last.type)));
  }
  const lines = [...byPath].map(([path, message]) => `${path}: ${message}`);
  const more = lines.length - max;
  return lines.slice(0, max).join('; ') + (more > 0 ? ` (and ${more} more)` : '');
};
