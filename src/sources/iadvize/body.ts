import { left, right, type Either } from 'fp-ts/Either';
import { parseJsonSafe } from '../../domain/json';
import { reject, type Rejection } from '../../domain/source';
import { mediaTypeOf as mediaTypeOfRequest } from '../media-type';

/**
 * iAdvize posts JSON (https://github.com/iadvize/documentation/blob/master/docs/webhooks.md); the
 * developer platform's webhook form also offers `application/x-www-form-urlencoded`, whose
 * layout is not documented (undocumented). Assumed: the JSON body's fields as
 * form fields, arrays as repeated keys (`operatorIds=1&operatorIds=2`, `operatorIds[]=1`,
 * `operatorIds[0]=1`); a form whose only field holds a JSON object is read as that object.
 * Told apart by the content type only.
 */

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const ARRAY_KEY = /^(.+?)\[\d*\]$/;

/**
 * Form fields → a plain record; repeated or `[]`-suffixed keys → arrays. Grouped in a `Map`, then
 * `Object.fromEntries`, which defines each key: a `__proto__` field stays an own data key, never
 * the record's prototype (src/domain/json.ts); the codecs read only the keys they name.
 */
const formRecord = (text: string): Readonly<Record<string, string | string[]>> => {
  const grouped = new Map<string, { values: string[]; array: boolean }>();
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const arrayKey = ARRAY_KEY.exec(rawKey)?.[1];
    const key = arrayKey ?? rawKey;
    const entry = grouped.get(key) ?? { values: [], array: false };
    entry.values.push(value);
    entry.array ||= arrayKey !== undefined || entry.values.length > 1;
    grouped.set(key, entry);
  }
  return Object.fromEntries([...grouped].map(([key, { values, array }]) => [key, array ? values : (values[0] ?? '')]));
};

const isJsonObjectText = (value: string): boolean => /^\s*\{/.test(value);

const readForm = (text: string): Either<Rejection, unknown> => {
  const record = formRecord(text);
  const values = Object.values(record);
  const only = values.length === 1 ? values[0] : undefined;
  if (typeof only === 'string' && isJsonObjectText(only)) return parseJsonSafe(only, 'form field');
  return right(record);
};

export type MediaType = 'json' | 'form';

export const mediaTypeOf = (contentType: string | undefined): Either<Rejection, MediaType> => {
  const media = mediaTypeOfRequest(contentType, [JSON_TYPE, FORM]);
  return media._tag === 'Left' ? media : right(media.right === JSON_TYPE ? 'json' : 'form');
};

/** The body iAdvize sent, as a value not yet checked against a codec. */
export const readBody = (raw: Buffer, contentType: string | undefined): Either<Rejection, unknown> => {
  const media = mediaTypeOf(contentType);
  if (media._tag === 'Left') return media;
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return left(reject('MALFORMED_BODY', 'The body is not valid UTF-8.'));
  }
  // `__proto__` keys stay own data keys; the codecs read only the keys they name (./webhook.codec).
  return media.right === 'json' ? parseJsonSafe(text, 'body') : readForm(text);
};
