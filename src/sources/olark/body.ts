import { parse as parseContentType } from 'content-type';
import { isLeft, left, right, type Either } from 'fp-ts/Either';
import { parseJsonSafe } from '../../domain/json';
import { httpError, type HttpError } from '../../http/errors';

/**
 * Olark posts `application/x-www-form-urlencoded` with one field, `data`, holding the JSON
 * transcript (https://www.olark.com/help/webhooks; olark/webhook-examples read `data` from the form).
 * A raw `application/json` body is accepted too, for tests and replays.
 */

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `__proto__` and friends stay plain data (src/domain/json.ts). */
const parseJson = (text: string, where: string): Either<HttpError, unknown> => {
  const parsed = parseJsonSafe(text, where);
  return isLeft(parsed) ? left(httpError(parsed.left.code, parsed.left.detail)) : right(parsed.right);
};

const decodeUtf8 = (raw: Buffer): Either<HttpError, string> => {
  try {
    return right(utf8.decode(raw));
  } catch {
    return left(httpError('MALFORMED_BODY', 'The body is not valid UTF-8.'));
  }
};

/** The JSON value Olark sent, not yet checked against the payload codec. */
export const readOlarkBody = (raw: Buffer, contentType: string | undefined): Either<HttpError, unknown> => {
  if (contentType === undefined || contentType.trim() === '')
    return left(httpError('UNSUPPORTED_CONTENT_TYPE', 'The request has no Content-Type.'));
  let type: string;
  let charset: string | undefined;
  try {
    const parsed = parseContentType(contentType);
    type = parsed.type;
    charset = parsed.parameters['charset'];
  } catch {
    return left(httpError('UNSUPPORTED_CONTENT_TYPE', `Unreadable Content-Type "${contentType}".`));
  }
  if (charset !== undefined && !['utf-8', 'utf8'].includes(charset.toLowerCase()))
    return left(httpError('UNSUPPORTED_CONTENT_TYPE', `Charset "${charset}" is not supported; send utf-8.`));
  if (type !== FORM && type !== JSON_TYPE) return left(httpError('UNSUPPORTED_CONTENT_TYPE', `Got "${type}".`));

  const text = decodeUtf8(raw);
  if (text._tag === 'Left') return text;
  if (type === JSON_TYPE) return parseJson(text.right, 'body');

  // URLSearchParams decodes `+` as a space, as Olark's encoder (Python-style) produces it (snowplow/enrich OlarkAdapterSpec).
  const data = new URLSearchParams(text.right).get('data');
  if (data === null) return left(httpError('MISSING_DATA_FIELD'));
  return parseJson(data, 'data field');
};
