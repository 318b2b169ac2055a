/**
 * npm run backfill -- --source livechat --since 2026-01-01 [--until 2026-03-31] [--dry-run] [--restart] [--no-wait]
 *
 * Takes a platform's past (archived) chats in as their webhooks would have been (docs/backfill.md):
 * lists them page by page, queues each through the webhook's intake (a chat already taken in, by
 * webhook or an earlier run, is recognised and skipped), then delivers them with a worker of its
 * own and waits for them (unless --no-wait: the service's worker does it). Ctrl-C stops after the
 * page in hand; running the same command again goes on from there.
 */
import pino from 'pino';
import type { ConversationKey } from '../src/domain/conversation-key';
import { backfillRefusal, runBackfill, type BackfillEnd, type ConversationEvent } from '../src/pipeline/backfill';
import type { BackfillState } from '../src/pipeline/backfill-state';
import { waitForDelivery, type DeliveryCounts } from '../src/pipeline/backfill-wait';
import { createPipeline, intakeInputOf, pipelineSettingsOf, type Pipeline } from '../src/pipeline/pipeline';
import { createSources } from '../src/sources/runtime';
import { openStore } from '../src/storage/open';
import { loadServiceConfig } from './service-config';

const USAGE = `usage: npm run backfill -- --source <platform> --since <date> [--until <date>] [--dry-run] [--restart] [--no-wait]
  --since, --until   YYYY-MM-DD (UTC; --until takes the whole day) or an ISO 8601 time
  --dry-run          list and count only; write nothing
  --restart          list the range again from its start although a run finished it
  --no-wait          queue only; the running service delivers
`;

interface Args {
  readonly source: string;
  readonly since: Date;
  readonly until?: Date;
  readonly dryRun: boolean;
  readonly restart: boolean;
  readonly wait: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const dateOf = (text: string, endOfDay: boolean): Date | undefined => {
  const at = DAY.test(text)
    ? Date.parse(`${text}T00:00:00.000Z`) + (endOfDay ? 86_400_000 - 1 : 0)
    : /^\d{4}-\d{2}-\d{2}T/.test(text)
      ? Date.parse(text)
      : NaN;
  return Number.isFinite(at) ? new Date(at) : undefined;
};

const parseArgs = (argv: readonly string[]): Args | string => {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.split('=', 2);
    if (name === '--source' || name === '--since' || name === '--until') {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('--')) return `${name} needs a value`;
      values.set(name, value);
    } else if (arg === '--dry-run' || arg === '--restart' || arg === '--no-wait') flags.add(arg);
    else return `unknown argument ${arg.slice(0, 40)}`;
  }
  const source = values.get('--source');
  const sinceText = values.get('--since');
  if (source === undefined) return '--source is required';
  if (sinceText === undefined) return '--since is required';
  const since = dateOf(sinceText, false);
  if (since === undefined) return `--since ${sinceText.slice(0, 40)} is not a date (YYYY-MM-DD or an ISO 8601 time)`;
  const untilText = values.get('--until');
  const until = untilText === undefined ? undefined : dateOf(untilText, true);
  if (untilText !== undefined && until === undefined)
    return `--until ${untilText.slice(0, 40)} is not a date (YYYY-MM-DD or an ISO 8601 time)`;
  if (until !== undefined && until.getTime() < since.getTime()) return '--until is before --since';
  return {
    source,
    since,
    ...(until === undefined ? {} : { until }),
    dryRun: flags.has('--dry-run'),
    restart: flags.has('--restart'),
    wait: !flags.has('--no-wait'),
  };
};

/** A bar redrawn in place on a terminal; a plain line per update otherwise (logs, CI, pipes). */
const progressWriter = () => {
  const tty = process.stdout.isTTY;
  let drawn = false;
  return {
    update(label: string, done: number, total: number | undefined, detail: string) {
      if (!tty) {
        process.stdout.write(`${label}: ${detail}\n`);
        return;
      }
      const width = 30;
      const ratio = total === undefined || total === 0 ? 0 : Math.min(1, done / total);
      const bar = total === undefined ? '' : `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] `;
      process.stdout.write(`\r\x1b[2K${label} ${bar}${detail}`);
      drawn = true;
    },
    end() {
      if (tty && drawn) process.stdout.write('\n');
      drawn = false;
    },
  };
};

const listingDetail = (s: BackfillState): string =>
  `${s.listed}${s.found === undefined ? '' : ` of about ${s.found}`} listed, ${s.queued} queued, ${s.known} already known${s.skipped === 0 ? '' : `, ${s.skipped} still going on`}`;

const deliveryDetail = (c: DeliveryCounts): string =>
  `${c.delivered} delivered, ${c.dead} dead${c.failing === 0 ? '' : `, ${c.failing} failing (retried later)`}${c.expired === 0 ? '' : `, ${c.expired} expired`}, ${c.pending} to go`;

const headline = (end: Exclude<BackfillEnd, { kind: 'already-done' }>, dryRun: boolean): string => {
  switch (end.kind) {
    case 'done':
      return dryRun ? 'Dry run finished: nothing was written.' : 'Backfill finished.';
    case 'stopped':
      return 'Backfill stopped: run the same command again to go on from here.';
    case 'failed':
      return `Backfill failed: ${end.failure.code}: ${end.failure.message}. Run the same command again to go on from the last page taken in.`;
  }
};

const main = async (): Promise<number> => {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`backfill: ${args}\n${USAGE}`);
    return 2;
  }
  const loaded = loadServiceConfig('backfill');
  if (!loaded.ok) return loaded.exitCode;
  const config = loaded.config;
  const configured = config.sources.find((s) => s.definition.name === args.source);
  if (configured === undefined) {
    process.stderr.write(
      `backfill: no platform ${args.source.slice(0, 40)}; the platforms are ${config.sources.map((s) => s.definition.name).join(', ')}\n`,
    );
    return 2;
  }
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const sources = createSources(config, log);
  const source = sources.get(args.source);
  const refusal = source === undefined ? 'it is not configured' : backfillRefusal(configured.definition.title, source);
  const listArchived = source?.client?.listArchived?.bind(source.client);
  if (refusal !== undefined || listArchived === undefined) {
    process.stderr.write(`backfill: ${args.source} cannot be backfilled: ${refusal ?? ''}\n`);
    return 2;
  }

  let stop = false;
  const wakers = new Set<() => void>();
  const interrupt = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nbackfill: stopping after the page in hand (Ctrl-C again to quit at once; what is queued stays queued)\n');
    for (const wake of wakers) wake();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stop) return resolve();
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });

  const store = await openStore(config.database, log);
  const connector = args.dryRun ? undefined : await config.createConnector({ log, publicUrl: config.publicUrl, localRecords: store });
  let pipeline: Pipeline | undefined;
  if (connector !== undefined && args.wait) {
    pipeline = createPipeline({
      store,
      connector,
      sources,
      ...pipelineSettingsOf(config),
      // The script watches its own queue: it looks for due steps more often than the service.
      workerPollMs: Math.min(config.workerPollMs, 200),
      log,
    });
    pipeline.startWorker();
  }
  const progress = progressWriter();
  const queued = new Set<ConversationKey>();
  try {
    const range = { source: args.source, since: args.since, ...(args.until === undefined ? {} : { until: args.until }) };
    process.stdout.write(
      `${args.dryRun ? 'Dry run: listing' : 'Backfilling'} ${configured.definition.title} chats from ${args.since.toISOString()} to ${args.until?.toISOString() ?? 'now'}\n`,
    );
    const end: BackfillEnd = await runBackfill(
      {
        list: listArchived,
        intake: async (events: readonly ConversationEvent[]) => {
          const now = new Date();
          // All at once: SQLite commits intakes asked for in the same turn in one transaction.
          const results = await Promise.all(events.map((e) => store.intake(intakeInputOf(e, now))));
          for (const r of results) if (!r.duplicate) queued.add(r.stored.key);
          const fresh = results.filter((r) => !r.duplicate).length;
          return { queued: fresh, known: results.length - fresh };
        },
        getSetting: (key) => store.getSetting(key),
        setSetting: (key, value) => store.setSetting(key, value),
        stopRequested: () => stop,
        sleep: pause,
        now: () => new Date(),
        onProgress: (state) => progress.update('listing', state.listed, state.found, listingDetail(state)),
        onWait: (failure, ms) => {
          progress.end();
          process.stdout.write(
            ms === 0
              ? `${failure.code}: the saved page is no longer accepted; listing the range again from its start (chats already taken in are recognised)\n`
              : `${failure.code}: waiting ${Math.ceil(ms / 1000)} s (${failure.message})\n`,
          );
        },
      },
      range,
      { dryRun: args.dryRun, restart: args.restart },
    );
    progress.end();
    const s = end.state;
    if (end.kind === 'already-done') {
      process.stdout.write(
        `This range was backfilled at ${s.finishedAt ?? s.updatedAt}: nothing to do (${listingDetail(s)}). --restart lists it again.\n`,
      );
      return 0;
    }
    let delivery: DeliveryCounts | undefined;
    if (!args.dryRun && args.wait && queued.size > 0 && !stop) {
      delivery = await waitForDelivery(
        {
          store,
          sleep: pause,
          stopRequested: () => stop,
          onProgress: (c) => progress.update('delivering', c.delivered + c.dead + c.failing + c.expired, queued.size, deliveryDetail(c)),
        },
        queued,
      );
      progress.end();
    }
    const lines = [
      '',
      headline(end, args.dryRun),
      `  found:          ${s.found ?? s.listed}${s.found === undefined ? '' : ' (the platform’s estimate)'}`,
      `  listed:         ${s.listed}${s.skipped === 0 ? '' : ` (${s.skipped} still going on: left for their webhook)`}`,
      ...(args.dryRun
        ? [`  would queue:    ${s.listed - s.skipped} (those already taken in are recognised then and skipped)`]
        : [
            `  queued:         ${s.queued}${queued.size === s.queued ? '' : ` (${queued.size} this run)`}`,
            `  already known:  ${s.known}`,
            ...(delivery === undefined
              ? [`  delivered/dead: left to the service's worker${args.wait ? '' : ' (--no-wait)'}`]
              : [
                  `  delivered:      ${delivery.delivered}`,
                  `  dead:           ${delivery.dead}${delivery.dead === 0 ? '' : ' (npm run replay -- --list)'}`,
                  ...(delivery.failing + delivery.pending + delivery.expired === 0
                    ? []
                    : [
                        `  not yet:        ${delivery.failing} failing and ${delivery.pending} pending (the service's worker goes on with them)${delivery.expired === 0 ? '' : `, ${delivery.expired} expired`}`,
                      ]),
                ]),
          ]),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return end.kind === 'failed' || (delivery?.dead ?? 0) > 0 ? 1 : 0;
  } finally {
    progress.end();
    await pipeline?.stop(5_000);
    await connector?.close?.();
    await store.close();
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`backfill failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
