/**
 * Section 5, LiveChat:
 * - `runLiveChatSection`: ingest of v3 `chat_deactivated` webhooks at 64 connections beside bare
 *   Koa, then `chat_deactivated` → record → link with the emulator adding 100 ms per call;
 * - `livechatEnv`: the service's LIVECHAT_* keys pointing at a LiveChat emulator;
 * - `chatDeactivatedBodies`: fresh v3 `chat_deactivated` bodies for the ingest load (each a new thread);
 * - `runLiveChatTranscripts`: `chat_deactivated` → fetch → record → link in the customer's session
 *   fields, one sample at a time against an emulator adding `latencyMs` per call, so the emulator's
 *   log between two samples is exactly one transcript's LiveChat calls (all sequential: each step
 *   waits for the previous call). Overhead = time to the link − LiveChat calls × latencyMs − CRM time.
 */
import { randomBytes } from 'node:crypto';
import { startLiveChatEmulator, type LiveChatEmulator } from '../test/emulators/livechat';
import { chatDeactivated, postWebhook } from '../test/emulators/livechat/webhooks';
import { load, type IngestRow } from './ingest';
import { sourceUrl, startBareKoa, startService } from './service';
import { median, percentile, round1 } from './stats';

export const LIVECHAT_SECRET = 'bench-livechat-secret-0123456789';

export const livechatEnv = (emulator: LiveChatEmulator, secret = LIVECHAT_SECRET): Record<string, string> => ({
  LIVECHAT_API_URL: emulator.url,
  LIVECHAT_ACCOUNT_ID: emulator.account.accountId,
  LIVECHAT_PAT: emulator.account.pat,
  LIVECHAT_AGENT_ID: emulator.account.agentId,
  LIVECHAT_WEBHOOK_SECRET: secret,
});

const chatId = (): string => randomBytes(5).toString('hex').toUpperCase();

/** Bodies for autocannon: the ingest path only (verify, decode, store); the chats need not exist. */
export const chatDeactivatedBodies =
  (secret = LIVECHAT_SECRET): (() => string) =>
  () =>
    JSON.stringify({
      webhook_id: randomBytes(16).toString('hex'),
      secret_key: secret,
      action: 'chat_deactivated',
      organization_id: 'f9c7cc55-b35a-4e76-b0d5-ae9fce362314',
      payload: { chat_id: chatId(), thread_id: chatId(), user_id: 'agent.smith@example.com' },
      additional_data: {},
    });

export interface LiveChatRow {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Median LiveChat calls per transcript (all sequential). */
  readonly livechatCalls: number;
  readonly overheadP50Ms: number;
  readonly overheadP99Ms: number;
  /** Samples whose link never reached the session fields within the wait. */
  readonly missing: number;
  /** The actions of the last linked transcript, in order. */
  readonly actions: readonly string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `crmTimeMs(sample)` is the time the CRM took for one transcript (0 for the local CRM; calls ×
 * latency for a CRM emulator), so the overhead is ours alone.
 */
export const runLiveChatTranscripts = async (options: {
  readonly webhookUrl: string;
  readonly emulator: LiveChatEmulator;
  readonly samples: number;
  readonly latencyMs: number;
  readonly secret?: string;
  readonly crmTimeMs?: () => number;
  readonly waitMs?: number;
}): Promise<LiveChatRow> => {
  const { emulator, latencyMs } = options;
  const state = emulator.state;
  state.addAgent('agent.smith@example.com', 'Agent Smith');
  const times: number[] = [];
  const overheads: number[] = [];
  const calls: number[] = [];
  let missing = 0;
  let actions: string[] = [];
  for (let i = 0; i < options.samples; i++) {
    const customer = state.addCustomer({
      name: `Bench Visitor ${i}`,
      email: `bench-${i}-${chatId().toLowerCase()}@example.com`,
      session_fields: [{ plan: 'pro' }],
    });
    const chat = state.startChat({ customerId: customer.id, agentId: 'agent.smith@example.com' });
    state.addEvent(chat.id, { author_id: customer.id, text: 'Hi, I need a quote for 20 seats' });
    state.addEvent(chat.id, { author_id: 'agent.smith@example.com', text: 'Sure, let me check' });
    state.closeThread(chat.id);
    const before = emulator.calls().length;
    const started = Date.now();
    const answer = await postWebhook(options.webhookUrl, chatDeactivated(state, chat.id, { secretKey: options.secret ?? LIVECHAT_SECRET }));
    if (answer.status !== 200) throw new Error(`the LiveChat webhook answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    const deadline = started + (options.waitMs ?? 30_000);
    // Done when LiveChat has answered the update_customer that wrote the link (the emulator
    // changes its state before its added latency, so the state alone would end the clock early).
    const written = () =>
      emulator
        .calls('update_customer')
        .find(
          (r) =>
            r.endedAt > 0 &&
            r.status === 200 &&
            typeof r.body === 'object' &&
            r.body !== null &&
            'id' in r.body &&
            r.body.id === customer.id,
        );
    while (written() === undefined && Date.now() < deadline) await sleep(2);
    const done = written();
    if (done === undefined) {
      missing++;
      continue;
    }
    const ms = done.endedAt - started;
    const made = emulator.calls().length - before;
    actions = emulator
      .calls()
      .slice(before)
      .map((r) => r.action ?? r.path);
    times.push(ms);
    calls.push(made);
    overheads.push(ms - made * latencyMs - (options.crmTimeMs?.() ?? 0));
  }
  return {
    samples: options.samples,
    p50Ms: round1(median(times)),
    p99Ms: round1(percentile(times, 99)),
    livechatCalls: median(calls),
    overheadP50Ms: round1(median(overheads)),
    overheadP99Ms: round1(percentile(overheads, 99)),
    missing,
    actions,
  };
};

export const LIVECHAT_TOKEN = 'bench-livechat-token-0123456789';
const INGEST_CONNECTIONS = 64;

export type LiveChatSection =
  | {
      readonly status: 'ok';
      /** v3 `chat_deactivated` webhooks taken per second (verified, decoded, stored, answered). */
      readonly ingest: IngestRow;
      readonly transcripts: LiveChatRow;
      readonly latencyMs: number;
      readonly peakRssMB: number | undefined;
    }
  | { readonly status: 'unavailable'; readonly reason: string };

const firstLines = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join(' | ').slice(0, 400);

/**
 * Ingest runs without API credentials, so no emulator shares the cores: the rate is the webhook
 * edge and intake as LiveChat sees it, plus the worker ending each fetch step at once as dead
 * (LIVECHAT_NOT_CONFIGURED, as when LIVECHAT_PAT is unset), which it does beside the load. The
 * transcripts then run against the emulator with the local CRM (no CRM calls of its own).
 */
export const runLiveChatSection = async (
  seconds: number,
  samples: number,
  latencyMs: number,
  log: (line: string) => void,
): Promise<LiveChatSection> => {
  try {
    log(`  LiveChat ingest: chat_deactivated at ${INGEST_CONNECTIONS} connections, chat2crm ${seconds} s, bare Koa ${seconds} s`);
    const ingestService = await startService('chat2crm (LiveChat ingest)', {
      CRM: 'local',
      LIVECHAT_WEBHOOK_SECRET: LIVECHAT_SECRET,
      LIVECHAT_WEBHOOK_TOKEN: LIVECHAT_TOKEN,
    });
    let ingest: IngestRow;
    let peak: number | undefined;
    try {
      const bare = await startBareKoa();
      try {
        const url = sourceUrl(ingestService, 'livechat', LIVECHAT_TOKEN);
        const bareUrl = `${bare.baseUrl}/webhooks/olark/bare`;
        const json = 'application/json';
        await load(url, 16, 2, chatDeactivatedBodies(), json);
        await load(bareUrl, 16, 2, chatDeactivatedBodies(), json);
        const ours = await load(url, INGEST_CONNECTIONS, seconds, chatDeactivatedBodies(), json);
        const bareRun = await load(bareUrl, INGEST_CONNECTIONS, seconds, chatDeactivatedBodies(), json);
        ingest = {
          connections: INGEST_CONNECTIONS,
          ours,
          bare: bareRun,
          ratio: bareRun.requestsPerSec === 0 ? 0 : ours.requestsPerSec / bareRun.requestsPerSec,
        };
        peak = ingestService.rss.peakMB();
      } finally {
        await bare.stop();
      }
    } finally {
      await ingestService.stop();
    }

    log(`  LiveChat chat_deactivated → record → link: ${samples} transcripts, emulator +${latencyMs} ms per call`);
    const emulator = await startLiveChatEmulator({ latencyMs });
    try {
      const service = await startService('chat2crm (LiveChat)', {
        CRM: 'local',
        LIVECHAT_WEBHOOK_TOKEN: LIVECHAT_TOKEN,
        ...livechatEnv(emulator),
      });
      try {
        const webhookUrl = sourceUrl(service, 'livechat', LIVECHAT_TOKEN);
        // Warm-up: JIT, the HTTP agent's first connection.
        await runLiveChatTranscripts({ webhookUrl, emulator, samples: 2, latencyMs });
        service.rss.reset();
        const transcripts = await runLiveChatTranscripts({ webhookUrl, emulator, samples, latencyMs });
        const rss = service.rss.peakMB();
        const peakRssMB = peak === undefined ? rss : rss === undefined ? peak : Math.max(peak, rss);
        return { status: 'ok', ingest, transcripts, latencyMs, peakRssMB };
      } finally {
        await service.stop();
      }
    } finally {
      await emulator.close();
    }
  } catch (e) {
    return { status: 'unavailable', reason: firstLines(e) };
  }
};
