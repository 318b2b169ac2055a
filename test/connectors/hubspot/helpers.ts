/** Shared set-up for the HubSpot connector tests: conversations, a connector on the emulator, call depth. */
import { isLeft } from 'fp-ts/Either';
import { HubspotConfigCodec } from '../../../connectors/hubspot';
import { createHubspotConnector } from '../../../connectors/hubspot/connector';
import type { Connector, Env } from '../../../src/domain/connector';
import type { Conversation, Message, Visitor } from '../../../src/domain/conversation';
import { silentLog } from '../../../src/domain/log';
import type { Outcome } from '../../../src/domain/outcome';
import type { HubspotEmulator, RecordedRequest } from '../../emulators/hubspot';

const T0 = Date.UTC(2026, 10, 22, 15, 0, 0);

export const message = (
  i: number,
  role: Message['role'] = i % 2 === 0 ? 'visitor' : 'operator',
  body = `message number ${i}`,
): Message => ({
  role,
  author: role === 'visitor' ? 'Ada Lovelace' : 'Grace (support)',
  body,
  at: new Date(T0 + i * 60_000),
});

export const conversation = (overrides: { id?: string; visitor?: Visitor; messages?: readonly Message[] } = {}): Conversation => ({
  source: 'olark',
  id: overrides.id ?? 'conv-1',
  visitor: overrides.visitor ?? {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+44 20 7946 0000',
    company: 'Analytical Engines',
    city: 'London',
    country: 'United Kingdom',
  },
  messages: overrides.messages ?? [message(0, 'visitor', 'Hello, I would like a quote for 20 seats'), message(1), message(2)],
  tags: [],
  groups: [],
  operators: [{ id: 'op1', name: 'Grace' }],
  offline: false,
});

/** The connector as start-up builds it: its configuration decoded from environment keys. */
export const connectorFor = (emulator: HubspotEmulator, env: Env = {}): Connector => {
  const configured = HubspotConfigCodec.decode({ HUBSPOT_ACCESS_TOKEN: emulator.token, HUBSPOT_BASE_URL: emulator.url, ...env });
  if (isLeft(configured)) throw new Error('test configuration rejected');
  return createHubspotConnector(configured.right, { log: silentLog, publicUrl: 'http://localhost:3000' });
};

export const value = <T>(outcome: Outcome<T>): T => {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.failure.kind} ${outcome.failure.code}: ${outcome.failure.message}`);
  return outcome.value;
};

/**
 * The longest chain of requests where each starts after the one before it has been answered:
 * the number of sequential round trips, whatever ran in parallel.
 */
export const sequentialDepth = (requests: readonly RecordedRequest[]): number => {
  const depth: number[] = [];
  requests.forEach((r, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) {
      const earlier = requests[j];
      if (earlier !== undefined && earlier.endedAt <= r.startedAt) before = Math.max(before, depth[j] ?? 0);
    }
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
};

export const signatures = (requests: readonly RecordedRequest[]): string[] => requests.map((r) => `${r.method} ${r.path}`);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the delivery worker does: try again after a transient failure, waiting as asked. */
export const untilDone = async <T>(
  attemptOnce: () => Promise<Outcome<T>>,
  maxAttempts = 5,
): Promise<{ outcome: Outcome<T>; attempts: Outcome<T>[] }> => {
  const attempts: Outcome<T>[] = [];
  for (;;) {
    const outcome = await attemptOnce();
    attempts.push(outcome);
    if (outcome.ok || outcome.failure.kind === 'permanent' || attempts.length >= maxAttempts) return { outcome, attempts };
    await sleep(outcome.failure.retryAfterMs ?? 10);
  }
};
