/** Shared set-up for the HubSpot connector tests: a connector on the emulator, call depth (conversations: test/support/conversations.ts). */
import { isLeft } from 'fp-ts/Either';
import { HubspotConfigCodec } from '../../../connectors/hubspot';
import { createHubspotConnector } from '../../../connectors/hubspot/connector';
import type { Connector, Env } from '../../../src/domain/connector';
import { silentLog } from '../../../src/domain/log';
import type { Outcome } from '../../../src/domain/outcome';
import type { HubspotEmulator, RecordedRequest } from '../../emulators/hubspot';
import { sleep } from '../../support/polling';

/** The chats: test/support/conversations.ts (re-exported for the tests that import them from here). */
export { conversation, message } from '../../support/conversations';

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
