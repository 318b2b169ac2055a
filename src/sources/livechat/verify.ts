import { createHash, timingSafeEqual } from 'node:crypto';
import { reject, type Rejection, type SourceRequest } from '../../domain/source';
import { readBody } from './body';

/**
 * v3 webhooks carry no signature header; the body's `secret_key` is the secret chosen at
 * registration (https://platform.text.com/docs/management/configuration-api#register-webhook). v2
 * webhooks sign nothing at all: the secret path token, checked by the edge before this runs, is
 * their authentication.
 *
 * Both sides are hashed first so `timingSafeEqual` compares equal lengths and leaks neither the
 * secret's length nor its prefix.
 */

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export const secretVerifier = (secret: string | undefined): ((request: SourceRequest) => Rejection | undefined) => {
  const wanted = secret === undefined ? undefined : digest(secret);
  return (request) => {
    const body = readBody(request);
    // A body that does not parse is `decode`'s to reject, with the reason.
    if (body._tag === 'Left' || body.right.generation === 'v2') return undefined;
    if (wanted === undefined)
      return reject('WEBHOOK_SECRET_NOT_SET', 'Set LIVECHAT_WEBHOOK_SECRET to the secret_key the v3 webhooks were registered with.');
    const given = body.right.json.secret_key;
    if (typeof given !== 'string' || given === '') return reject('INVALID_SIGNATURE', 'The body has no secret_key.');
    return timingSafeEqual(digest(given), wanted)
      ? undefined
      : reject('INVALID_SIGNATURE', 'secret_key does not match LIVECHAT_WEBHOOK_SECRET.');
  };
};
