/**
 * Issue 30's burst: N LiveChat `chat_deactivated` webhooks posted at once (v3 bodies carrying the
 * registered `secret_key`, as LiveChat sends them: https://platform.text.com/docs/management/webhooks),
 * each chat fetched from the LiveChat emulator and delivered to a CRM emulator at 100 ms per call
 * (HubSpot also at its Free/Starter limit of 100 calls per 10 s). One row per CRM_BATCH_MAX: `1`
 * is one delivery per CRM call (today's path), `default` leaves the key unset (the connector's
 * batch limit). Everything is counted by the emulators and the service itself: the CRM calls from
 * the emulator's request log, lost and doubled from its records against the chats sent, dead from
 * the service's /metrics.
 */
import { randomBytes } from 'node:crypto';
import { startLiveChatEmulator } from '../test/emulators/livechat';
import { startSalesforceEmulator } from '../test/emulators/salesforce';
import { chatDeactivated } from '../test/emulators/livechat/webhooks';
import { BURST_RATE_LIMIT } from './burst';
import { hubspotCensus, queueJobs, salesforceCensus, type Census } from './census';
import { salesforceEnv, startHubspot } from './crm';
import { LIVECHAT_SECRET, LIVECHAT_TOKEN, livechatEnv } from './livechat';
import { sourceUrl, startService } from './service';
import { percentile, round1 } from './stats';

/**
 * Issue 30's goals for 1,000 webhooks; other counts (--quick's 200) get the same rate, 60 s × count /
 * 1,000, but never under 10 s (the service's start-up and the first batch's wait are not a rate).
 */
export const BATCH_GOALS = { transcripts: 1000, allInCrmSeconds: 60, minSeconds: 10, hubspotCallsPerTranscript: 0.1 } as const;
export const burstGoalSeconds = (count: number): number =>
  Math.max(BATCH_GOALS.minSeconds, Math.round(((BATCH_GOALS.allInCrmSeconds * count) / BATCH_GOALS.transcripts) * 10) / 10);
/** The CRM emulators' time per call; LiveChat's own emulator answers at once, so the CRM is what is measured. */
export const BATCH_CRM_LATENCY_MS = 100;

export type BatchMode = '1' | 'default';

export type BurstBatchRow =
  | {
      readonly status: 'ok';
      readonly crm: 'hubspot' | 'salesforce';
      readonly batchMax: BatchMode;
      readonly transcripts: number;
      readonly failedPosts: number;
      readonly answerP50Ms: number;
      readonly answerMaxMs: number;
      /** From the first POST until every chat is in the CRM; undefined: not within the watch. */
      readonly allInCrmMs: number | undefined;
      readonly watchedMs: number;
      readonly timeoutMs: number;
      readonly inCrm: number;
      /** Every request the CRM emulator got from the first POST on (429s included; HubSpot searches included). */
      readonly crmCalls: number;
      readonly callsPerTranscript: number;
      readonly rateLimited429: number;
      /** Salesforce only: token requests (not API calls), counted apart. */
      readonly tokenCalls: number;
      readonly livechatCalls: number;
      readonly lost: number;
      readonly doubled: number;
      readonly dead: number;
      readonly stillQueued: number;
      readonly peakRssMB: number | undefined;
    }
  | { readonly status: 'unavailable'; readonly crm: 'hubspot' | 'salesforce'; readonly batchMax: BatchMode; readonly reason: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join(' | ').slice(0, 400);

interface CrmUnderTest {
  readonly env: Readonly<Record<string, string>>;
  census(emails: ReadonlySet<string>): Census;
  /** Requests so far: all, 429s, token requests. */
  calls(): { readonly all: number; readonly limited: number; readonly tokens: number };
  close(): Promise<void>;
}

const startCrm = async (crm: 'hubspot' | 'salesforce'): Promise<CrmUnderTest> => {
  if (crm === 'hubspot') {
    const { emulator, wrapped } = await startHubspot(BATCH_CRM_LATENCY_MS, { rateLimit: BURST_RATE_LIMIT });
    return {
      env: wrapped.env,
      census: (emails) => hubspotCensus(emulator, emails),
      calls: () => ({ all: emulator.requests.length, limited: emulator.requests.filter((r) => r.status === 429).length, tokens: 0 }),
      close: () => emulator.close(),
    };
  }
  const emulator = await startSalesforceEmulator({ latencyMs: BATCH_CRM_LATENCY_MS });
  return {
    env: salesforceEnv(emulator),
    census: (emails) => salesforceCensus(emulator, emails),
    calls: () => {
      const tokens = emulator.tokenRequests().length;
      return { all: emulator.requests.length - tokens, limited: emulator.requests.filter((r) => r.status === 429).length, tokens };
    },
    close: () => emulator.close(),
  };
};

export const runBurstBatch = async (
  crm: 'hubspot' | 'salesforce',
  batchMax: BatchMode,
  count: number,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<BurstBatchRow> => {
  try {
    const livechat = await startLiveChatEmulator();
    try {
      const target = await startCrm(crm);
      try {
        const service = await startService(`chat2crm (burst into ${crm}, CRM_BATCH_MAX=${batchMax})`, {
          ...target.env,
          ...livechatEnv(livechat),
          LIVECHAT_WEBHOOK_TOKEN: LIVECHAT_TOKEN,
          ...(batchMax === 'default' ? {} : { CRM_BATCH_MAX: batchMax }),
        });
        try {
          const state = livechat.state;
          const agent = 'agent.smith@example.com';
          state.addAgent(agent, 'Agent Smith');
          const run = randomBytes(4).toString('hex');
          const chats = Array.from({ length: count }, (_, i) => {
            const email = `burst-${run}-${i}@example.com`;
            const customer = state.addCustomer({ name: `Burst Visitor ${i}`, email });
            const chat = state.startChat({ customerId: customer.id, agentId: agent });
            state.addEvent(chat.id, { author_id: customer.id, text: `Hi, I need a quote for ${i + 1} seats` });
            state.addEvent(chat.id, { author_id: agent, text: 'Sure, let me check' });
            state.closeThread(chat.id);
            return { chatId: chat.id, email };
          });
          const emails = new Set(chats.map((c) => c.email));
          const bodies = chats.map((c) => JSON.stringify(chatDeactivated(state, c.chatId, { secretKey: LIVECHAT_SECRET, userId: agent })));
          const url = sourceUrl(service, 'livechat', LIVECHAT_TOKEN);
          log(
            `  ${crm}, CRM_BATCH_MAX=${batchMax}: ${count} chat_deactivated at once; CRM emulator ${BATCH_CRM_LATENCY_MS} ms per call${crm === 'hubspot' ? `, ${BURST_RATE_LIMIT.max} calls / ${BURST_RATE_LIMIT.windowMs / 1000} s` : ''}`,
          );
          const callsBefore = target.calls();
          const livechatBefore = livechat.requests.length;
          service.rss.reset();
          const started = performance.now();
          const answers = await Promise.all(
            bodies.map(async (body) => {
              const t0 = performance.now();
              try {
                const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
                await response.arrayBuffer();
                return { ms: performance.now() - t0, ok: response.ok };
              } catch {
                return { ms: performance.now() - t0, ok: false };
              }
            }),
          );
          const times = answers.map((a) => a.ms);
          let allInCrmMs: number | undefined;
          let lastLog = performance.now();
          const deadline = started + timeoutMs;
          const busyOf = (jobs: Readonly<Record<string, number>> | undefined) =>
            jobs === undefined ? undefined : (jobs['pending'] ?? 0) + (jobs['running'] ?? 0);
          while (performance.now() < deadline) {
            const { complete } = target.census(emails);
            if (complete === count && allInCrmMs === undefined) allInCrmMs = performance.now() - started;
            const jobs = await queueJobs(service.baseUrl);
            const busy = busyOf(jobs);
            // Done when nothing is queued any more (a late retry could still double one), all in or not.
            if (busy === 0 && (complete === count || (jobs?.['dead'] ?? 0) > 0)) break;
            if (performance.now() - lastLog > 15_000) {
              lastLog = performance.now();
              log(`    … ${complete}/${count} in ${crm} after ${Math.round((performance.now() - started) / 1000)} s`);
            }
            await sleep(250);
          }
          const watchedMs = performance.now() - started;
          const { complete, doubled } = target.census(emails);
          const jobs = await queueJobs(service.baseUrl);
          const dead = jobs?.['dead'] ?? 0;
          const stillQueued = busyOf(jobs) ?? -1;
          const after = target.calls();
          const crmCalls = after.all - callsBefore.all;
          return {
            status: 'ok',
            crm,
            batchMax,
            transcripts: count,
            failedPosts: answers.filter((a) => !a.ok).length,
            answerP50Ms: round1(percentile(times, 50)),
            answerMaxMs: round1(Math.max(...times)),
            allInCrmMs: allInCrmMs === undefined ? undefined : Math.round(allInCrmMs),
            watchedMs: Math.round(watchedMs),
            timeoutMs,
            inCrm: complete,
            crmCalls,
            callsPerTranscript: Math.round((crmCalls / count) * 1000) / 1000,
            rateLimited429: after.limited - callsBefore.limited,
            tokenCalls: after.tokens - callsBefore.tokens,
            livechatCalls: livechat.requests.length - livechatBefore,
            lost: Math.max(0, count - complete - dead - Math.max(0, stillQueued)),
            doubled,
            dead,
            stillQueued,
            peakRssMB: service.rss.peakMB(),
          };
        } finally {
          await service.stop();
        }
      } finally {
        await target.close();
      }
    } finally {
      await livechat.close();
    }
  } catch (e) {
    return { status: 'unavailable', crm, batchMax, reason: message(e) };
  }
};
