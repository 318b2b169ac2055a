import Router from '@koa/router';
import { conversationKey } from '../../domain/conversation-key';
import { lastTestSetting, type Pipeline } from '../../pipeline/pipeline';
import type { Store } from '../../storage/store';
import type { CrmCheck } from '../crm-check';
import { htmlHeaders, type AppState } from '../middleware';
import { recordPage, unknownRecordPage } from '../pages/record';
import { statusPage, unknownConversationPage } from '../pages/status';
import { stepsPage } from '../pages/steps';

export interface PageDeps {
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly crm: string;
  /** The registered platforms' names. */
  readonly sources: readonly string[];
  /** The CRM's cached check, for the status page. */
  readonly crmCheck?: CrmCheck;
}

/** Where the status page sends an operator (the console's own routes are under it). */
export const CONSOLE_PATH = '/admin';

export const pageRoutes = (deps: PageDeps) => {
  const router = new Router<AppState>();
  const { store } = deps;

  /** The stable return link: forwards to the CRM record (or the person shown) once it exists. */
  router.get('/r/:source/:id', async (ctx) => {
    const key = conversationKey({ source: ctx.params.source ?? '', id: ctx.params.id ?? '' });
    const stored = await store.getConversation(key);
    htmlHeaders(ctx);
    if (stored === undefined) {
      ctx.status = 404;
      ctx.body = unknownConversationPage();
      return;
    }
    // The newest record, of whichever CRM made it: the one the last delivery decided on (lead or
    // case); after CRM was switched, a conversation delivered before still leads to its record.
    const [record] = await store.listRecords(key);
    const target = record?.record.url ?? stored.person?.url;
    const jobs = await store.conversationJobs(key, 50);
    // The record exists but showing it in the platform failed for good: say so (with the link),
    // rather than hide the failure behind a redirect.
    const notify = jobs.filter((j) => j.kind === 'notify').at(-1);
    const notifyFailed = notify !== undefined && (notify.state === 'dead' || notify.state === 'expired');
    if (target !== undefined && !notifyFailed) {
      ctx.redirect(target);
      return;
    }
    ctx.body = stepsPage(jobs, target);
  });

  /** A record of the built-in local CRM. Its id is a 128-bit random value: the page shows personal data. */
  router.get('/records/:id', async (ctx) => {
    const record = await store.getLocalRecord(ctx.params.id ?? '');
    htmlHeaders(ctx);
    if (record === undefined) {
      // A person followed a link: an HTML page, not the API's JSON error.
      ctx.status = 404;
      ctx.body = unknownRecordPage();
      return;
    }
    ctx.body = recordPage(record);
  });

  router.get('/status', async (ctx) => {
    const [lastOlarkTest, stats, crmCheck] = await Promise.all([
      store.getSetting(lastTestSetting('olark')),
      deps.pipeline.queueStats(),
      deps.crmCheck?.(),
    ]);
    htmlHeaders(ctx);
    ctx.body = statusPage({
      crm: deps.crm,
      stats,
      consoleUrl: CONSOLE_PATH,
      ...(lastOlarkTest === undefined ? {} : { lastOlarkTest }),
      ...(crmCheck === undefined ? {} : { crmCheck }),
    });
  });

  router.get('/', (ctx) => {
    ctx.redirect('/status');
  });
  return router;
};
