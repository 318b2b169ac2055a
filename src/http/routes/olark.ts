import Router from '@koa/router';
import getRawBody from 'raw-body';
import { isLeft } from 'fp-ts/Either';
import type { Action } from '../../domain/event';
import type { Pipeline } from '../../pipeline/pipeline';
import { decodeOlarkEvent } from '../../sources/olark/adapter';
import { tokenMatcher } from '../../sources/olark/auth';
import { HttpError } from '../errors';
import type { AppState } from '../middleware';

/** Koa's default form limit (56 kb) is too small for long chats; see research/olark.md §1. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const forcedRecord = (value: unknown): Action | undefined => {
  if (value === undefined) return undefined;
  if (value === 'lead' || value === 'case') return value;
  throw new HttpError('INVALID_QUERY', 'record must be lead or case.');
};

/** POST /webhooks/olark/:token — Olark's webhook (https://www.olark.com/help/webhooks). */
export const olarkRoutes = (deps: { pipeline: Pipeline; token: string }) => {
  const router = new Router<AppState>();
  const isOurToken = tokenMatcher(deps.token);
  router.post('/webhooks/olark/:token', async (ctx) => {
    // Authenticate before reading a byte of the body: an unknown token stores nothing.
    if (!isOurToken(ctx.params.token ?? '')) throw new HttpError('UNKNOWN_WEBHOOK_TOKEN');
    const forced = forcedRecord(ctx.query.record);
    const length = ctx.get('content-length');
    const raw = await getRawBody(ctx.req, { limit: BODY_LIMIT_BYTES, ...(length === '' ? {} : { length }) });
    const event = decodeOlarkEvent(raw, ctx.get('content-type') || undefined, forced);
    if (isLeft(event)) throw event.left;
    ctx.state.log.debug({ kind: event.right.kind }, 'olark event');
    let answer: Awaited<ReturnType<Pipeline['receive']>>;
    try {
      answer = await deps.pipeline.receive(event.right);
    } catch (error) {
      // Nothing was stored: a 503 makes Olark post it again later (another instance, or this
      // one once its database is back).
      ctx.state.log.error({ err: error }, 'could not take the transcript in');
      ctx.set('Retry-After', '30');
      throw new HttpError('SERVICE_UNAVAILABLE');
    }
    ctx.type = 'application/json';
    ctx.body = answer.url === undefined ? {} : { integrationUrl: answer.url };
  });
  return router;
};
