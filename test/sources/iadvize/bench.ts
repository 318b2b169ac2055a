/**
 * `npx tsx test/sources/iadvize/bench.ts`: what reading closed conversations costs against the
 * emulator adding 100 ms to every call (calls per conversation, logins, our overhead beyond the
 * emulator's latency), and the plugin's answer time (p50/p99) with in-process services whose
 * person lookup takes 20 ms. The end-to-end figure (webhook → CRM record) needs the service's
 * pipeline; see test/sources/iadvize/e2e.test.ts.
 */
import { performance } from 'node:perf_hooks';
import { succeed } from '../../../src/domain/outcome';
import type { SourceServices } from '../../../src/domain/source';
import { thinConversation } from '../../../src/sources/iadvize/events';
import { makeConversation, startIAdvizeEmulator } from '../../emulators/iadvize';
import { SECRET, requestOf, sourceFor } from './support';

const LATENCY_MS = 100;
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

const main = async (): Promise<void> => {
  const sizes = [10, 45, 150, 250];
  const conversations = sizes.flatMap((n) => Array.from({ length: 5 }, () => makeConversation({ messages: n })));
  const emulator = await startIAdvizeEmulator({ conversations, latencyMs: LATENCY_MS, pageSize: 100 });
  const source = sourceFor({ IADVIZE_API_URL: emulator.url, IADVIZE_USERNAME: emulator.username, IADVIZE_PASSWORD: emulator.password, IADVIZE_WEBHOOK_SECRET: SECRET }, { callTimeoutMs: 5000 });
  const client = source.client;
  if (client?.fetchConversation === undefined) throw new Error('no client');
  const lines: string[] = [];
  // Warm-up: the login, graphql-js building the schema, JIT.
  const warm = makeConversation({ messages: 10 });
  emulator.seed(warm);
  await client.fetchConversation({ id: warm.id, conversation: thinConversation(warm.id, undefined), meta: {} });
  for (const size of sizes) {
    const batch = conversations.filter((c) => c.messages.length === size);
    const times: number[] = [];
    const before = emulator.requests.length;
    for (const c of batch) {
      const started = performance.now();
      const outcome = await client.fetchConversation({ id: c.id, conversation: thinConversation(c.id, undefined), meta: {} });
      if (!outcome.ok) throw new Error(outcome.failure.message);
      times.push(performance.now() - started);
    }
    const served = emulator.requests.slice(before);
    const calls = served.length / batch.length;
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const inEmulator = served.reduce((sum, r) => sum + (r.endedAt - r.startedAt), 0) / batch.length;
    lines.push(
      `${String(size).padStart(4)} messages: ${calls.toFixed(1)} sequential calls/conversation, ${mean.toFixed(0)} ms mean, ` +
        `${(mean - calls * LATENCY_MS).toFixed(1)} ms beyond the added latency, of which ${(mean - inEmulator).toFixed(1)} ms outside the emulator (ours: HTTP client, decoding, mapping)`,
    );
  }
  lines.push(`logins for ${conversations.length} conversations: ${emulator.logins}`);
  await emulator.close();

  const services: SourceServices = {
    findPerson: () => new Promise((resolve) => setTimeout(() => resolve(succeed(undefined)), 20)),
    recordLink: () => Promise.resolve(undefined),
    recordLinkForVisitor: () => Promise.resolve(undefined),
    receive: (events) => Promise.resolve(events.map(() => ({ kind: 'pending' as const, url: 'x' }))),
    stableLink: (id) => id,
  };
  const route = sourceFor({ IADVIZE_WEBHOOK_SECRET: SECRET }).routes?.find((r) => r.method === 'GET' && r.path === '/customer-info');
  if (route === undefined) throw new Error('no plugin route');
  const times: number[] = [];
  for (let i = 0; i < 500; i++) {
    const query = new URLSearchParams({ emailVisitor: `v${i}@example.com`, idVisitorUnique: `v-${i}`, idWebsite: 'ha-1' }).toString();
    const request = requestOf({ method: 'GET', query });
    const started = performance.now();
    const answer = await route.handle(request, services);
    if ('code' in answer) throw new Error(answer.code);
    times.push(performance.now() - started);
  }
  lines.push(`plugin GET (lookup 20 ms): p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms over ${times.length}`);
  process.stdout.write(lines.join('\n') + '\n');
};

void main();
