/**
 * The Koa application, built from its collaborators so tests can run it over real sockets with
 * any store or connector. `src/main.ts` is the only caller that listens.
 */
import Koa from 'koa';
import type { Log } from '../domain/log';
import type { Observer } from '../pipeline/observer';
import type { Pipeline } from '../pipeline/pipeline';
import type { Store } from '../storage/store';
import type { CrmCheck } from './crm-check';
import type { HeapRelease } from './heap-release';
import type { Metrics } from './metrics';
import { errorHandler, methodsOf, requestContext, type AppState } from './middleware';
import { adminRoutes, type AdminDeps } from './routes/admin';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { openApiRoutes } from './routes/openapi';
import { pageRoutes } from './routes/pages';
import { webhookEdge, type MountedSource } from './routes/webhooks';
import { rememberRejections } from './webhook-rejections';

export interface AppDeps {
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly crm: string;
  /** Each platform with its webhook token. */
  readonly sources: readonly MountedSource[];
  readonly log: Log;
  /** The operator console at /admin; unset: not served. */
  readonly admin?: AdminDeps;
  readonly metrics: Metrics;
  /** Bearer token for /metrics; unset: open. */
  readonly metricsToken?: string;
  /** What the webhook edge reports (metrics; the pipeline gets the same observer). */
  readonly observer?: Observer;
  /** The CRM's cached check, for the status page. */
  readonly crmCheck?: CrmCheck;
  /** Frees big bodies' garbage once they are answered (heap-release.ts); unset: V8 decides alone. */
  readonly heap?: HeapRelease;
}

export const createApp = (deps: AppDeps): Koa<AppState> => {
  const app = new Koa<AppState>();
  app.proxy = true;
  app.use(requestContext(deps.log));
  app.use(errorHandler);
  app.use(
    rememberRejections({ sources: deps.sources.map((m) => m.source.name), setSetting: (key, value) => deps.store.setSetting(key, value) }),
  );
  app.use(
    webhookEdge({
      pipeline: deps.pipeline,
      sources: deps.sources,
      observer: deps.observer ?? deps.metrics.observer,
      ...(deps.heap === undefined ? {} : { heap: deps.heap }),
    }),
  );
  const routers = [
    pageRoutes({
      store: deps.store,
      pipeline: deps.pipeline,
      crm: deps.crm,
      sources: deps.sources.map((m) => m.source.name),
      ...(deps.crmCheck === undefined ? {} : { crmCheck: deps.crmCheck }),
    }),
    healthRoutes({ store: deps.store, pipeline: deps.pipeline, crm: deps.crm }),
    ...(deps.admin === undefined ? [] : [adminRoutes(deps.admin)]),
    metricsRoutes({ metrics: deps.metrics, ...(deps.metricsToken === undefined ? {} : { token: deps.metricsToken }) }),
  ];
  // Listed last, it describes every router above (and itself).
  routers.push(openApiRoutes({ routers: [...routers], sources: deps.sources.map((m) => m.source) }));
  app.use(methodsOf(routers));
  for (const router of routers) app.use(router.routes());
  // Errors outside the middleware chain (socket errors and the like); client disconnects are routine.
  app.on('error', (error: unknown) => {
    if (typeof error === 'object' && error !== null && 'code' in error && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return;
    deps.log.warn({ err: error }, 'koa error');
  });
  return app;
};
