/**
 * The rate limiter counts calls, not transcripts: a batch of 100 is admitted for its few calls,
 * as one delivery is for its own, and a batch the window has no room for is not started (it
 * fails as CRM_RATE_LIMITED with when to come back, before any call).
 */
import assert from 'node:assert/strict';
import type { Connector, UpsertInput } from '../../../src/domain/connector';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { apiCalls } from '../../emulators/hubspot/batch';
import { conversation, connectorFor, message } from './helpers';

const lead = (n: number, batch: string): UpsertInput => ({
  action: 'lead',
  conversation: conversation({
    id: `conv-${batch}-${n}`,
    visitor: { name: `Visitor ${n}`, email: `${batch}${n}@example.com` },
    messages: [message(0, 'visitor', `Question ${n}`)],
  }),
});

const batchCall = (connector: Connector) => (inputs: readonly UpsertInput[]) =>
  connector.upsertBatch?.(inputs) ?? Promise.reject(new Error('no upsertBatch'));

describe('HubSpot connector: batches and the rate limit', function () {
  this.timeout(20_000);
  let hs: HubspotEmulator;
  beforeEach(async () => {
    // Six calls per 10 s: room for one batch of new leads (3 calls) and the account read.
    hs = await startHubspotEmulator({ rateLimit: { max: 6, windowMs: 10_000 } });
  });
  afterEach(() => hs.close());

  it('admits 100 leads within a window of 6 calls, then holds the next batch back without sending it', async () => {
    const deliver = batchCall(connectorFor(hs));
    const first = await deliver(Array.from({ length: 100 }, (_, n) => lead(n, 'a')));
    assert.ok(first.every((o) => o.ok));
    assert.equal(apiCalls(hs.requests), 3);
    const sent = hs.requests.length;

    const second = await deliver(Array.from({ length: 100 }, (_, n) => lead(n, 'b')));
    for (const o of second) {
      assert.ok(!o.ok);
      assert.equal(o.failure.kind, 'transient');
      assert.equal(o.failure.code, 'CRM_RATE_LIMITED');
      assert.ok((o.failure.retryAfterMs ?? 0) > 5_000, `come back when the window has room, not at once (${o.failure.retryAfterMs})`);
    }
    assert.equal(hs.requests.length, sent, 'nothing was sent');
    assert.ok(
      hs.requests.every((r) => r.status !== 429),
      'the emulator never had to refuse a call',
    );
    assert.equal(hs.state.list('contacts').length, 100);
  });

  it('the emulator answers 429 with HubSpot’s rate-limit headers once its window is spent', async () => {
    const ask = () =>
      fetch(`${hs.url}/crm/objects/2026-09/contacts/batch/read`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hs.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ id: '1' }] }),
      });
    for (let n = 0; n < 6; n++) assert.equal((await ask()).status, 207);
    const refused = await ask();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-hubspot-ratelimit-max'), '6');
    assert.equal(refused.headers.get('x-hubspot-ratelimit-remaining'), '0');
    assert.equal(refused.headers.get('x-hubspot-ratelimit-interval-milliseconds'), '10000');
  });
});
