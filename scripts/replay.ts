/**
 * npm run replay -- <job id | conversation id> [...]   replays those dead jobs
 * npm run replay -- --all                               replays every dead job
 * npm run replay -- --list                              lists dead jobs and why they died
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { replayDeadJobs } from '../src/pipeline/replay';
import { openStore } from '../src/storage/open';

const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help')) {
    process.stdout.write('usage: npm run replay -- <job id | conversation id> [...] | --all | --list\n');
    return args.length === 0 ? 2 : 0;
  }
  const file = existsSync('.env') ? parseDotenv(readFileSync('.env')) : {};
  const loaded = loadConfig({ ...file, ...process.env });
  if (!loaded.ok) {
    process.stderr.write(`configuration problems:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    return 1;
  }
  const config = loaded.config;
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore(config.database);
  try {
    if (args.includes('--list')) {
      const dead = await store.listJobs('dead', 1000);
      if (dead.length === 0) process.stdout.write('No dead jobs.\n');
      for (const job of dead) process.stdout.write(`${job.id}  ${job.conversationKey}  ${job.attempts} attempt(s)  ${job.lastError ?? ''}\n`);
      return 0;
    }
    const connector = await config.createConnector({ log, publicUrl: config.publicUrl, localRecords: store });
    const lines = await replayDeadJobs(
      {
        store,
        connector,
        rules: config.routing,
        retryScheduleMs: config.retryScheduleMs,
        callTimeoutMs: config.crmTimeoutMs,
        leaseMs: config.jobLeaseMs,
        log,
        now: () => new Date(),
      },
      args.includes('--all') ? { all: true } : { ids: args.filter((a) => !a.startsWith('--')) },
    );
    for (const line of lines) process.stdout.write(`${line.outcome.padEnd(10)} ${line.jobId}  ${line.conversationKey ?? ''}  ${line.detail}\n`);
    const count = (o: string) => lines.filter((l) => l.outcome === o).length;
    process.stdout.write(`\n${lines.length} job(s): ${count('delivered')} delivered, ${count('retrying')} queued for retry, ${count('dead')} dead again, ${lines.length - count('delivered') - count('retrying') - count('dead')} skipped\n`);
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
