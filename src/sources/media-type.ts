import { parse as parseContentType } from 'content-type';
import { left, right, type Either } from 'fp-ts/Either';
import { reject, type Rejection } from '../domain/source';

/**
 * The request's media type, for platforms that always send one: one of `accepted`, in UTF-8 (a
 * charset parameter, when there is one, must say so). Values from the header are cut short in the
 * answer, never echoed whole.
 */
export const mediaTypeOf = <T extends string>(contentType: string | undefined, accepted: readonly T[]): Either<Rejection, T> => {
  if (contentType === undefined || contentType.trim() === '')
    return left(reject('UNSUPPORTED_CONTENT_TYPE', 'The request has no Content-Type.'));
  let type: string;
  let charset: string | undefined;
  try {
    const parsed = parseContentType(contentType);
    type = parsed.type;
    charset = parsed.parameters['charset'];
  } catch {
    return left(reject('UNSUPPORTED_CONTENT_TYPE', 'Unreadable Content-Type.'));
  }
  if (charset !== undefined && !['utf-8', 'utf8'].includes(charset.toLowerCase()))
    return left(reject('UNSUPPORTED_CONTENT_TYPE', `Charset "${charset.slice(0, 40)}" is not supported; send utf-8.`));
  const hit = accepted.find((a) => a === type);
  return hit === undefined
    ? left(reject('UNSUPPORTED_CONTENT_TYPE', `Got "${type.slice(0, 80)}"; send ${accepted.join(' or ')}.`))
    : right(hit);
};
