/**
 * The Koa application, built from its collaborators so tests can run it over real sockets with
 * any store or connector. `src/main.ts` is the only caller that listens.
 */
import Koa from 'koa';
import type { Log } from '../domain/log';
import type { Pipeline } from '../pipeline/pipeline';
import type { Store } from '../storage/store';
import { errorHandler, methodsOf, requestContext, type AppState } from './middleware';
import { healthRoutes } from './routes/health';
import { pageRoutes } from './routes/pages';
import { webhookEdge, type MountedSource } from './routes/webhooks';

export interface AppDeps {
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly crm: string;
  /** Each platform with its webhook token. */
  readonly sources: readonly MountedSource[];
  readonly log: Log;
}

export const createApp = (deps: AppDeps): Koa<AppState> => {
  const app = new Koa<AppState>();
  app.proxy = true;
  app.use(requestContext(deps.log));
  app.use(errorHandler);
  app.use(webhookEdge({ pipeline: deps.pipeline, sources: deps.sources }));
  const routers = [
    pageRoutes({ store: deps.store, pipeline: deps.pipeline, crm: deps.crm, sources: deps.sources.map((m) => m.source.name) }),
    healthRoutes({ store: deps.store, pipeline: deps.pipeline, crm: deps.crm }),
  ];
  app.use(methodsOf(routers));
  for (const router of routers) app.use(router.routes());
  // Errors outside the middleware chain (socket errors and the like); client disconnects are routine.
  app.on('error', (error: unknown) => {
    if (typeof error === 'object' && error !== null && 'code' in error && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return;
    deps.log.warn({ err: error }, 'koa error');
  });
  return app;
};
