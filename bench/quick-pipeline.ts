/**
 * `npx tsx bench/quick-pipeline.ts [count] [concurrency]`: the Olark webhook's work without HTTP
 * (decode, intake, the inline local-CRM delivery, the answer) in this process, on a temp SQLite
 * file: CPU µs per transcript, for a quick look at the storage and pipeline costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { isLeft } from 'fp-ts/Either';
import { loadConfig } from '../src/config';
import { createPipeline, pipelineSettingsOf } from '../src/pipeline/pipeline';
import { openSqliteStore } from '../src/storage/sqlite/store';
import { createSources } from '../src/sources/runtime';
import { newConversation, olarkBody } from './payloads';

const main = async () => {
  const count = Number(process.argv[2] ?? '20000');
  const concurrency = Number(process.argv[3] ?? '64');
  const dir = mkdtempSync(join(tmpdir(), 'chat2crm-quick-'));
  const loaded = loadConfig({
    CRM: 'local',
    OLARK_WEBHOOK_TOKEN: 'bench-token-0123456789abcdef',
    DATABASE_URL: `sqlite:${join(dir, 'q.db')}`,
  });
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const { config } = loaded;
  const log = pino({ level: 'warn' });
  const store = openSqliteStore(join(dir, 'q.db'));
  const sources = createSources(config, log);
  const olark = sources.get('olark');
  if (olark === undefined) throw new Error('no olark source');
  const connector = await config.createConnector({ log, publicUrl: config.publicUrl, localRecords: store });
  const pipeline = createPipeline({
    store,
    connector,
    sources,
    ...pipelineSettingsOf(config),
    log,
  });
  const bodies = Array.from({ length: count }, () => Buffer.from(olarkBody(newConversation(), 2)));
  const one = async (body: Buffer) => {
    const events = olark.decode({
      method: 'POST',
      rawBody: body,
      rawQuery: '',
      header: (name) => (name === 'content-type' ? 'application/x-www-form-urlencoded' : undefined),
    });
    if (isLeft(events)) throw new Error(events.left.code);
    const [result] = await pipeline.receive(olark, events.right);
    if (result?.kind !== 'record') throw new Error(`answer ${result?.kind}`);
  };
  for (const body of bodies.splice(0, 2000)) await one(body);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        if (body !== undefined) await one(body);
      }
    }),
  );
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `${bodies.length} transcripts: ${((used.user + used.system) / bodies.length).toFixed(0)} µs CPU each, ${Math.round(bodies.length / (wall / 1000))}/s\n`,
  );
  await store.close();
  rmSync(dir, { recursive: true, force: true });
};

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
