/**
 * What the bare baselines share: a Koa app that answers `GET /healthz`, refuses every other path
 * with 404, and reads an Olark POST's body the way the service does (raw-body, Content-Length
 * passed on), then lets `respond` finish the request.
 */
import Koa from 'koa';
import getRawBody from 'raw-body';

export const bareOlarkApp = (limitBytes: number, respond: (ctx: Koa.Context) => Promise<void> | void): Koa => {
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.method !== 'POST' || !ctx.path.startsWith('/webhooks/olark/')) {
      ctx.status = 404;
      return;
    }
    const length = ctx.get('content-length');
    await getRawBody(ctx.req, { limit: limitBytes, ...(length === '' ? {} : { length }) });
    await respond(ctx);
  });
  return app;
};
