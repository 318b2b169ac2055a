/**
 * `npx tsx test/sources/livesupporti/bench.ts`: chat started → link pushed to the agent, through
 * the real service (edge, stored steps), one chat at a time, with every outside call slowed by
 * 100 ms: the LiveSupporti emulator always, and the CRM too when it is the HubSpot emulator. It
 * prints the webhook's answer time, the time until LiveSupporti has the link, the sequential calls
 * per chat (goal: the CRM lookup, at most one create, one push), and what is left once the
 * emulators' latency is taken out (our overhead, the worker's pick-up included).
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../../src/config';
import type { Env } from '../../../src/domain/connector';
import { start } from '../../../src/main';
import { removeDir, serviceEnv, tempDir } from '../../support/service';
import { DEFAULT_EMULATOR_TOKEN, startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { chatStarted, createLiveSupportiSender, startLiveSupportiEmulator } from '../../emulators/livesupporti';
import { SECRET } from './request';

const LATENCY_MS = 100;
const ROUNDS = 10;
const TOKEN = 'livesupporti-bench-token-0123456789';
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const run = async (crm: 'local' | 'hubspot'): Promise<string[]> => {
  const livesupporti = await startLiveSupportiEmulator({ latencyMs: LATENCY_MS });
  const hubspot: HubspotEmulator | undefined = crm === 'hubspot' ? await startHubspotEmulator({ latencyMs: LATENCY_MS, rateLimit: { max: 10_000, windowMs: 10_000 }, searchRateLimit: { max: 10_000, windowMs: 1000 } }) : undefined;
  const dir = tempDir('chat2crm-livesupporti-bench-');
  const crmEnv: Env = hubspot === undefined ? {} : { CRM: 'hubspot', HUBSPOT_BASE_URL: hubspot.url, HUBSPOT_ACCESS_TOKEN: DEFAULT_EMULATOR_TOKEN, HUBSPOT_PORTAL_ID: String(hubspot.portalId) };
  const env = await serviceEnv(
    {
      LIVESUPPORTI_WEBHOOK_TOKEN: TOKEN,
      LIVESUPPORTI_WEBHOOK_SECRET: SECRET,
      LIVESUPPORTI_API_URL: livesupporti.url,
      LIVESUPPORTI_API_USER: livesupporti.user,
      LIVESUPPORTI_API_KEY: livesupporti.apiKey,
      WORKER_POLL_MS: '1000',
      ...crmEnv,
    },
    dir,
  );
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const running = await start(loaded.config, { announce: () => undefined });
  const sender = createLiveSupportiSender({ callbackUrl: `http://127.0.0.1:${running.port}/webhooks/livesupporti/${TOKEN}`, secret: SECRET, retryDelaysMs: [] });
  const lines: string[] = [];
  try {
    for (const known of [false, true]) {
      const acks: number[] = [];
      const pushed: number[] = [];
      const crmCalls: number[] = [];
      const lsCalls: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const visitorId = `${known ? 'k' : 'n'}-${i}-${Date.now()}`;
        // The second round reuses the first round's emails from other browsers: the CRM knows them.
        const email = `bench-${i}@example.com`;
        const crmBefore = hubspot?.requests.length ?? 0;
        const lsBefore = livesupporti.requests.length;
        const started = performance.now();
        const delivery = await sender.send([chatStarted({ id: visitorId, email })]);
        acks.push(performance.now() - started);
        if (!delivery.delivered) throw new Error(`webhook answered ${delivery.attempts[0]?.status ?? '?'}: ${delivery.attempts[0]?.body ?? ''}`);
        while (!livesupporti.requests.some((r) => r.path === `/api/visitors/${visitorId}/details` && r.status === 200)) await sleep(1);
        pushed.push(performance.now() - started);
        await sleep(20);
        crmCalls.push((hubspot?.requests.length ?? 0) - crmBefore);
        lsCalls.push(livesupporti.requests.length - lsBefore);
      }
      const calls = mean(crmCalls) + mean(lsCalls);
      lines.push(
        `${crm.padEnd(7)} ${known ? 'known visitor  ' : 'unknown visitor'}: webhook answered in ${percentile(acks, 50).toFixed(1)} ms (p50); ` +
          `link at LiveSupporti after ${mean(pushed).toFixed(0)} ms (p50 ${percentile(pushed, 50).toFixed(0)}); ` +
          `${calls.toFixed(1)} sequential calls (CRM ${mean(crmCalls).toFixed(1)}, LiveSupporti ${mean(lsCalls).toFixed(1)}); ours ${(mean(pushed) - calls * LATENCY_MS).toFixed(1)} ms`,
      );
    }
  } finally {
    await running.shutdown();
    await livesupporti.close();
    await hubspot?.close();
    removeDir(dir);
  }
  return lines;
};

void (async () => {
  const lines = [...(await run('local')), ...(await run('hubspot'))];
  process.stdout.write(`${lines.join('\n')}\n`);
})();
