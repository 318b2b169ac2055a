/**
 * `npx tsx test/sources/iadvize/bench-service.ts`: closed webhook → CRM record through the real
 * service (edge, stored steps, local CRM) with the iAdvize emulator adding 100 ms to every call,
 * one conversation at a time: time to the record, iAdvize calls per conversation, and what is
 * left once the emulator's latency is taken out (our overhead, including the worker's pick-up).
 * Then the plugin's answer time over HTTP (p50/p99), for a known visitor and an unknown email.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../../src/config';
import { start } from '../../../src/main';
import { sourceDefinitions } from '../../../src/sources';
import { iadvizeSource } from '../../../src/sources/iadvize';
import { removeDir, serviceEnv, tempDir } from '../../support/service';
import { callPlugin, makeConversation, sendWebhook, startIAdvizeEmulator } from '../../emulators/iadvize';
import { SECRET } from './support';

const LATENCY_MS = 100;
const TOKEN = 'iadvize-bench-token';
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const main = async (): Promise<void> => {
  const emulator = await startIAdvizeEmulator({ latencyMs: LATENCY_MS, pageSize: 100 });
  const dir = tempDir('chat2crm-iadvize-bench-');
  const env = await serviceEnv(
    { IADVIZE_API_URL: emulator.url, IADVIZE_USERNAME: emulator.username, IADVIZE_PASSWORD: emulator.password, IADVIZE_WEBHOOK_SECRET: SECRET, IADVIZE_WEBHOOK_TOKEN: TOKEN },
    dir,
  );
  const loaded = loadConfig(env, [...sourceDefinitions.filter((d) => d.name !== iadvizeSource.name), iadvizeSource]);
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const running = await start(loaded.config, { announce: () => undefined });
  const base = `http://127.0.0.1:${running.port}/webhooks/iadvize/${TOKEN}`;
  const lines: string[] = [];
  try {
    for (const size of [0, 45, 150, 250]) {
      const rounds = size === 0 ? 1 : 10;
      const times: number[] = [];
      const before = emulator.requests.length;
      const acks: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const c = makeConversation({ messages: Math.max(size, 1), email: `bench-${size}-${i}@example.com` });
        emulator.seed(c);
        const started = performance.now();
        const body = { eventId: `bench-${c.id}`, eventType: 'v2.conversation.closed', conversationId: c.id, visitorId: c.visitor?.visitorId, channel: 'CHAT' };
        const sent = await sendWebhook(base, body, { secret: SECRET });
        acks.push(performance.now() - started);
        if (sent.status !== 200) throw new Error(sent.text);
        while ((await running.store.findLocalRecordByEmail(`bench-${size}-${i}@example.com`)) === undefined) await sleep(2);
        times.push(performance.now() - started);
      }
      const served = emulator.requests.slice(before);
      const calls = served.length / rounds;
      const mean = times.reduce((a, b) => a + b, 0) / rounds;
      lines.push(
        size === 0
          ? `first conversation (login + 1 page): ${calls.toFixed(1)} calls, ${mean.toFixed(0)} ms to the record`
          : `${String(size).padStart(4)} messages: ${calls.toFixed(1)} sequential iAdvize calls (login ${served.filter((r) => r.path === '/oauth2/token').length}), ` +
              `${mean.toFixed(0)} ms to the record, ${(mean - calls * LATENCY_MS).toFixed(1)} ms ours; webhook answered in ${percentile(acks, 50).toFixed(1)} ms (p50)`,
      );
    }
    lines.push(`logins in total: ${emulator.logins}`);
    for (const [label, query] of [
      ['known email (local CRM lookup hit)', (i: number) => ({ emailVisitor: `bench-45-${i % 10}@example.com`, idVisitorUnique: 'x' })],
      ['unknown email (local CRM lookup miss)', (i: number) => ({ emailVisitor: `nobody-${i}@example.com`, idVisitorUnique: `nobody-${i}` })],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        const started = performance.now();
        const res = await callPlugin(`${base}/customer-info`, query(i), { secret: SECRET });
        if (res.status !== 200) throw new Error(res.text);
        times.push(performance.now() - started);
      }
      lines.push(`plugin GET, ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms over ${times.length}`);
    }
  } finally {
    await running.shutdown();
    await emulator.close();
    removeDir(dir);
  }
  process.stdout.write(lines.join('\n') + '\n');
};

void main();
