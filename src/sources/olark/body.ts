import { left, right, type Either } from 'fp-ts/Either';
import { parseJsonSafe } from '../../domain/json';
import { reject, type Rejection } from '../../domain/source';
import { mediaTypeOf } from '../media-type';

/**
 * Olark posts `application/x-www-form-urlencoded` with one field, `data`, holding the JSON
 * transcript (https://www.olark.com/help/webhooks; olark/webhook-examples read `data` from the form).
 * A raw `application/json` body is accepted too, for tests and replays.
 */

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const decodeUtf8 = (raw: Buffer): Either<Rejection, string> => {
  try {
    return right(utf8.decode(raw));
  } catch {
    return left(reject('MALFORMED_BODY', 'The body is not valid UTF-8.'));
  }
};

/** `+` is a space, as Olark's encoder (Python-style) produces it (snowplow/enrich OlarkAdapterSpec); undefined when not valid percent-encoded UTF-8. */
const decodeFormComponent = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
};

/**
 * The first `name` field of a form, exactly as `new URLSearchParams(text).get(name)` reads it.
 * `decodeURIComponent` does the common case natively: on a 2 MB transcript it takes a fraction
 * of URLSearchParams' time. What it refuses (a stray `%`, bytes that are not UTF-8, which the
 * form parser turns into U+FFFD) goes to URLSearchParams itself.
 */
export const formField = (text: string, name: string): string | null => {
  // As the URLSearchParams constructor does, a leading `?` is dropped.
  for (let start = text.startsWith('?') ? 1 : 0; start < text.length;) {
    const amp = text.indexOf('&', start);
    const end = amp === -1 ? text.length : amp;
    if (end > start) {
      const eq = text.indexOf('=', start);
      const split = eq === -1 || eq > end ? end : eq;
      const key = decodeFormComponent(text.slice(start, split));
      if (key === undefined) return new URLSearchParams(text).get(name);
      if (key === name)
        return (split === end ? '' : decodeFormComponent(text.slice(split + 1, end))) ?? new URLSearchParams(text).get(name);
    }
    start = end + 1;
  }
  return null;
};

/** The JSON value Olark sent, not yet checked against the payload codec; `__proto__` and friends stay plain data (src/domain/json.ts). */
export const readOlarkBody = (raw: Buffer, contentType: string | undefined): Either<Rejection, unknown> => {
  const type = mediaTypeOf(contentType, [FORM, JSON_TYPE]);
  if (type._tag === 'Left') return type;
  const text = decodeUtf8(raw);
  if (text._tag === 'Left') return text;
  if (type.right === JSON_TYPE) return parseJsonSafe(text.right, 'body');

  const data = formField(text.right, 'data');
  if (data === null) return left(reject('MISSING_DATA_FIELD'));
  return parseJsonSafe(data, 'data field');
};
