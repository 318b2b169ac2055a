import Router from '@koa/router';
import type { Action } from '../../domain/event';
import { decideAction, type RoutingRules } from '../../domain/routing';
import { lastTestSetting, type Pipeline } from '../../pipeline/pipeline';
import type { Store } from '../../storage/store';
import { htmlHeaders, type AppState } from '../middleware';
import { recordPage } from '../pages/record';
import { deliveryPage, statusPage, unknownConversationPage } from '../pages/status';

export interface PageDeps {
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly crm: string;
  readonly rules: RoutingRules;
}

export const pageRoutes = (deps: PageDeps) => {
  const router = new Router<AppState>();
  const { store } = deps;

  /** The stable return link: forwards to the CRM record once it exists. */
  router.get('/r/:source/:id', async (ctx) => {
    const key = `${ctx.params.source ?? ''}:${ctx.params.id ?? ''}`;
    const stored = await store.getConversation(key);
    htmlHeaders(ctx);
    if (stored === undefined) {
      ctx.status = 404;
      ctx.body = unknownConversationPage();
      return;
    }
    const action: Action = decideAction(stored.conversation, deps.rules, stored.forced);
    const record = (await store.getRecord(key, action, deps.crm)) ?? (await store.listRecords(key)).find((r) => r.record.crm === deps.crm);
    if (record !== undefined) {
      ctx.redirect(record.record.url);
      return;
    }
    const job = await store.latestJob(key);
    if (job === undefined) {
      ctx.status = 404;
      ctx.body = unknownConversationPage();
      return;
    }
    ctx.body = deliveryPage(job);
  });

  /** A record of the built-in local CRM. Its id is a 128-bit random value: the page shows personal data. */
  router.get('/records/:id', async (ctx) => {
    const record = await store.getLocalRecord(ctx.params.id ?? '');
    if (record === undefined) return;
    htmlHeaders(ctx);
    ctx.body = recordPage(record);
  });

  router.get('/status', async (ctx) => {
    const lastOlarkTest = await store.getSetting(lastTestSetting);
    htmlHeaders(ctx);
    ctx.body = statusPage({ crm: deps.crm, stats: await deps.pipeline.queueStats(), ...(lastOlarkTest === undefined ? {} : { lastOlarkTest }) });
  });

  router.get('/', (ctx) => {
    ctx.redirect('/status');
  });
  return router;
};
