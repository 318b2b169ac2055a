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

/** The JSON value Olark sent, not yet checked against the payload codec; `__proto__` and friends stay plain data (src/domain/json.ts). */
export const readOlarkBody = (raw: Buffer, contentType: string | undefined): Either<Rejection, unknown> => {
  const type = mediaTypeOf(contentType, [FORM, JSON_TYPE]);
  if (type._tag === 'Left') return type;
  const text = decodeUtf8(raw);
  if (text._tag === 'Left') return text;
  if (type.right === JSON_TYPE) return parseJsonSafe(text.right, 'body');

  // URLSearchParams decodes `+` as a space, as Olark's encoder (Python-style) produces it (snowplow/enrich OlarkAdapterSpec).
  const data = new URLSearchParams(text.right).get('data');
  if (data === null) return left(reject('MISSING_DATA_FIELD'));
  return parseJsonSafe(data, 'data field');
};
