import Router from '@koa/router';
import { HttpError } from '../errors';
import type { Metrics } from '../metrics';
import type { AppState } from '../middleware';
import { tokenMatcher } from '../token';

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

/**
 * GET /metrics — the Prometheus text format. With METRICS_TOKEN set, only for
 * `Authorization: Bearer <token>` (compared in constant time); otherwise open, as Prometheus
 * scrapes usually are inside a private network.
 */
export const metricsRoutes = (deps: { readonly metrics: Metrics; readonly token?: string }) => {
  const router = new Router<AppState>();
  const matches = deps.token === undefined ? undefined : tokenMatcher(deps.token);
  router.get('/metrics', async (ctx) => {
    if (matches !== undefined) {
      const given = BEARER.exec(ctx.get('authorization'))?.[1];
      if (given === undefined || !matches(given)) {
        ctx.set('WWW-Authenticate', 'Bearer realm="chat2crm metrics"');
        throw new HttpError('METRICS_UNAUTHORIZED');
      }
    }
    const text = await deps.metrics.text();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = deps.metrics.contentType;
    ctx.body = text;
  });
  return router;
};
