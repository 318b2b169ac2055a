/** Assertions and waits shared by the HTTP, pipeline and reliability tests. */
import assert from 'node:assert/strict';
import * as t from 'io-ts';
import { CHAT_CONVERSATION_ID, type HubspotEmulator } from '../emulators/hubspot';
import { until } from './polling';

/** The `integrationUrl` of a 200 webhook answer (fails the test on anything else). */
export const integrationUrlOf = async (res: Response): Promise<string> => {
  const body: unknown = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.ok(
    typeof body === 'object' && body !== null && 'integrationUrl' in body && typeof body.integrationUrl === 'string',
    JSON.stringify(body),
  );
  return body.integrationUrl;
};

/** Waiting lives in polling.ts; exported here too for the tests that import it with the assertions. */
export { until };

const Health = t.type({ queue: t.type({ pending: t.number, running: t.number, dead: t.number, done: t.number }) });
export type QueueHealth = t.TypeOf<typeof Health>['queue'];

/** The queue as a service's /healthz reports it. */
export const queueOf = async (serviceUrl: string): Promise<QueueHealth> => {
  const body: unknown = await (await fetch(`${serviceUrl}/healthz`)).json();
  assert.ok(Health.is(body), JSON.stringify(body));
  return body.queue;
};

/** Waits until nothing is pending or running; returns the final queue. */
export const drained = async (serviceUrl: string, ms: number): Promise<QueueHealth> => {
  let queue: QueueHealth | undefined;
  await until(
    'the delivery queue to drain',
    async () => {
      queue = await queueOf(serviceUrl);
      return queue.pending === 0 && queue.running === 0;
    },
    ms,
  );
  assert.ok(queue !== undefined);
  return queue;
};

/** Contacts per conversation key (the Olark id, what the connector writes) in the emulated portal. */
export const contactsByConversation = (hubspot: HubspotEmulator): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const contact of hubspot.state.list('contacts')) {
    const id = contact.properties[CHAT_CONVERSATION_ID];
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
};
