import { left, right, type Either } from 'fp-ts/Either';
import { reject, type Rejection } from './source';

/**
 * JSON from outside (webhook bodies, platform and CRM answers, stored rows) as plain data.
 *
 * `JSON.parse` defines every key, so `"__proto__"`, `"constructor"` and `"prototype"` are own
 * data properties of what it returns. The danger is the first copy by assignment: `Object.assign`
 * or `r[k] = v` (io-ts does both when it rebuilds an object) turns an own `__proto__` key into
 * the copy's prototype, whose fields then escape validation and show up as inherited fields.
 * So: parse here, decode with codecs that read only the keys they name (`knownKeys`, and
 * `DataRecord` for maps keyed by outside data, in ./codecs), and check what comes out with
 * `foreignPrototypeAt`. Keys stay data; rejecting them would lose a transcript whose site named a
 * custom field "constructor".
 */

/** Deeper than any payload we read (Olark's is 4 levels); more is an attack or a broken client. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** The index of the quote that ends a string whose text starts at `from`, or -1. */
const closingQuote = (text: string, from: number): number => {
  for (let quote = text.indexOf('"', from); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && text.charCodeAt(quote - backslashes - 1) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
};

/**
 * Counted on the text, before parsing: a megabyte of `[` is refused without building it. Outside
 * strings every character is looked at; a string is skipped with `indexOf` (a quote ends it
 * unless an odd run of backslashes precedes it), and in a transcript nearly all of the text is
 * in strings: a 2 MB one is scanned in well under a millisecond instead of several.
 */
const nestsDeeperThan = (text: string, max: number): boolean => {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      i = closingQuote(text, i + 1);
      // An unterminated string: JSON.parse will say so.
      if (i === -1) return false;
    } else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (ch === CLOSE_BRACE || ch === CLOSE_BRACKET) depth--;
  }
  return false;
};

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/**
 * V8's message says what and where ("Expected ',' or '}' after property value in JSON at position
 * 6 (line 1 column 7)", "Unexpected token '}'"), and may quote the text around the fault, which
 * may be personal data: the quote is cut off.
 */
const MAX_REASON = 200;
const faultOf = (error: unknown): string => {
  const message = error instanceof Error ? error.message : 'not valid JSON';
  return message.replace(/, ".*$/s, '').slice(0, MAX_REASON);
};

/**
 * `text` parsed (keys as own data properties), or the rejection to answer with: `MALFORMED_JSON` (not JSON),
 * `INVALID_PAYLOAD` (nested deeper than `maxDepth`). `where` names the text in the message.
 */
export const parseJsonSafe = (text: string, where = 'body', maxDepth = MAX_JSON_DEPTH): Either<Rejection, unknown> => {
  if (nestsDeeperThan(text, maxDepth)) return left(reject('INVALID_PAYLOAD', `${where}: nested deeper than ${maxDepth} levels.`));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return left(reject('MALFORMED_JSON', `${where}: ${faultOf(error)}`));
  }
  return right(parsed);
};

const isPlainPrototype = (prototype: unknown): boolean =>
  prototype === Object.prototype || prototype === Array.prototype || prototype === null || prototype === Date.prototype;

/**
 * The path of the first object in `value` whose prototype is not a plain one (a prototype that
 * came from data), or `undefined`. A check on decoded values: a codec that copied a `__proto__`
 * key by assignment shows up here instead of reaching storage.
 */
export const foreignPrototypeAt = (value: unknown, path = '(root)', depth = 0): string | undefined => {
  const keys = foreignKeysOf(value, depth);
  if (keys === undefined) return undefined;
  const below = keys.reverse().join('.');
  return below === '' ? path : path === '(root)' ? below : `${path}.${below}`;
};

/**
 * The keys down to the first object with a foreign prototype, innermost first, or `undefined`.
 * Paths are built only for what is found: a 10,000-message transcript has 20,000 objects to look at.
 */
const foreignKeysOf = (value: unknown, depth: number): string[] | undefined => {
  if (!isObject(value) || depth > MAX_JSON_DEPTH) return undefined;
  if (!isPlainPrototype(Object.getPrototypeOf(value))) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = foreignKeysOf(value[i], depth + 1);
      if (found !== undefined) {
        found.push(String(i));
        return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const found = foreignKeysOf(Reflect.get(value, key), depth + 1);
    if (found !== undefined) {
      found.push(key);
      return found;
    }
  }
  return undefined;
};
