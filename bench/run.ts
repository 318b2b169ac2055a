/**
 * `npm run bench`: builds chat2crm once, starts it as users run it (a child process on
 * `node dist/src/main.js`, SQLite unless BENCH_DATABASE_URL is set) and measures
 *   1. ingest against a bare Koa app, 2. agent latency with slow CRMs,
 *   3. a burst under HubSpot's rate limit, 4. peak memory, and the platforms fetched or notified
 *   afterwards against their emulators: 5. LiveChat, 6. LiveSupporti, 7. iAdvize; 8. big transcripts
 *   and idle memory; 9. scale: 1,000,000 stored conversations beside 10,000 (bench/scale.ts).
 * Prints tables and writes bench/results/latest.json. Nothing leaves 127.0.0.1.
 *
 * Knobs (for a quicker look, not for published figures): BENCH_SECONDS (ingest run length, default 8),
 * BENCH_SAMPLES (agent-latency samples per kind, default 20), BENCH_BURST (default 300),
 * BENCH_PLATFORM_SAMPLES (LiveChat transcripts, LiveSupporti chats and iAdvize conversations per row, default 10),
 * BENCH_SKIP_BUILD=1 (use the dist/ already built), BENCH_SKIP_SCALE=1 (skip section 9, which says so; its
 * own knobs are in bench/scale.ts).
 *
 * `npm run bench -- --quick` (under 2 minutes): the headline rows only, each beside its baseline of the same
 * run: 1. ingest against bare Koa (2 s per run), 2. agent overhead at 100 ms per call against the bare relay
 * (10 samples), 3. a burst of 60 under HubSpot's rate limit, and 4. peak memory of those. Sections 5 to 9
 * say they were skipped. The knobs above still override its settings; the results go to
 * bench/results/quick.json, so a quick look never replaces the full run's latest.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAgentLatency, CRM_LATENCY_MS, type AgentSection } from './agent-latency';
import { runBurst, type BurstSection } from './burst';
import { runBigSection } from './big';
import { runIAdvizeSection } from './iadvize';
import { runIngest, type IngestRow } from './ingest';
import { runLiveChatSection } from './livechat';
import { runLiveSupportiSection } from './livesupporti';
import { goals, machine, render, type Results } from './report';
import { renderScale, runScale, type ScaleSection } from './scale';
import { MAIN_JS, ROOT, runScript, startBareKoa, startService, storageLabel } from './service';

const intEnv = (key: string, fallback: number, min: number, max: number): number => {
  const raw = process.env[key];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${key} must be an integer from ${min} to ${max}`);
  return n;
};

const log = (line: string) => process.stderr.write(`${line}\n`);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const BURST_TIMEOUT_MS = 150_000;
const IADVIZE_SIZES = [45, 150, 250] as const;
const PLUGIN_CALLS = 300;
const BIG_SAMPLES = 5;

const build = () => {
  if (process.env['BENCH_SKIP_BUILD'] === '1' && existsSync(MAIN_JS)) return;
  log('building (npm run build) …');
  try {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (e) {
    // tsc still emits on type errors; a missing main.js is what stops us.
    if (!existsSync(MAIN_JS)) throw new Error(`build failed and ${MAIN_JS} is missing: ${message(e)}`, { cause: e });
    log('warning: the build reported errors; measuring the JavaScript it emitted');
  }
};

const ingestSection = async (
  seconds: number,
): Promise<{ ingest: IngestRow[] | { status: 'unavailable'; reason: string }; rss?: number }> => {
  log('1. ingest (local CRM) and 4. peak memory');
  const service = await startService('chat2crm (CRM=local)', { CRM: 'local' });
  try {
    const bare = await startBareKoa();
    try {
      const ingest = await runIngest({ ours: service.webhookUrl, bare: `${bare.baseUrl}/webhooks/olark/bare` }, seconds, log);
      const rss = service.rss.peakMB();
      return rss === undefined ? { ingest } : { ingest, rss };
    } finally {
      await bare.stop();
    }
  } finally {
    await service.stop();
  }
};

const skipped = { status: 'unavailable', reason: 'skipped (--quick)' } as const;

const main = async () => {
  const started = performance.now();
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length > 0)
    throw new Error(`unknown argument ${unknown.join(' ')}: the bench takes only --quick (knobs are BENCH_* variables)`);
  const quick = args.includes('--quick');
  const seconds = intEnv('BENCH_SECONDS', quick ? 2 : 8, 1, 120);
  const samples = intEnv('BENCH_SAMPLES', quick ? 10 : 20, 1, 1000);
  const burstCount = intEnv('BENCH_BURST', quick ? 60 : 300, 1, 5000);
  const platformSamples = intEnv('BENCH_PLATFORM_SAMPLES', 10, 1, 1000);
  build();

  const first = await ingestSection(seconds).catch((e: unknown) => ({
    ingest: { status: 'unavailable' as const, reason: message(e) },
    rss: undefined,
  }));

  log('2. agent latency (CRM emulators, 100 ms and 0 ms per call)');
  const agentLatency: AgentSection[] = [];
  // At 0 ms the emulators add nothing: what is left is our own work and the SDK's.
  for (const latencyMs of quick ? [CRM_LATENCY_MS] : [CRM_LATENCY_MS, 0])
    for (const crm of ['hubspot', 'salesforce'] as const) agentLatency.push(await runAgentLatency(crm, samples, log, latencyMs));

  log('3. burst under a CRM rate limit');
  const burst: BurstSection = await runBurst(burstCount, BURST_TIMEOUT_MS, log).catch((e: unknown) => ({
    status: 'unavailable' as const,
    reason: message(e),
  }));

  log(quick ? '5. LiveChat: skipped (--quick)' : '5. LiveChat (emulator, 100 ms per call)');
  const livechat = quick ? skipped : await runLiveChatSection(seconds, platformSamples * 2, CRM_LATENCY_MS, log);
  log(quick ? '6. LiveSupporti: skipped (--quick)' : '6. LiveSupporti (emulators, 100 ms per call)');
  const livesupporti = quick ? skipped : await runLiveSupportiSection(platformSamples, CRM_LATENCY_MS, log);
  log(quick ? '7. iAdvize: skipped (--quick)' : '7. iAdvize (emulator, 100 ms per call)');
  const iadvize = quick ? skipped : await runIAdvizeSection(IADVIZE_SIZES, platformSamples, PLUGIN_CALLS, CRM_LATENCY_MS, log);

  log(quick ? '8. big transcripts: skipped (--quick)' : '8. big transcripts and idle memory');
  const big = quick ? skipped : await runBigSection(BIG_SAMPLES, log);

  // The scale section loads 1,000,000 conversations (about 2.5 minutes per database).
  const skipScale = quick || process.env['BENCH_SKIP_SCALE'] === '1';
  const skipReason = quick ? '--quick' : 'BENCH_SKIP_SCALE=1';
  log(skipScale ? `9. scale: skipped (${skipReason})` : '9. scale: 1,000,000 stored conversations beside 10,000');
  const scale: ScaleSection[] = skipScale
    ? []
    : await runScale(log).catch((e: unknown) => [{ storage: storageLabel(), status: 'unavailable' as const, reason: message(e) }]);

  const agentRss = agentLatency.flatMap((s) => (s.status === 'ok' && s.peakRssMB !== undefined ? [s.peakRssMB] : []));
  const burstRss = burst.status === 'ok' ? burst.peakRssMB : undefined;
  const platformRss = {
    livechat: livechat.status === 'ok' ? livechat.peakRssMB : undefined,
    livesupporti: livesupporti.status === 'ok' ? livesupporti.peakRssMB : undefined,
    iadvize: iadvize.status === 'ok' ? iadvize.peakRssMB : undefined,
    big: big.status === 'ok' ? big.peakRssMB : undefined,
  };
  const all = [first.rss, ...agentRss, burstRss, ...Object.values(platformRss)].filter((v): v is number => v !== undefined);
  const peakRssMB = {
    ...(first.rss === undefined ? {} : { ingest: first.rss }),
    ...(agentRss.length === 0 ? {} : { agentLatency: Math.max(...agentRss) }),
    ...(burstRss === undefined ? {} : { burst: burstRss }),
    ...Object.fromEntries(Object.entries(platformRss).filter((e): e is [string, number] => e[1] !== undefined)),
    ...(all.length === 0 ? {} : { max: Math.max(...all) }),
  };
  const partial = {
    machine: machine(storageLabel()),
    settings: {
      ingestSeconds: seconds,
      agentSamples: samples,
      burstTranscripts: burstCount,
      crmLatencyMs: CRM_LATENCY_MS,
      platformSamples,
      pluginCalls: PLUGIN_CALLS,
    },
    ingest: first.ingest,
    agentLatency,
    burst,
    livechat,
    livesupporti,
    iadvize,
    big,
    peakRssMB,
  };
  const results: Results = { ...partial, goals: goals(partial), runSeconds: Math.round((performance.now() - started) / 1000) };

  process.stdout.write(`\n${render(results)}\n`);
  process.stdout.write(`\n${skipScale ? `9. Scale: skipped (${skipReason})` : renderScale(scale)}\n`);
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = quick ? 'quick.json' : 'latest.json';
  writeFileSync(join(dir, file), `${JSON.stringify({ ...results, quick, scale: skipScale ? 'skipped' : scale }, null, 2)}\n`);
  log(`written to bench/results/${file}`);
};

runScript('bench', main, { stack: true });
