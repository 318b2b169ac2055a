import Router from '@koa/router';
import type { ChatSource } from '../../domain/source';
import type { AppState } from '../middleware';
import { openApiDocument, type RouteList } from '../openapi';

/** GET /openapi.json — built once, from the routers it is given and the registered platforms. */
export const openApiRoutes = (deps: { readonly routers: readonly RouteList[]; readonly sources: readonly ChatSource[] }) => {
  const router = new Router<AppState>();
  let document: string | undefined;
  router.get('/openapi.json', (ctx) => {
    document ??= JSON.stringify(openApiDocument({ routers: [...deps.routers, router], sources: deps.sources }));
    ctx.type = 'application/json';
    ctx.body = document;
  });
  return router;
};
