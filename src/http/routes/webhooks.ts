/**
 * The one webhook edge, built from the source registry: `/webhooks/<source>/<token>` and the
 * source's own routes below it. The token is compared in constant time before a byte of the
 * body is read; the raw body is read once, within the limit; the source verifies its signature
 * over those bytes before anything is decoded. Unknown source or token → 404, nothing stored.
 */
import type Koa from 'koa';
import getRawBody from 'raw-body';
import type { ChatSource, Rejection, SourceRequest, SourceResponse, SourceRoute } from '../../domain/source';
import { noObserver, type Observer } from '../../pipeline/observer';
import type { Pipeline } from '../../pipeline/pipeline';
import { tokenMatcher } from '../token';
import { HttpError } from '../errors';
import { UNMATCHED_ROUTE, type AppState } from '../middleware';
import { isClientRefusal, refusalOf } from '../refusal';
import { noHeapRelease, type HeapRelease } from '../heap-release';

/**
 * Long chats make big bodies. As Olark posts it (JSON, then form-encoded), a 10,000-message
 * transcript is 2.0 MiB with short messages and 3.0 MiB at 120 characters a message; 4 MiB takes
 * those with room. Each request holds its body (and, while decoding, a few times its size), so
 * the limit also bounds what one request can make the process hold. See the README's limits.
 */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Bodies from this size on (or of unknown size) are taken at most BIG_BODIES_AT_ONCE at a time,
 * from the first byte read to the answer; others wait their turn unread. Decoding one is CPU
 * work a few times its size in memory, so more at once would be no faster on a few cores, and
 * this bounds what a burst of long chats can make the process hold. Small bodies never wait.
 */
export const BIG_BODY_BYTES = 256 * 1024;
const BIG_BODIES_AT_ONCE = 2;

/** A counting semaphore, first come first served. */
const slots = (count: number) => {
  let free = count;
  const waiting: (() => void)[] = [];
  return {
    take: async (): Promise<void> => {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
    },
    give: (): void => {
      const next = waiting.shift();
      if (next === undefined) free++;
      else next();
    },
  };
};

export interface MountedSource {
  readonly source: ChatSource;
  readonly token: string;
}

const WEBHOOK_ROUTE = '/webhooks/:source/:token';
const WEBHOOK_PATH = /^\/webhooks\/([^/]+)\/([^/]+)(\/[^]*)?$/;

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

const isRejection = (value: SourceResponse | Rejection): value is Rejection => 'code' in value && !('status' in value);

const toHttpError = (rejection: Rejection): HttpError => new HttpError(rejection.code, rejection.detail);

const send = (ctx: Koa.ParameterizedContext<AppState>, response: SourceResponse): void => {
  ctx.status = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) ctx.set(name, value);
  if (typeof response.body === 'string') {
    ctx.type = response.contentType ?? 'text/plain; charset=utf-8';
    ctx.body = response.body;
  } else {
    ctx.type = response.contentType ?? 'application/json';
    ctx.body = JSON.stringify(response.body ?? {});
  }
};

const readBody = async (ctx: Koa.ParameterizedContext<AppState>): Promise<Buffer> => {
  const length = ctx.get('content-length');
  return getRawBody(ctx.req, { limit: BODY_LIMIT_BYTES, ...(length === '' ? {} : { length }) });
};

/** Metrics name refusals of paths that name no registered platform this way (the path's own text could be anything). */
const UNREGISTERED = 'unregistered';

export const webhookEdge = (deps: {
  readonly pipeline: Pipeline;
  readonly sources: readonly MountedSource[];
  readonly observer?: Observer;
  readonly heap?: HeapRelease;
}): Koa.Middleware<AppState> => {
  const observer = deps.observer ?? noObserver;
  const heap = deps.heap ?? noHeapRelease;
  const bigBodies = slots(BIG_BODIES_AT_ONCE);
  const byName = new Map(deps.sources.map((m) => [m.source.name, { ...m, matches: tokenMatcher(m.token) }]));
  // The log names a route by its pattern, built from what the code declares: the path's own text
  // (`/../<token>`, anything after the token) never reaches it, as it may carry the token again.
  const declared = new Set(deps.sources.flatMap((m) => (m.source.routes ?? []).map((r) => r.path)));
  const routeLabel = (rest: string): string =>
    rest === '' ? WEBHOOK_ROUTE : declared.has(rest) ? `${WEBHOOK_ROUTE}${rest}` : UNMATCHED_ROUTE;
  const webhookRoute = (source: ChatSource): SourceRoute => ({
    method: 'POST',
    path: '',
    async handle(request) {
      const refused = source.verify(request);
      if (refused !== undefined) return refused;
      const events = source.decode(request);
      if (events._tag === 'Left') return events.left;
      let results;
      try {
        results = await deps.pipeline.receive(source, events.right);
      } catch (error) {
        // Nothing of the failing event was stored: a 503 makes the platform send it again
        // (to another instance, or to this one once its database is back).
        throw Object.assign(new HttpError('SERVICE_UNAVAILABLE'), { cause: error });
      }
      return source.answer(results);
    },
  });

  const serve = async (ctx: Koa.ParameterizedContext<AppState>, match: RegExpExecArray): Promise<void> => {
    const name = decodeSegment(match[1] ?? '');
    const token = decodeSegment(match[2] ?? '');
    const mounted = name === undefined ? undefined : byName.get(name);
    // Authenticate before reading a byte of the body: an unknown source or token stores nothing.
    if (mounted === undefined || token === undefined || !mounted.matches(token)) throw new HttpError('UNKNOWN_WEBHOOK_TOKEN');
    const { source } = mounted;
    const path = match[3] ?? '';
    const routes = [...(path === '' ? [webhookRoute(source)] : []), ...(source.routes ?? []).filter((r) => r.path === path)];
    if (routes.length === 0) throw new HttpError('NOT_FOUND');
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const route = routes.find((r) => r.method === method);
    if (route === undefined) {
      const allowed = [...new Set(routes.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))];
      ctx.set('Allow', allowed.join(', '));
      throw new HttpError('METHOD_NOT_ALLOWED');
    }
    const length = Number(ctx.get('content-length') || Number.NaN);
    // One declared over the limit is refused at once (readBody), without waiting its turn.
    const big = route.method === 'POST' && !(length < BIG_BODY_BYTES) && !(length > BODY_LIMIT_BYTES);
    if (big) await bigBodies.take();
    try {
      await answer(ctx, route, source);
    } finally {
      if (big) {
        bigBodies.give();
        heap.afterBigBody();
      }
    }
  };

  const answer = async (ctx: Koa.ParameterizedContext<AppState>, route: SourceRoute, source: ChatSource): Promise<void> => {
    const rawBody = route.method === 'POST' ? await readBody(ctx) : Buffer.alloc(0);
    const query = ctx.querystring;
    const request: SourceRequest = {
      method: route.method,
      rawBody,
      rawQuery: query,
      header: (header) => {
        const value = ctx.get(header);
        return value === '' ? undefined : value;
      },
    };
    let response: SourceResponse | Rejection;
    try {
      response = await route.handle(request, deps.pipeline.services(source));
    } catch (error) {
      if (error instanceof HttpError && error.code === 'SERVICE_UNAVAILABLE') {
        ctx.state.log.error({ err: error.cause, source: source.name }, 'could not take the event in');
        ctx.set('Retry-After', '30');
      }
      throw error;
    }
    if (isRejection(response)) throw toHttpError(response);
    send(ctx, response);
  };

  return async (ctx, next) => {
    const match = WEBHOOK_PATH.exec(ctx.path);
    if (match === null) {
      await next();
      return;
    }
    ctx.state.route = routeLabel(match[3] ?? '');
    try {
      await serve(ctx, match);
    } catch (error) {
      const known = refusalOf(error);
      const named = byName.get(decodeSegment(match[1] ?? '') ?? '')?.source.name;
      // The code and the platform only: never the token, the body or anything decoded from it.
      if (isClientRefusal(known)) ctx.state.log.info({ source: named ?? null, code: known.code }, 'webhook rejected');
      observer.webhook(named ?? UNREGISTERED, isClientRefusal(known) ? 'rejected' : 'failed', known?.code ?? 'INTERNAL');
      throw error;
    }
  };
};
