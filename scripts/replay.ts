/**
 * npm run replay -- <job id | conversation id> [...]   replays those dead steps
 * npm run replay -- --all                               replays every dead step
 * npm run replay -- --list                              lists dead steps and why they died
 */
import pino from 'pino';
import { createPipeline, pipelineSettingsOf } from '../src/pipeline/pipeline';
import { createSources } from '../src/sources/runtime';
import { openStore } from '../src/storage/open';
import { loadServiceConfig } from './service-config';

const USAGE = 'usage: npm run replay -- <job id | conversation id> [...] | --all | --list\n';

const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help')) {
    (args.length === 0 ? process.stderr : process.stdout).write(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const loaded = loadServiceConfig('replay');
  if (!loaded.ok) return loaded.exitCode;
  const config = loaded.config;
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore(config.database);
  try {
    if (args.includes('--list')) {
      const dead = await store.listJobs('dead', 1000);
      if (dead.length === 0) process.stdout.write('No dead steps.\n');
      for (const job of dead)
        process.stdout.write(
          `${job.id}  ${job.kind.padEnd(7)}  ${job.conversationKey}  ${job.attempts} attempt(s)  ${job.lastError ?? ''}\n`,
        );
      return 0;
    }
    const connector = await config.createConnector({ log, publicUrl: config.publicUrl, localRecords: store });
    // The service's own pipeline (its worker not started): the same replay as the console's.
    const pipeline = createPipeline({ store, connector, sources: createSources(config, log), ...pipelineSettingsOf(config), log });
    const lines = await pipeline.replay(args.includes('--all') ? { all: true } : { ids: args.filter((a) => !a.startsWith('--')) });
    for (const line of lines)
      process.stdout.write(
        `${line.outcome.padEnd(10)} ${line.jobId}  ${(line.step ?? '').padEnd(7)}  ${line.conversationKey ?? ''}  ${line.detail}\n`,
      );
    const count = (o: string) => lines.filter((l) => l.outcome === o).length;
    process.stdout.write(
      `\n${lines.length} step(s): ${count('delivered')} done, ${count('retrying')} queued for retry, ${count('dead')} dead again, ${lines.length - count('delivered') - count('retrying') - count('dead')} skipped\n`,
    );
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
