/**
 * Issue 30's backfill: N archived chats in the LiveChat emulator (`list_archives`, paged by 100:
 * https://platform.text.com/docs/messaging/agent-chat-api#list-archives) taken into HubSpot at its
 * Free/Starter limit (100 calls per 10 s, 100 ms per call) by `npm run backfill -- --source livechat
 * --since … --until …` (docs/backfill.md), run as users run it: the same script under tsx, in a
 * folder of its own, on a database the service created. Then the same command again with
 * `--restart` (the range listed again from its start): it must queue nothing and make no HubSpot
 * call that writes. HubSpot's calls are counted by its emulator, lost and doubled from its records
 * against the chats seeded, dead from the running service's /metrics (and the script's own summary).
 */
import { join } from 'node:path';
import { startLiveChatEmulator } from '../test/emulators/livechat';
import { seedArchive } from '../test/emulators/livechat/archive-seed';
import { BATCH_CRM_LATENCY_MS } from './burst-batch';
import { BURST_RATE_LIMIT } from './burst';
import { baseEnv, runChildScript, type ScriptRun } from './children';
import { hubspotCensus, isHubspotWrite, queueJobs } from './census';
import { startHubspot } from './crm';
import { LIVECHAT_TOKEN, livechatEnv } from './livechat';
import { sampleRss } from './rss';
import { BENCH_TOKEN, databaseUrl, ROOT, startService, TEMP_ROOT } from './service';

/**
 * Issue 30's goal: 10,000 archived chats within 5 minutes; other counts (--quick's 1,000) get the same
 * rate, but never under 30 s (the script's start-up under tsx takes several seconds on its own).
 */
export const BACKFILL_GOAL = { chats: 10_000, seconds: 300, minSeconds: 30 } as const;
export const backfillGoalSeconds = (chats: number): number =>
  Math.max(BACKFILL_GOAL.minSeconds, Math.round(((BACKFILL_GOAL.seconds * chats) / BACKFILL_GOAL.chats) * 10) / 10);
const SINCE = '2026-01-01';
const SPACING_MS = 60_000;

export interface BackfillRun {
  /** From the start of the command until every chat is in HubSpot; undefined: not within the watch. */
  readonly allInCrmMs: number | undefined;
  /** Until the command exited; undefined: stopped at the timeout. */
  readonly exitedMs: number | undefined;
  readonly exitCode: number | null | undefined;
  readonly inCrm: number;
  readonly hubspotCalls: number;
  readonly hubspotWrites: number;
  readonly rateLimited429: number;
  readonly livechatCalls: number;
  /** From the command's summary (undefined when it printed none). */
  readonly queued: number | undefined;
  readonly known: number | undefined;
  readonly delivered: number | undefined;
  readonly dead: number | undefined;
  /** Steps dead, and still pending or running, when the bench stopped watching: from the service's /metrics. */
  readonly deadSteps: number;
  readonly leftQueued: number;
  readonly doubled: number;
  /** The script's own peak RSS, and the service's meanwhile. */
  readonly peakRssMB: number | undefined;
  readonly servicePeakRssMB: number | undefined;
  /** How long the bench watched: until the script ended and the service had nothing left queued, or the timeout. */
  readonly watchedMs: number;
}

export type BackfillSection =
  | {
      readonly status: 'ok';
      readonly chats: number;
      readonly timeoutMs: number;
      readonly first: BackfillRun;
      /** The same command again with --restart; undefined when the first did not finish (its leftovers would be delivered then). */
      readonly second: BackfillRun | undefined;
      readonly seedMs: number;
    }
  | { readonly status: 'unavailable'; readonly reason: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join(' | ').slice(0, 400);

const summaryNumber = (stdout: string, label: string): number | undefined => {
  const m = new RegExp(`^  ${label}:\\s+(\\d+)`, 'm').exec(stdout);
  return m?.[1] === undefined ? undefined : Number(m[1]);
};

const TSX_CLI = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const SCRIPT = join(ROOT, 'scripts/backfill.ts');

export const runBackfillSection = async (count: number, timeoutMs: number, log: (line: string) => void): Promise<BackfillSection> => {
  try {
    const livechat = await startLiveChatEmulator();
    try {
      const seedStarted = performance.now();
      const from = new Date(`${SINCE}T00:00:00.000Z`);
      const seeded = seedArchive(livechat.state, { count, from, spacingMs: SPACING_MS, agentId: 'agent.smith@example.com' });
      const seedMs = Math.round(performance.now() - seedStarted);
      const until = new Date(from.getTime() + count * SPACING_MS).toISOString().slice(0, 10);
      const emails = new Set(seeded.map((_, i) => `visitor${i}@example.com`));
      const { emulator } = await startHubspot(BATCH_CRM_LATENCY_MS, { rateLimit: BURST_RATE_LIMIT });
      try {
        const url = databaseUrl();
        const env = {
          ...baseEnv(),
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          DATABASE_URL: url,
          OLARK_WEBHOOK_TOKEN: BENCH_TOKEN,
          CRM: 'hubspot',
          HUBSPOT_BASE_URL: emulator.url,
          HUBSPOT_ACCESS_TOKEN: emulator.token,
          ...livechatEnv(livechat),
          LIVECHAT_WEBHOOK_TOKEN: LIVECHAT_TOKEN,
        };
        // The service runs meanwhile, as docs/backfill.md has it: it created the database, and its
        // worker goes on with what the script leaves queued (the script stops waiting for chats whose
        // delivery is waiting for a retry, a rate-limit wait included).
        const service = await startService('chat2crm (beside the backfill)', env);
        try {
          // BENCH_DATABASE_URL is shared with the other sections: only what this section adds counts.
          const jobsNow = async () => {
            const jobs = await queueJobs(service.baseUrl);
            if (jobs === undefined) throw new Error('the service answered no chat2crm_queue_jobs on /metrics');
            return { dead: jobs['dead'] ?? 0, busy: (jobs['pending'] ?? 0) + (jobs['running'] ?? 0) };
          };
          const baseline = await jobsNow();

          const args = ['--source', 'livechat', '--since', SINCE, '--until', until];
          const run = async (extra: readonly string[], label: string): Promise<BackfillRun> => {
            log(
              `  ${label}: npm run backfill -- ${[...args, ...extra].join(' ')} (${count} archived chats; HubSpot ${BATCH_CRM_LATENCY_MS} ms per call, ${BURST_RATE_LIMIT.max} calls / ${BURST_RATE_LIMIT.windowMs / 1000} s)`,
            );
            const before = emulator.requests.length;
            const livechatBefore = livechat.requests.length;
            service.rss.reset();
            const started = performance.now();
            const child: ScriptRun = runChildScript([TSX_CLI, SCRIPT, ...args, ...extra], env, TEMP_ROOT);
            const rss = sampleRss(child.pid);
            let allInCrmMs: number | undefined;
            let exitedMs: number | undefined;
            void child.ended.then(() => (exitedMs = performance.now() - started));
            let lastLog = performance.now();
            const deadline = started + timeoutMs;
            // Done when the script has ended and the service has nothing left to do (all in, or dead).
            while (performance.now() < deadline) {
              const { complete } = hubspotCensus(emulator, emails);
              if (allInCrmMs === undefined && complete === count) allInCrmMs = performance.now() - started;
              if (exitedMs !== undefined && (await jobsNow()).busy - baseline.busy <= 0) break;
              if (performance.now() - lastLog > 30_000) {
                lastLog = performance.now();
                log(
                  `    … ${complete}/${count} in HubSpot after ${Math.round((performance.now() - started) / 1000)} s${exitedMs === undefined ? '' : ' (the script has ended; the service goes on)'}`,
                );
              }
              await sleep(500);
            }
            const watchedMs = performance.now() - started;
            const peakRssMB = rss.peakMB();
            rss.stop();
            let stopped = false;
            if (exitedMs === undefined) {
              stopped = true;
              log(`    the script was still running after ${timeoutMs / 1000} s: stopping it (Ctrl-C, as a user would)`);
              child.signal('SIGINT');
              await Promise.race([child.ended, sleep(15_000)]);
              child.signal('SIGKILL');
              await child.ended;
            }
            const census = hubspotCensus(emulator, emails);
            if (allInCrmMs === undefined && census.complete === count) allInCrmMs = performance.now() - started;
            const jobs = await jobsNow();
            const calls = emulator.requests.slice(before);
            const stdout = child.stdout();
            if (child.exitCode() !== 0)
              log(
                `    exit ${String(child.exitCode())}: ${(child.stderr() || stdout).trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`,
              );
            return {
              allInCrmMs: allInCrmMs === undefined ? undefined : Math.round(allInCrmMs),
              exitedMs: stopped || exitedMs === undefined ? undefined : Math.round(exitedMs),
              watchedMs: Math.round(watchedMs),
              exitCode: child.exitCode(),
              inCrm: census.complete,
              hubspotCalls: calls.length,
              hubspotWrites: calls.filter(isHubspotWrite).length,
              rateLimited429: calls.filter((c) => c.status === 429).length,
              livechatCalls: livechat.requests.length - livechatBefore,
              queued: summaryNumber(stdout, 'queued'),
              known: summaryNumber(stdout, 'already known'),
              delivered: summaryNumber(stdout, 'delivered'),
              dead: summaryNumber(stdout, 'dead'),
              deadSteps: jobs.dead - baseline.dead,
              leftQueued: jobs.busy - baseline.busy,
              doubled: census.doubled,
              peakRssMB,
              servicePeakRssMB: service.rss.peakMB(),
            };
          };
          const first = await run([], 'first run');
          // Only after a finished first run: otherwise the service would still be delivering its leftovers.
          const finished = first.inCrm === count && first.leftQueued <= 0;
          if (!finished) log('  second run: skipped (the first did not finish: its leftovers would still be delivered)');
          const second = finished ? await run(['--restart'], 'second run') : undefined;
          return { status: 'ok', chats: count, timeoutMs, first, second, seedMs };
        } finally {
          await service.stop();
        }
      } finally {
        await emulator.close();
      }
    } finally {
      await livechat.close();
    }
  } catch (e) {
    return { status: 'unavailable', reason: message(e) };
  }
};
