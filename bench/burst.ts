/**
 * Section 3, burst under a CRM rate limit: N distinct transcripts posted at once while the
 * HubSpot emulator allows 100 requests per 10 s (HubSpot's Free/Starter burst limit). Measures
 * how fast the agents get an answer, how long until every transcript is in the CRM, and whether
 * anything was lost, doubled or left dead.
 */
import { startHubspot } from './crm';
import { FORM_TYPE, newConversation, olarkBody, type Conversation } from './payloads';
import { startService } from './service';
import { percentile, round1 } from './stats';

export const BURST_RATE_LIMIT = { max: 100, windowMs: 10_000 } as const;
/** Short retries so the bench ends in minutes; the service must still honour Retry-After. */
export const BURST_RETRY_SCHEDULE = '1s,2s,5s,10s,10s,10s,10s,10s';
export const BURST_WORKER_CONCURRENCY = 4;

export type BurstSection =
  | {
      readonly status: 'ok';
      readonly transcripts: number;
      readonly answerP50Ms: number;
      readonly answerP99Ms: number;
      readonly answerMaxMs: number;
      readonly stableLinkAnswers: number;
      readonly failedPosts: number;
      /** From the first POST until every transcript is in the CRM; undefined: timed out. */
      readonly allInCrmMs: number | undefined;
      readonly timeoutMs: number;
      /** When the bench stopped watching: all in, nothing left queued (the rest dead), or the timeout. */
      readonly watchedMs: number;
      readonly crmCalls: number;
      readonly callsPerTranscript: number;
      readonly rateLimited429: number;
      /** Not in the CRM when the bench stopped watching (dead, still queued or lost). */
      readonly notInCrm: number;
      /** Not in the CRM and no job left for it (neither dead nor queued): gone. */
      readonly lost: number;
      readonly doubled: number;
      readonly dead: number;
      readonly stillQueued: number;
      readonly peakRssMB: number | undefined;
    }
  | { readonly status: 'unavailable'; readonly reason: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const runBurst = async (count: number, timeoutMs: number, log: (line: string) => void): Promise<BurstSection> => {
  const { emulator, wrapped } = await startHubspot(100, { rateLimit: BURST_RATE_LIMIT });
  try {
    const service = await startService('chat2crm (burst)', {
      ...wrapped.env,
      RETRY_SCHEDULE: BURST_RETRY_SCHEDULE,
      WORKER_CONCURRENCY: String(BURST_WORKER_CONCURRENCY),
      WORKER_POLL_MS: '250',
    }).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    if (typeof service === 'string')
      return { status: 'unavailable', reason: `the service does not start with CRM=hubspot: ${service.slice(0, 400)}` };
    try {
      const conversations: Conversation[] = Array.from({ length: count }, () => newConversation('lead'));
      const bodies = conversations.map((c) => olarkBody(c, 4));
      log(
        `  ${count} transcripts at once; HubSpot emulator: ${BURST_RATE_LIMIT.max} requests / ${BURST_RATE_LIMIT.windowMs / 1000} s, 100 ms per call`,
      );
      const started = performance.now();
      const answers = await Promise.all(
        bodies.map(async (body) => {
          const t0 = performance.now();
          try {
            const response = await fetch(service.webhookUrl, { method: 'POST', headers: { 'content-type': FORM_TYPE }, body });
            const text = await response.text();
            return { ms: performance.now() - t0, ok: response.ok, stable: text.includes('/r/olark/') };
          } catch {
            return { ms: performance.now() - t0, ok: false, stable: false };
          }
        }),
      );
      const times = answers.map((a) => a.ms);
      log(
        `  answered: p50 ${round1(percentile(times, 50))} ms, max ${round1(Math.max(...times))} ms; waiting for the CRM (at most ${timeoutMs / 1000} s)`,
      );

      const byEmail = new Map(conversations.map((c) => [c.email.toLowerCase(), c]));
      /** Contacts and their transcript notes per conversation, read from the emulator's state. */
      const census = () => {
        const contacts = new Map<string, number>();
        const notes = new Map<string, number>();
        for (const contact of emulator.state.list('contacts')) {
          const email = (contact.properties['email'] ?? '').toLowerCase();
          if (!byEmail.has(email)) continue;
          contacts.set(email, (contacts.get(email) ?? 0) + 1);
          notes.set(email, (notes.get(email) ?? 0) + emulator.state.associations('contacts', contact.id, 'notes').length);
        }
        const complete = [...byEmail.keys()].filter((e) => (contacts.get(e) ?? 0) >= 1 && (notes.get(e) ?? 0) >= 1).length;
        const doubled = [...byEmail.keys()].filter((e) => (contacts.get(e) ?? 0) > 1 || (notes.get(e) ?? 0) > 1).length;
        return { complete, doubled };
      };

      let allInCrmMs: number | undefined;
      let lastLog = performance.now();
      const deadline = started + timeoutMs;
      while (performance.now() < deadline) {
        const { complete } = census();
        const health = await service.health().catch(() => undefined);
        const busy = health?.queue === null || health?.queue === undefined ? 1 : health.queue.pending + health.queue.running;
        if (complete === count && allInCrmMs === undefined) allInCrmMs = performance.now() - started;
        // Done when all are in and nothing is queued any more (a late retry could still double one).
        if (complete === count && busy === 0) break;
        if (health?.queue !== null && health?.queue !== undefined && busy === 0 && health.queue.dead > 0) break;
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          log(`  … ${complete}/${count} in the CRM after ${Math.round((performance.now() - started) / 1000)} s`);
        }
        await sleep(500);
      }
      const { complete, doubled } = census();
      const health = await service.health().catch(() => undefined);
      const calls = wrapped.calls();
      const dead = health?.queue?.dead ?? 0;
      const stillQueued = health?.queue === null || health?.queue === undefined ? -1 : health.queue.pending + health.queue.running;
      return {
        status: 'ok',
        transcripts: count,
        answerP50Ms: round1(percentile(times, 50)),
        answerP99Ms: round1(percentile(times, 99)),
        answerMaxMs: round1(Math.max(...times)),
        stableLinkAnswers: answers.filter((a) => a.stable).length,
        failedPosts: answers.filter((a) => !a.ok).length,
        allInCrmMs: allInCrmMs === undefined ? undefined : Math.round(allInCrmMs),
        timeoutMs,
        watchedMs: Math.round(performance.now() - started),
        crmCalls: calls.length,
        callsPerTranscript: Math.round((calls.length / count) * 100) / 100,
        rateLimited429: calls.filter((c) => c.status === 429).length,
        notInCrm: count - complete,
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
    await emulator.close();
  }
};
