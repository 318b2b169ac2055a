/**
 * Olark as a chat source (https://www.olark.com/help/webhooks): sync, Olark shows the
 * `integrationUrl` of our answer to the agent. Olark signs nothing, so the secret path token is
 * the authentication (the page names no signature), checked by the edge before the body is read.
 */
import { createHash } from 'node:crypto';
import { left, right } from 'fp-ts/Either';
import type { Action } from '../../domain/record';
import { reject, type ChatSource, type Rejection, type SourceDefinition, type SourceRequest, type SyncResult } from '../../domain/source';
import { decodeOlarkEvent } from './adapter';

/** `?record=lead|case` forces the record type (the README's Olark section). */
const forcedRecord = (rawQuery: string): Action | undefined | Rejection => {
  const value = new URLSearchParams(rawQuery).get('record');
  if (value === null) return undefined;
  return value === 'lead' || value === 'case' ? value : reject('INVALID_QUERY', 'record must be lead or case.');
};

/** Olark has no event id; the same bytes (and override) posted again are the same event. */
const dedupKeyOf = (request: SourceRequest): string =>
  createHash('sha256').update(request.rawQuery).update('\n').update(request.rawBody).digest('base64url');

const toAnswer = (result: SyncResult | undefined) => {
  switch (result?.kind) {
    case 'record':
    case 'person':
    case 'pending':
      return { integrationUrl: result.url };
    case 'test':
      return { integrationUrl: result.statusUrl };
    default:
      return {};
  }
};

export const createOlarkSource = (options: { readonly syncDeadlineMs: number; readonly now?: () => Date }): ChatSource => ({
  name: 'olark',
  answerMode: 'sync',
  verify: () => undefined,
  decode(request) {
    const forced = forcedRecord(request.rawQuery);
    if (typeof forced === 'object') return left(forced);
    const event = decodeOlarkEvent(request.rawBody, request.header('content-type'), {
      dedupKey: dedupKeyOf(request),
      now: (options.now ?? (() => new Date()))(),
      syncDeadlineMs: options.syncDeadlineMs,
      ...(forced === undefined ? {} : { forced }),
    });
    if (event._tag === 'Left') return event;
    return right([event.right]);
  },
  answer: (results) => ({ status: 200, body: toAnswer(results[0]) }),
  describe: () => [
    'paste it into Olark → Integrations → Webhooks → "URL to post to", then click "Send test" (PUBLIC_URL/status then says it works)',
  ],
});

/** Olark has no keys of its own beyond its webhook token. */
export const olarkSource: SourceDefinition = {
  name: 'olark',
  title: 'Olark',
  tokenKey: 'OLARK_WEBHOOK_TOKEN',
  configure: () =>
    right((deps) => createOlarkSource({ syncDeadlineMs: deps.syncDeadlineMs, ...(deps.now === undefined ? {} : { now: deps.now }) })),
};
