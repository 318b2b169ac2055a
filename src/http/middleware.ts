import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Log } from '../domain/log';
import { HttpError } from './errors';
import { refusalOf } from './refusal';

export interface AppState {
  requestId: string;
  log: Log;
  /** The route pattern, for routes served outside @koa/router (the webhook edge). */
  route?: string;
}

/** The request line's route for a path no route declares: a fixed label, never the path's own text. */
export const UNMATCHED_ROUTE = 'unmatched';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The request's logger, made when something first logs: most requests write only their one line. */
const lazyChild = (log: Log, bindings: Record<string, unknown>): Log => {
  let child: Log | undefined;
  const get = () => (child ??= log.child(bindings));
  return {
    debug: (obj, msg) => get().debug(obj, msg),
    info: (obj, msg) => get().info(obj, msg),
    warn: (obj, msg) => get().warn(obj, msg),
    error: (obj, msg) => get().error(obj, msg),
    child: (more) => get().child(more),
  };
};

/**
 * Request id (taken from X-Request-Id when sane), a child logger, and one log line per
 * request. The line names the route pattern, never the URL: webhook URLs carry secrets.
 */
export const requestContext =
  (log: Log): Koa.Middleware<AppState> =>
  async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = lazyChild(log, { reqId: requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route =
        ctx.state.route ?? ('_matchedRoute' in ctx && typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : UNMATCHED_ROUTE);
      // The root logger with the id in the line: the same output, without a child per request.
      log.info(
        { reqId: requestId, method: ctx.method, route, status: ctx.status, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      );
    }
  };

/** The one error middleware: every error leaves as `{"error": {"code", "message"}}`. */
export const errorHandler: Koa.Middleware<AppState> = async (ctx, next) => {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw new HttpError('NOT_FOUND');
  } catch (error) {
    const known = refusalOf(error);
    if (known === undefined) ctx.state.log.error({ err: error }, 'unhandled error');
    const answer = known ?? new HttpError('INTERNAL');
    ctx.status = answer.status;
    ctx.type = 'application/json';
    ctx.body = { error: { code: answer.code, message: answer.message } };
  }
};

/** What `methodsOf` needs of a router: @koa/router's `match` fits it. */
export interface RouteTable {
  match(path: string, method: string): { readonly path: readonly { readonly methods: readonly string[] }[]; readonly route: boolean };
}

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const byUsualOrder = (a: string, b: string) => (METHOD_ORDER.indexOf(a) + 1 || 99) - (METHOD_ORDER.indexOf(b) + 1 || 99);

/**
 * 405 with the `Allow` the path really has, for any method on a known path (TRACE, OPTIONS and
 * WebDAV verbs included); an unknown path stays 404 whatever the method. Replaces @koa/router's
 * `allowedMethods`, which throws a 501 (then a 500 here) for any method no router declares, on
 * every path, and a 405 without `Allow`. Runs before the routers, acts after them.
 */
export const methodsOf =
  (routers: readonly RouteTable[]): Koa.Middleware<AppState> =>
  async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    const matches = routers.map((router) => router.match(ctx.path, ctx.method));
    // A route of this method ran and chose 404 (an unknown record): that answer stands.
    if (matches.some((m) => m.route)) return;
    const allowed = [...new Set(matches.flatMap((m) => m.path.flatMap((layer) => layer.methods)))].sort(byUsualOrder);
    if (allowed.length === 0) return;
    ctx.set('Allow', allowed.join(', '));
    throw new HttpError('METHOD_NOT_ALLOWED', `Allowed: ${allowed.join(', ')}.`);
  };

/** Headers for our HTML pages: nothing external may load, and record URLs never leak as referrers. */
export const htmlHeaders = (ctx: Koa.Context | Koa.ParameterizedContext<AppState>): void => {
  ctx.set(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
};
