/**
 * Section 9, scale: how the service behaves as its database fills. One database of 1,000,000
 * bulk-loaded conversations (bench/console.ts says what the rows are) beside one of 10,000 made by
 * the same loader, so every figure compares like with like; each is loaded once and everything is
 * measured on it: ingest at 64 connections (the built service, CRM=local, both databases one right
 * after the other), /healthz, the stable-link page and the console list over HTTP, then, with the
 * services stopped, the store's queue stats, the worker's claim with nothing due and with a
 * backlog (every waiting step made due), and the database's size per conversation.
 * SQLite always, PostgreSQL too when BENCH_DATABASE_URL is set.
 *
 * `npm run build && npx tsx bench/scale.ts` runs it alone. Knobs: BENCH_SCALE_ROWS (default
 * 1,000,000), BENCH_SCALE_SAMPLES (per timed figure, default 200), BENCH_SECONDS (ingest run,
 * default 8), BENCH_SCALE_SQLITE=0 (PostgreSQL only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/storage/open';
import { settled } from './settle';
import { ADMIN_PASSWORD, GOAL_P99_MS as CONSOLE_GOAL_P99_MS, measureConsole, renderConsoleRows, type ConsoleRow } from './console';
import { load, type LoadResult } from './ingest';
import { postgresTarget, sqliteTarget, type Target } from './scale-targets';
import { runScript, startService, type Service } from './service';
import { percentile, round1 } from './stats';
import { mark, table } from './table';

export const SCALE_GOALS = {
  ingestRatio: 0.8,
  healthP99Ms: 20,
  queueStatsP99Ms: 20,
  consoleP99Ms: CONSOLE_GOAL_P99_MS,
  peakRssMB: 150,
} as const;
const SMALL = 10_000;
const CONNECTIONS = 64;
/** The worker's default WORKER_CONCURRENCY: what one tick asks for when every slot is free. */
const CLAIM_LIMIT = 4;
const LEASE_MS = 60_000;

export interface Timing {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface DatabaseFigures {
  readonly conversations: number;
  readonly loadSeconds: number;
  readonly bytesPerConversation: number;
  readonly ingest: LoadResult;
  readonly healthz: Timing;
  readonly queueStats: Timing;
  /** GET /r/:source/:id of stored conversations: a redirect to the record, or the steps page. */
  readonly stableLink: Timing & { readonly redirects: number; readonly pages: number };
  readonly claimNothingDue: Timing;
  readonly claimBacklog: Timing & { readonly due: number; readonly limit: number };
  readonly peakRssMB?: number;
  readonly console?: readonly ConsoleRow[];
}

export interface ScaleGoal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

export type ScaleSection =
  | {
      readonly storage: string;
      readonly status: 'ok';
      readonly small: DatabaseFigures;
      readonly large: DatabaseFigures;
      readonly ingestRatio: number;
      readonly goals: readonly ScaleGoal[];
    }
  | { readonly storage: string; readonly status: 'unavailable'; readonly reason: string };

const timing = (times: readonly number[]): Timing => ({
  samples: times.length,
  p50Ms: round1(percentile(times, 50)),
  p99Ms: round1(percentile(times, 99)),
  maxMs: round1(Math.max(...times)),
});

/** `samples` timed calls after `warm` untimed ones; call n gets n. */
const timed = async (samples: number, warm: number, call: (n: number) => Promise<void>): Promise<Timing> => {
  for (let n = 0; n < warm; n++) await call(n);
  const times: number[] = [];
  for (let n = 0; n < samples; n++) {
    const started = performance.now();
    await call(warm + n);
    times.push(performance.now() - started);
  }
  return timing(times);
};

const health = async (service: Service): Promise<void> => {
  const response = await fetch(`${service.baseUrl}/healthz`);
  await response.text();
  if (response.status !== 200) throw new Error(`/healthz answered HTTP ${response.status}`);
};

interface HttpFigures {
  readonly healthz: Timing;
  readonly stableLink: Timing & { readonly redirects: number; readonly pages: number };
  readonly console?: readonly ConsoleRow[];
}

const httpFigures = async (
  service: Service,
  target: Target,
  samples: number,
  withConsole: boolean,
  log: (line: string) => void,
): Promise<HttpFigures> => {
  const healthz = await timed(samples, 10, () => health(service));
  let redirects = 0;
  let pages = 0;
  const { links } = target.sample;
  const stableLink = await timed(samples, 10, async (n) => {
    const link = links[n % links.length];
    if (link === undefined) throw new Error('no conversation sampled for the stable link');
    const response = await fetch(`${service.baseUrl}/r/${link.source}/${encodeURIComponent(link.id)}`, { redirect: 'manual' });
    await response.text();
    if (response.status === 302) redirects++;
    else if (response.status === 200) pages++;
    else throw new Error(`the stable link of ${link.source}:${link.id} answered HTTP ${response.status}`);
  });
  if (!withConsole) return { healthz, stableLink: { ...stableLink, redirects, pages } };
  log(`  ${target.storage}, ${target.conversations.toLocaleString('en')}: the console list`);
  const console = await measureConsole(service.baseUrl, target.sample.emails, await target.deepCursor(), samples);
  return { healthz, stableLink: { ...stableLink, redirects, pages }, console };
};

/** In the bench's own process, on the store the service uses (the services are stopped). */
const storeFigures = async (target: Target, samples: number) => {
  const store = await openStore(target.config);
  try {
    const queueStats = await timed(samples, 10, async () => {
      await store.queueStats();
    });
    const owner = 'bench-claim';
    const claimNothingDue = await timed(Math.ceil(samples / 4), 5, async () => {
      await store.claimDueJobs(owner, new Date(), LEASE_MS, CLAIM_LIMIT);
    });
    const due = await target.makeDue(Date.now());
    // As the worker does: claim, run (here: finish at once, not timed), claim again.
    const claimTimes: number[] = [];
    // A quarter of the samples, and never more claims than leave half the backlog due.
    const claims = Math.max(1, Math.min(Math.ceil(samples / 4), Math.floor(due / (2 * CLAIM_LIMIT))));
    for (let n = 0; n < claims; n++) {
      const started = performance.now();
      const jobs = await store.claimDueJobs(owner, new Date(), LEASE_MS, CLAIM_LIMIT);
      claimTimes.push(performance.now() - started);
      if (jobs.length === 0) throw new Error(`the claim found nothing due among ${due} due steps`);
      for (const job of jobs) await store.finishJob({ jobId: job.id, owner, now: new Date(), result: { kind: 'done' } });
    }
    return { queueStats, claimNothingDue, claimBacklog: { ...timing(claimTimes), due, limit: CLAIM_LIMIT } };
  } finally {
    await store.close();
  }
};

const measureStorage = async (
  storage: string,
  makeTarget: (total: number) => Promise<Target>,
  total: number,
  samples: number,
  seconds: number,
  logLine: (line: string) => void,
): Promise<ScaleSection> => {
  const started = performance.now();
  // Each line says when it came, so a slow step shows in the log of a full run.
  const log = (line: string) => logLine(`${line} (${Math.round((performance.now() - started) / 1000)} s)`);
  log(`  ${storage}: loading ${SMALL.toLocaleString('en')} and ${total.toLocaleString('en')} conversations`);
  const targets: Target[] = [];
  try {
    const small = await makeTarget(SMALL);
    targets.push(small);
    const large = await makeTarget(total);
    targets.push(large);
    log(`  ${storage}: loaded ${total.toLocaleString('en')} in ${large.loadSeconds} s; measuring`);
    const services: Service[] = [];
    try {
      const start = async (target: Target) => {
        const service = await startService(`chat2crm (${storage}, ${target.conversations} conversations)`, {
          CRM: 'local',
          DATABASE_URL: target.databaseUrl,
          ADMIN_PASSWORD,
        });
        services.push(service);
        return service;
      };
      // One service at a time, once it has gone quiet: the other's start-up work on the same two
      // cores showed as stalls of ~30 ms in the p99 of both.
      const smallService = await start(small);
      await settled(smallService.pid);
      const smallHttp = await httpFigures(smallService, small, samples, false, log);
      const largeService = await start(large);
      await settled(largeService.pid);
      const largeHttp = await httpFigures(largeService, large, samples, true, log);
      log(`  ${storage}: ingest at ${CONNECTIONS} connections, ${seconds} s on each database`);
      await load(smallService.webhookUrl, 16, 2);
      await load(largeService.webhookUrl, 16, 2);
      const smallIngest = await load(smallService.webhookUrl, CONNECTIONS, seconds);
      const largeIngest = await load(largeService.webhookUrl, CONNECTIONS, seconds);
      const rss = (service: Service) => {
        const peak = service.rss.peakMB();
        return peak === undefined ? {} : { peakRssMB: peak };
      };
      const smallRss = rss(smallService);
      const largeRss = rss(largeService);
      for (const service of services.splice(0)) await service.stop();
      log(`  ${storage}: queue stats and the worker's claim, in process`);
      const figures = async (
        target: Target,
        http: HttpFigures,
        ingest: LoadResult,
        peak: { peakRssMB?: number },
      ): Promise<DatabaseFigures> => ({
        conversations: target.conversations,
        loadSeconds: target.loadSeconds,
        bytesPerConversation: Math.round(target.bytes / target.conversations),
        ingest,
        ...http,
        ...(await storeFigures(target, samples)),
        ...peak,
      });
      const smallFigures = await figures(small, smallHttp, smallIngest, smallRss);
      const largeFigures = await figures(large, largeHttp, largeIngest, largeRss);
      const ingestRatio = smallIngest.requestsPerSec === 0 ? 0 : largeIngest.requestsPerSec / smallIngest.requestsPerSec;
      return {
        storage,
        status: 'ok',
        small: smallFigures,
        large: largeFigures,
        ingestRatio,
        goals: scaleGoals(smallFigures, largeFigures, ingestRatio),
      };
    } finally {
      for (const service of services) await service.stop();
    }
  } catch (error) {
    return { storage, status: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    for (const target of targets) await target.drop().catch(() => undefined);
  }
};

const scaleGoals = (small: DatabaseFigures, large: DatabaseFigures, ratio: number): ScaleGoal[] => {
  const n = large.conversations.toLocaleString('en');
  const goals: ScaleGoal[] = [
    {
      goal: `ingest at ${n} ≥ ${SCALE_GOALS.ingestRatio * 100} % of the rate at ${small.conversations.toLocaleString('en')}`,
      measured: `${Math.round(ratio * 100)} % (${large.ingest.requestsPerSec} / ${small.ingest.requestsPerSec} req/s)`,
      met: ratio >= SCALE_GOALS.ingestRatio && large.ingest.failures === 0,
    },
    {
      goal: `/healthz p99 ≤ ${SCALE_GOALS.healthP99Ms} ms at ${n}`,
      measured: `${large.healthz.p99Ms} ms`,
      met: large.healthz.p99Ms <= SCALE_GOALS.healthP99Ms,
    },
    {
      goal: `queue stats p99 ≤ ${SCALE_GOALS.queueStatsP99Ms} ms at ${n}`,
      measured: `${large.queueStats.p99Ms} ms`,
      met: large.queueStats.p99Ms <= SCALE_GOALS.queueStatsP99Ms,
    },
  ];
  const worst = (large.console ?? []).reduce<ConsoleRow | undefined>(
    (w, row) => (w === undefined || row.p99Ms > w.p99Ms ? row : w),
    undefined,
  );
  if (worst !== undefined)
    goals.push({
      goal: `console list p99 ≤ ${SCALE_GOALS.consoleP99Ms} ms at ${n}`,
      measured: `worst ${worst.p99Ms} ms (${worst.query})`,
      met: worst.p99Ms <= SCALE_GOALS.consoleP99Ms,
    });
  const peaks = [small.peakRssMB, large.peakRssMB].filter((v): v is number => v !== undefined);
  if (peaks.length > 0)
    goals.push({
      goal: `peak RSS ≤ ${SCALE_GOALS.peakRssMB} MB`,
      measured: `${Math.max(...peaks)} MB`,
      met: Math.max(...peaks) <= SCALE_GOALS.peakRssMB,
    });
  return goals;
};

export const runScale = async (log: (line: string) => void): Promise<ScaleSection[]> => {
  const total = intEnv('BENCH_SCALE_ROWS', 1_000_000, SMALL, 10_000_000);
  const samples = intEnv('BENCH_SCALE_SAMPLES', 200, 10, 10_000);
  const seconds = intEnv('BENCH_SECONDS', 8, 1, 120);
  const sections: ScaleSection[] = [];
  if (process.env['BENCH_SCALE_SQLITE'] !== '0') {
    const dir = mkdtempSync(join(tmpdir(), 'chat2crm-scale-'));
    try {
      sections.push(await measureStorage('SQLite', (n) => sqliteTarget(dir, n), total, samples, seconds, log));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = process.env['BENCH_DATABASE_URL'];
  if (base !== undefined && base !== '')
    sections.push(await measureStorage('PostgreSQL', (n) => postgresTarget(base, n), total, samples, seconds, log));
  return sections;
};

const intEnv = (key: string, fallback: number, min: number, max: number): number => {
  const raw = process.env[key];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${key} must be an integer from ${min} to ${max}`);
  return n;
};

const both = (t: Timing) => `${t.p50Ms} / ${t.p99Ms} ms`;

export const renderScale = (sections: readonly ScaleSection[]): string => {
  const parts: string[] = [];
  for (const s of sections) {
    if (s.status === 'unavailable') {
      parts.push(`9. Scale (${s.storage}): not measured — ${s.reason}`, '');
      continue;
    }
    const { small, large } = s;
    const n = (f: DatabaseFigures) => f.conversations.toLocaleString('en');
    parts.push(
      `9. Scale (${s.storage}) — ${n(large)} stored conversations beside ${n(small)}, bulk-loaded (${n(large)} in ${large.loadSeconds} s); p50 / p99 over ${large.healthz.samples} samples`,
    );
    const flat = (a: Timing, b: Timing) => `× ${round1(b.p99Ms / Math.max(a.p99Ms, 0.1))}`;
    parts.push(
      table(
        ['figure', n(small), n(large), `${n(large)} / ${n(small)}`],
        [
          [
            `ingest at ${CONNECTIONS} connections (CRM=local)`,
            `${small.ingest.requestsPerSec} req/s`,
            `${large.ingest.requestsPerSec} req/s`,
            `${Math.round(s.ingestRatio * 100)} %`,
          ],
          [
            '  its latency p50 / p99',
            `${small.ingest.p50Ms} / ${small.ingest.p99Ms} ms`,
            `${large.ingest.p50Ms} / ${large.ingest.p99Ms} ms`,
            '',
          ],
          ['  failed requests', small.ingest.failures, large.ingest.failures, ''],
          ['GET /healthz', both(small.healthz), both(large.healthz), flat(small.healthz, large.healthz)],
          [
            'queue stats (store.queueStats, in process)',
            both(small.queueStats),
            both(large.queueStats),
            flat(small.queueStats, large.queueStats),
          ],
          [
            `stable-link page (${large.stableLink.redirects} redirects, ${large.stableLink.pages} step pages)`,
            both(small.stableLink),
            both(large.stableLink),
            flat(small.stableLink, large.stableLink),
          ],
          [
            `worker's claim of ${CLAIM_LIMIT}, nothing due (${large.claimNothingDue.samples} claims)`,
            both(small.claimNothingDue),
            both(large.claimNothingDue),
            flat(small.claimNothingDue, large.claimNothingDue),
          ],
          [
            `worker's claim of ${CLAIM_LIMIT}, backlog (${small.claimBacklog.due.toLocaleString('en')} / ${large.claimBacklog.due.toLocaleString('en')} due; ${large.claimBacklog.samples} claims)`,
            both(small.claimBacklog),
            both(large.claimBacklog),
            flat(small.claimBacklog, large.claimBacklog),
          ],
          [
            'database size per conversation',
            `${small.bytesPerConversation.toLocaleString('en')} B`,
            `${large.bytesPerConversation.toLocaleString('en')} B`,
            '',
          ],
          [
            'peak RSS of the service',
            small.peakRssMB === undefined ? 'n/a' : `${small.peakRssMB} MB`,
            large.peakRssMB === undefined ? 'n/a' : `${large.peakRssMB} MB`,
            '',
          ],
        ],
      ),
    );
    parts.push(
      '(the last column compares p99s; the claim backlog is every waiting step made due, claimed and finished as the worker does)',
    );
    if (large.console !== undefined)
      parts.push(
        `Console list at ${n(large)} (HTTP, Basic auth; goal p99 ≤ ${SCALE_GOALS.consoleP99Ms} ms):`,
        ...renderConsoleRows(large.console, '  '),
      );
    parts.push(
      `Goals (${s.storage}, reported, not asserted)`,
      table(
        ['goal', 'measured', ''],
        s.goals.map((g) => [g.goal, g.measured, mark(g.met)]),
      ),
      '',
    );
  }
  return parts.join('\n');
};

if (require.main === module)
  runScript(
    'scale bench',
    async () => {
      const sections = await runScale((line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`${renderScale(sections)}\n${JSON.stringify(sections, null, 2)}\n`);
    },
    { stack: true },
  );
