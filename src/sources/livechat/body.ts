import { parse as parseContentType } from 'content-type';
import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import { parseJsonSafe } from '../../domain/json';
import { reject, type Rejection, type SourceRequest } from '../../domain/source';

/**
 * The webhook body as JSON, and which LiveChat generation sent it: v3 bodies carry `action`
 * (Configuration API webhooks), v2 bodies `event_type` (REST v2 webhooks). Both are
 * `application/json` (https://platform.text.com/docs/management/webhooks; v2:
 * https://developers.livechat.com/docs/rest-api/v2). Parsed by `parseJsonSafe` (keys such as
 * `__proto__` stay own data properties, depth bounded).
 */

export type Body =
  | { readonly generation: 'v3'; readonly json: Readonly<Record<string, unknown>>; readonly action: string }
  | { readonly generation: 'v2'; readonly json: Readonly<Record<string, unknown>>; readonly eventType: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

const parse = (request: SourceRequest): Either<Rejection, Body> => {
  const contentType = request.header('content-type');
  if (contentType !== undefined && contentType.trim() !== '') {
    let type: string;
    try {
      type = parseContentType(contentType).type;
    } catch {
      return left(reject('UNSUPPORTED_CONTENT_TYPE', `Unreadable Content-Type "${contentType.slice(0, 100)}".`));
    }
    if (type !== 'application/json') return left(reject('UNSUPPORTED_CONTENT_TYPE', `Got "${type}"; LiveChat sends application/json.`));
  }
  let text: string;
  try {
    text = utf8.decode(request.rawBody);
  } catch {
    return left(reject('MALFORMED_BODY', 'The body is not valid UTF-8.'));
  }
  const parsed = parseJsonSafe(text);
  if (parsed._tag === 'Left') return parsed;
  const json = parsed.right;
  if (!t.UnknownRecord.is(json)) return left(reject('INVALID_PAYLOAD', '(root): expected a JSON object'));
  if (typeof json.action === 'string') return right({ generation: 'v3', json, action: json.action });
  if (typeof json.event_type === 'string') return right({ generation: 'v2', json, eventType: json.event_type });
  return left(reject('INVALID_PAYLOAD', 'action: expected a string (a v3 webhook), or event_type (a v2 webhook)'));
};

/** `verify` and `decode` see the same buffer: it is parsed once. */
const bodies = new WeakMap<Buffer, Either<Rejection, Body>>();

export const readBody = (request: SourceRequest): Either<Rejection, Body> => {
  const cached = bodies.get(request.rawBody);
  if (cached !== undefined) return cached;
  const result = parse(request);
  bodies.set(request.rawBody, result);
  return result;
};
