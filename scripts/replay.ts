/**
 * npm run replay -- <job id | conversation id> [...]   replays those dead jobs
 * npm run replay -- --all                               replays every dead job
 * npm run replay -- --list                              lists dead jobs and why they died
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import pino from 'pino';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { replayDeadJobs } from '../src/pipeline/replay';
import { stepTimeoutFor } from '../src/pipeline/steps';
import { createSources } from '../src/sources/runtime';
import { openStore } from '../src/storage/open';

const USAGE = 'usage: npm run replay -- <job id | conversation id> [...] | --all | --list\n';

/** The database for a person to recognise: the SQLite file, or PostgreSQL's user, host and database (never the password). */
const describeDatabase = (database: DatabaseConfig): string => {
  if (database.kind === 'sqlite') return `SQLite file ${resolve(database.path)}`;
  try {
    const url = new URL(database.url);
    return `PostgreSQL ${url.username === '' ? '' : `${decodeURIComponent(url.username)}@`}${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL is not a URL)';
  }
};

const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help')) {
    (args.length === 0 ? process.stderr : process.stdout).write(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  // As the service reads it (src/main.ts): `.env` in the working directory fills in what the
  // environment leaves unset. `npm run` starts both in the project's directory.
  const envFile = resolve('.env');
  const file = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  const loaded = loadConfig({ ...file, ...process.env });
  if (!loaded.ok) {
    process.stderr.write(`configuration problems:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    return 1;
  }
  const config = loaded.config;
  const from =
    process.env.DATABASE_URL !== undefined ? 'DATABASE_URL from the environment' : file.DATABASE_URL !== undefined ? `DATABASE_URL from ${envFile}` : `the default: no DATABASE_URL in the environment or in ${envFile}`;
  process.stderr.write(`replay: using the ${describeDatabase(config.database)} (${from})\n`);
  // Opening a missing SQLite file would create an empty database and report "No dead steps".
  if (config.database.kind === 'sqlite' && !existsSync(resolve(config.database.path))) {
    process.stderr.write(
      `replay: there is no database at ${resolve(config.database.path)}. Run replay with the service's DATABASE_URL (in the environment, or in .env in the directory you run it from).\n`,
    );
    return 1;
  }
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore(config.database);
  try {
    if (args.includes('--list')) {
      const dead = await store.listJobs('dead', 1000);
      if (dead.length === 0) process.stdout.write('No dead steps.\n');
      for (const job of dead) process.stdout.write(`${job.id}  ${job.kind.padEnd(7)}  ${job.conversationKey}  ${job.attempts} attempt(s)  ${job.lastError ?? ''}\n`);
      return 0;
    }
    const connector = await config.createConnector({ log, publicUrl: config.publicUrl, localRecords: store });
    const lines = await replayDeadJobs(
      {
        store,
        connector,
        sources: createSources(config, log),
        rules: config.routing,
        retryScheduleMs: config.retryScheduleMs,
        callTimeoutMs: config.crmTimeoutMs,
        stepTimeoutMs: stepTimeoutFor(config.jobLeaseMs),
        leaseMs: config.jobLeaseMs,
        log,
        now: () => new Date(),
      },
      args.includes('--all') ? { all: true } : { ids: args.filter((a) => !a.startsWith('--')) },
    );
    for (const line of lines) process.stdout.write(`${line.outcome.padEnd(10)} ${line.jobId}  ${(line.step ?? '').padEnd(7)}  ${line.conversationKey ?? ''}  ${line.detail}\n`);
    const count = (o: string) => lines.filter((l) => l.outcome === o).length;
    process.stdout.write(`\n${lines.length} step(s): ${count('delivered')} done, ${count('retrying')} queued for retry, ${count('dead')} dead again, ${lines.length - count('delivered') - count('retrying') - count('dead')} skipped\n`);
    await connector.close?.();
    return count('dead') > 0 || count('not found') > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
