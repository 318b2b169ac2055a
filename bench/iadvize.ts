/**
 * Section 7, iAdvize: `v2.conversation.closed` → fetch (GraphQL, paged) → record in the local CRM,
 * through the service, one conversation at a time, with the emulator adding `latencyMs` to every
 * call: time to the record (the stable link turning into a redirect), iAdvize calls per
 * conversation (goal: one GraphQL page per 100 messages, no login per conversation) and what is
 * left once the emulator's latency is taken out (ours: the worker's pick-up, storage, decoding,
 * and graphql-js executing the query inside the emulator). Then the customer-information plugin's
 * answer time over HTTP (p50/p99) for a known visitor and an unknown email (goal: well under the
 * 2 s iAdvize allows).
 */
import { callPlugin, makeConversation, sendWebhook, startIAdvizeEmulator } from '../test/emulators/iadvize';
import { sourceUrl, startService } from './service';
import { median, percentile, round1 } from './stats';

const TOKEN = 'bench-iadvize-token-0123456789';
const SECRET = 'bench-iadvize-app-secret';
/** Messages per GraphQL page: what the client asks for and the emulator serves. */
const PAGE = 100;
export const PLUGIN_GOAL_P99_MS = 2000;

export interface IAdvizeRow {
  readonly messages: number;
  readonly samples: number;
  readonly recordP50Ms: number;
  readonly recordP99Ms: number;
  /** Medians per conversation. */
  readonly graphqlCalls: number;
  readonly goalGraphqlCalls: number;
  readonly oursP50Ms: number;
  readonly oursP99Ms: number;
  readonly ackP50Ms: number;
}

export interface PluginRow {
  readonly lookup: 'known email' | 'unknown email';
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export type IAdvizeSection =
  | {
      readonly status: 'ok';
      readonly rows: IAdvizeRow[];
      /** Logins during the measured conversations (the warm-up logged in once before them). */
      readonly logins: number;
      readonly plugin: PluginRow[];
      readonly peakRssMB: number | undefined;
    }
  | { readonly status: 'unavailable'; readonly reason: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const firstLines = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join(' | ').slice(0, 400);

export const runIAdvizeSection = async (
  sizes: readonly number[],
  rounds: number,
  pluginCalls: number,
  latencyMs: number,
  log: (line: string) => void,
): Promise<IAdvizeSection> => {
  try {
    const emulator = await startIAdvizeEmulator({ latencyMs, pageSize: PAGE });
    try {
      const service = await startService('chat2crm (iAdvize)', {
        CRM: 'local',
        IADVIZE_WEBHOOK_TOKEN: TOKEN,
        IADVIZE_WEBHOOK_SECRET: SECRET,
        IADVIZE_API_URL: emulator.url,
        IADVIZE_USERNAME: emulator.username,
        IADVIZE_PASSWORD: emulator.password,
      });
      try {
        const base = sourceUrl(service, 'iadvize', TOKEN);
        const run = Date.now().toString(36);
        const closed = async (messages: number, email: string) => {
          const c = makeConversation({ messages, email });
          emulator.seed(c);
          const before = emulator.requests.length;
          const started = performance.now();
          const body = {
            eventId: `bench-${c.id}`,
            eventType: 'v2.conversation.closed',
            conversationId: c.id,
            visitorId: c.visitor?.visitorId,
            channel: 'CHAT',
          };
          const sent = await sendWebhook(base, body, { secret: SECRET });
          const ack = performance.now() - started;
          if (sent.status !== 200) throw new Error(`the iAdvize webhook answered ${sent.status}: ${sent.text.slice(0, 200)}`);
          // The stable link redirects once the record exists (iAdvize has no notify step).
          const deadline = Date.now() + 30_000;
          let recorded = false;
          while (!recorded && Date.now() < deadline) {
            const page = await fetch(`${service.baseUrl}/r/iadvize/${encodeURIComponent(c.id)}`, { redirect: 'manual' });
            await page.arrayBuffer();
            recorded = page.status === 302;
            if (!recorded) await sleep(2);
          }
          if (!recorded) throw new Error(`no record for a ${messages}-message conversation within 30 s`);
          const ms = performance.now() - started;
          const served = emulator.requests.slice(before);
          return {
            ack,
            ms,
            graphql: served.filter((r) => r.path === '/graphql').length,
            logins: served.filter((r) => r.path === '/oauth2/token').length,
            calls: served.length,
          };
        };
        // Warm-up: the one login of the process, graphql-js building the schema, JIT.
        await closed(10, `bench-ia-warm-${run}@example.com`);
        service.rss.reset();
        const rows: IAdvizeRow[] = [];
        let logins = 0;
        for (const size of sizes) {
          log(`  iAdvize closed → record: ${rounds} conversations of ${size} messages, emulator +${latencyMs} ms per call`);
          const samples: Awaited<ReturnType<typeof closed>>[] = [];
          for (let i = 0; i < rounds; i++) samples.push(await closed(size, `bench-ia-${run}-${size}-${i}@example.com`));
          logins += samples.reduce((sum, s) => sum + s.logins, 0);
          const ours = samples.map((s) => s.ms - s.calls * latencyMs);
          rows.push({
            messages: size,
            samples: samples.length,
            recordP50Ms: round1(median(samples.map((s) => s.ms))),
            recordP99Ms: round1(
              percentile(
                samples.map((s) => s.ms),
                99,
              ),
            ),
            graphqlCalls: median(samples.map((s) => s.graphql)),
            goalGraphqlCalls: Math.max(1, Math.ceil(size / PAGE)),
            oursP50Ms: round1(median(ours)),
            oursP99Ms: round1(percentile(ours, 99)),
            ackP50Ms: round1(median(samples.map((s) => s.ack))),
          });
        }
        const knownEmail = (i: number) => `bench-ia-${run}-${sizes[0] ?? 0}-${i % rounds}@example.com`;
        const plugin: PluginRow[] = [];
        for (const [lookup, query] of [
          ['known email', (i: number) => ({ emailVisitor: knownEmail(i), idVisitorUnique: `known-${i}`, idWebsite: 'ha-1' })],
          [
            'unknown email',
            (i: number) => ({ emailVisitor: `nobody-${run}-${i}@example.com`, idVisitorUnique: `nobody-${i}`, idWebsite: 'ha-1' }),
          ],
        ] as const) {
          log(`  iAdvize plugin GET, ${lookup}: ${pluginCalls} calls`);
          const times: number[] = [];
          for (let i = 0; i < pluginCalls; i++) {
            const started = performance.now();
            const answer = await callPlugin(`${base}/customer-info`, query(i), { secret: SECRET });
            if (answer.status !== 200) throw new Error(`the plugin answered ${answer.status}: ${answer.text.slice(0, 200)}`);
            times.push(performance.now() - started);
          }
          plugin.push({ lookup, samples: times.length, p50Ms: round1(median(times)), p99Ms: round1(percentile(times, 99)) });
        }
        return { status: 'ok', rows, logins, plugin, peakRssMB: service.rss.peakMB() };
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
