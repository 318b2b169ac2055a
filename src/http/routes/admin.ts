/**
 * The operator console under /admin: HTTP Basic for every page, server-rendered HTML under a
 * CSP that allows no script and forms only to this site. GETs only read; each POST carries a
 * CSRF token bound to the credentials that loaded its form.
 */
import Router from '@koa/router';
import type Koa from 'koa';
import getRawBody from 'raw-body';
import type { CheckItem, CheckReport } from '../../domain/connector';
import { conversationKey } from '../../domain/conversation-key';
import type { ReplayLine } from '../../pipeline/replay';
import { withTimeout } from '../../pipeline/timeout';
import { CONVERSATION_STATES, type ConversationState } from '../../storage/console';
import type { Store, StoredConversation } from '../../storage/store';
import { CSRF_SECRET_SETTING, csrfToken, csrfValid, requireAdmin } from '../admin-auth';
import { webhookUrl } from '../banner';
import { htmlHeaders, type AppState } from '../middleware';
import { attentionPage, replayResultPage } from '../pages/admin/attention';
import { mapConversation, type Mapping } from '../../domain/mapping';
import { conversationPage } from '../pages/admin/conversation';
import { conversationsPage } from '../pages/admin/conversations';
import { barePage } from '../pages/admin/layout';
import { parseCursor } from '../pages/admin/paths';
import { checkPage, platformsPage } from '../pages/admin/platforms';
import { html, type Html } from '../pages/layout';
import { lastRejectedSetting, readRejection } from '../webhook-rejections';
import { backfillProgressSetting, describeBackfill, readBackfillState } from '../../pipeline/backfill-state';
import { erasurePage } from '../pages/admin/privacy';
import { randomBytes } from 'node:crypto';

export interface ConsolePlatform {
  readonly name: string;
  readonly title: string;
  readonly token: string;
  readonly check?: () => Promise<readonly CheckItem[]>;
}

export interface AdminDeps {
  readonly store: Store;
  readonly passwordDigest: Buffer;
  readonly publicUrl: string;
  readonly crm: string;
  readonly platforms: readonly ConsolePlatform[];
  readonly stableLink: (key: string) => string;
  /** Replays dead steps by job id (the pipeline's replay, with the worker's own step dependencies). */
  readonly replay: (jobIds: readonly string[]) => Promise<readonly ReplayLine[]>;
  readonly checkCrm: () => Promise<CheckReport>;
  /** MAPPING_FILE's mapping: the conversation page shows what it maps the conversation to. */
  readonly mapping?: Mapping;
  /** More actions for one conversation's page (the privacy requests), given its CSRF token. */
  readonly conversationActions?: (stored: StoredConversation, csrf: string) => Html;
}

export const PAGE_SIZE = 50;
/** One "replay all" click: each step makes its outside calls in the request. */
export const REPLAY_BATCH = 100;
const FORM_LIMIT = '16kb';
const CHECK_TIMEOUT_MS = 15_000;
const MAX_QUERY = 200;

/** The console's pages post their forms here; the rest of the service posts nothing. */
const consoleHeaders = (ctx: Koa.ParameterizedContext<AppState>) => {
  htmlHeaders(ctx);
  ctx.set(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
};

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
const isState = (value: string | undefined): value is ConversationState => CONVERSATION_STATES.some((s) => s === value);

const refusedPage = () =>
  barePage(
    'Sign in',
    html`<h1>Sign in to the chat2crm console</h1><p>This console needs the user <code>admin</code> and the console password (ADMIN_PASSWORD, or the one the start-up banner printed once). Reload the page to try again.</p>`,
  );

export const adminRoutes = (deps: AdminDeps) => {
  const router = new Router<AppState>({ prefix: '/admin' });
  const { store } = deps;
  let secret: Promise<string> | undefined;
  const csrfSecret = () => {
    secret ??= store
      .settingOrCreate(CSRF_SECRET_SETTING, () => randomBytes(32).toString('base64url'))
      .catch((error: unknown) => {
        secret = undefined;
        throw error;
      });
    return secret;
  };
  const csrfFor = async (ctx: Koa.ParameterizedContext<AppState>) => csrfToken(await csrfSecret(), ctx.get('authorization'));

  router.use(requireAdmin(deps.passwordDigest, refusedPage));

  router.get('/', async (ctx) => {
    const platform = single(ctx.query['platform']);
    const state = single(ctx.query['state']);
    const q = (single(ctx.query['q']) ?? '').trim().slice(0, MAX_QUERY);
    const after = parseCursor(single(ctx.query['after']));
    const source = deps.platforms.some((p) => p.name === platform) ? platform : undefined;
    const filter = {
      ...(source === undefined ? {} : { source }),
      ...(isState(state) ? { state } : {}),
      ...(q === '' ? {} : { q }),
      ...(after === undefined ? {} : { after }),
    };
    const page = await store.listConversations({ ...filter, limit: PAGE_SIZE });
    consoleHeaders(ctx);
    ctx.body = conversationsPage({ page, filter, sources: deps.platforms });
  });

  router.get('/conversations/:source/:id', async (ctx) => {
    const sourceName = ctx.params.source ?? '';
    const id = ctx.params.id ?? '';
    const key = conversationKey({ source: sourceName, id });
    const stored = await store.getConversation(key);
    consoleHeaders(ctx);
    if (stored === undefined) {
      ctx.status = 404;
      ctx.body = barePage(
        'Not found',
        html`<h1>No such conversation</h1><p>No conversation <code>${key}</code> is stored. <a href="/admin">Back to the conversations</a>.</p>`,
      );
      return;
    }
    const jobs = await store.conversationJobs(key, 100);
    const steps = await Promise.all(jobs.map(async (job) => ({ job, attempts: await store.listAttempts(job.id) })));
    const csrf = await csrfFor(ctx);
    const actions = deps.conversationActions?.(stored, csrf);
    const records = await store.listRecords(key);
    // What the deliveries wrote comes from the stored conversation: the same values a replay maps.
    const action = records[0]?.record.action;
    const mapped =
      deps.mapping === undefined || action === undefined ? undefined : mapConversation(deps.mapping, stored.conversation, action);
    ctx.body = conversationPage({
      stored,
      source: { name: sourceName, title: deps.platforms.find((p) => p.name === sourceName)?.title ?? sourceName },
      id,
      state: (await store.conversationState(key)) ?? 'delivered',
      records,
      ...(mapped === undefined ? {} : { mapped }),
      crm: deps.crm,
      steps,
      stableLink: deps.stableLink(key),
      csrf,
      ...(actions === undefined ? {} : { actions }),
    });
  });

  router.get('/steps', async (ctx) => {
    const [groups, dead, failing] = await Promise.all([store.deadErrorGroups(50), store.listJobs('dead', 100), store.failingJobs(100)]);
    consoleHeaders(ctx);
    ctx.body = attentionPage({ groups, dead, failing, csrf: await csrfFor(ctx), replayBatch: REPLAY_BATCH });
  });

  /** A form's fields once its CSRF token is checked; undefined (after a 403 page) without it. */
  const checkedForm = async (ctx: Koa.ParameterizedContext<AppState>, back: string): Promise<URLSearchParams | undefined> => {
    const form = new URLSearchParams((await getRawBody(ctx.req, { limit: FORM_LIMIT, encoding: 'utf8' })).toString());
    if (csrfValid(await csrfSecret(), ctx.get('authorization'), form.get('csrf'))) return form;
    consoleHeaders(ctx);
    ctx.status = 403;
    ctx.body = barePage(
      'Refused',
      html`<h1>This form was refused</h1><p>It did not carry this console's token (it came from another page, or an older sign-in). Nothing was changed. <a href="${back}">Open the page again</a> and retry.</p>`,
    );
    return undefined;
  };

  router.post('/replay', async (ctx) => {
    const form = await checkedForm(ctx, '/admin/steps');
    if (form === undefined) return;
    consoleHeaders(ctx);
    const code = form.get('code');
    const ids =
      code === null ? form.getAll('job').slice(0, REPLAY_BATCH) : (await store.deadJobsWithCode(code, REPLAY_BATCH)).map((j) => j.id);
    if (ids.length === 0) {
      ctx.status = 400;
      ctx.body = barePage(
        'Nothing to replay',
        html`<h1>Nothing to replay</h1><p>No dead step was named (or none has this error any more). <a href="/admin/steps">Back</a>.</p>`,
      );
      return;
    }
    ctx.state.log.info({ steps: ids.length, by: code === null ? 'step' : 'error code' }, 'console replay');
    ctx.body = replayResultPage(await deps.replay(ids));
  });

  /** A POST: the email stays out of URLs, logs and history. */
  router.post('/privacy/export', async (ctx) => {
    const form = await checkedForm(ctx, '/admin');
    if (form === undefined) return;
    const email = (form.get('email') ?? '').trim();
    if (email === '') {
      consoleHeaders(ctx);
      ctx.status = 400;
      ctx.body = barePage('No email', html`<h1>No email given</h1><p><a href="/admin">Back</a>.</p>`);
      return;
    }
    ctx.state.log.info({}, 'console privacy export');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Disposition', 'attachment; filename="chat2crm-export.json"');
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(await store.exportPerson(email), null, 2);
  });

  router.post('/privacy/erase', async (ctx) => {
    const form = await checkedForm(ctx, '/admin');
    if (form === undefined) return;
    const email = (form.get('email') ?? '').trim();
    consoleHeaders(ctx);
    if (email === '' || form.get('confirm') !== 'yes') {
      ctx.status = 400;
      ctx.body = barePage(
        'Not erased',
        html`<h1>Nothing was erased</h1><p>Tick the box that confirms the erasure, with the visitor's email. <a href="/admin">Back</a>.</p>`,
      );
      return;
    }
    const erasure = await store.erasePerson(email);
    ctx.state.log.info({ conversations: erasure.counts.conversations, inFlight: erasure.inFlight }, 'console privacy erase');
    ctx.body = erasurePage(erasure);
  });

  router.get('/platforms', async (ctx) => {
    const platforms = await Promise.all(
      deps.platforms.map(async (p) => {
        const lastRejected = readRejection(await store.getSetting(lastRejectedSetting(p.name)));
        const backfill = readBackfillState(await store.getSetting(backfillProgressSetting(p.name)));
        return {
          ...(backfill === undefined ? {} : { backfill: describeBackfill(backfill) }),
          name: p.name,
          title: p.title,
          token: p.token,
          webhookUrl: webhookUrl(deps.publicUrl, p.name, p.token),
          activity: await store.sourceActivity(p.name),
          ...(lastRejected === undefined ? {} : { lastRejected }),
        };
      }),
    );
    consoleHeaders(ctx);
    ctx.body = platformsPage({ platforms, crm: deps.crm });
  });

  /** Runs the checks: they only read (sign in, look for fields), so a GET may. */
  router.get('/platforms/check', async (ctx) => {
    const timedOut = (what: string): CheckItem => ({ name: what, ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS / 1000} s` });
    const safely = async <A>(what: string, run: () => Promise<A>, fallback: (item: CheckItem) => A): Promise<A> => {
      try {
        return await withTimeout(run(), CHECK_TIMEOUT_MS, () => fallback(timedOut(what)));
      } catch (error) {
        ctx.state.log.warn({ err: error, what }, 'check threw');
        return fallback({ name: what, ok: false, detail: 'the check failed unexpectedly (see the service log)' });
      }
    };
    const [crmReport, platforms] = await Promise.all([
      safely('CRM', deps.checkCrm, (item): CheckReport => ({ ok: false, items: [item] })),
      Promise.all(
        deps.platforms
          .flatMap((p) => (p.check === undefined ? [] : [{ title: p.title, check: p.check }]))
          .map(async (p) => ({ title: p.title, items: await safely(p.title, p.check, (item) => [item]) })),
      ),
    ]);
    consoleHeaders(ctx);
    ctx.body = checkPage({ crm: deps.crm, crmReport, platforms, ranAt: new Date() });
  });

  return router;
};
