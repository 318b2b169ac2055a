import assert from 'node:assert/strict';
import { isLeft } from 'fp-ts/Either';
import { hubspotConnector } from '../../../connectors/hubspot';
import { describeErrors } from '../../../src/domain/codecs';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { conversation } from '../../support/conversations';
import { connectorFor, untilDone, value } from './helpers';
import { freePort } from '../../support/net';

const failureOf = <T>(
  outcome: { ok: true; value: T } | { ok: false; failure: { kind: string; code: string; message: string; retryAfterMs?: number } },
) => {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome.failure;
};

describe('HubSpot connector: failures', () => {
  let hs: HubspotEmulator;
  beforeEach(async () => {
    hs = await startHubspotEmulator();
  });
  afterEach(() => hs.close());

  it("waits out the portal's own rolling window when HubSpot sends no Retry-After", async () => {
    await hs.close();
    hs = await startHubspotEmulator({ rateLimit: { max: 3, windowMs: 300 } });
    hs.faults.inject({ status: 429, match: /^POST \/crm\/objects\/2026-09\/contacts$/ });
    const { outcome, attempts } = await untilDone(() => connectorFor(hs).upsert({ action: 'lead', conversation: conversation() }));

    const first = attempts[0];
    assert.ok(first !== undefined && !first.ok && first.failure.kind === 'transient');
    assert.equal(first.failure.code, 'CRM_RATE_LIMITED');
    assert.equal(first.failure.retryAfterMs, 300, 'X-HubSpot-RateLimit-Interval-Milliseconds');
    assert.ok(outcome.ok);
    assert.deepEqual([hs.state.list('contacts').length, hs.state.list('notes').length], [1, 1]);
  });

  it('treats a SECONDLY 429 as a one-second wait', async () => {
    hs.faults.inject({ status: 429, policy: 'SECONDLY' });
    const failure = failureOf(await connectorFor(hs).findPerson('ada@example.com'));
    assert.deepEqual([failure.kind, failure.code, failure.retryAfterMs], ['transient', 'CRM_RATE_LIMITED', 1000]);
  });

  it('reports a dropped connection and a slow answer as transient', async () => {
    // A lookup is two calls at once (the account and the contact): each fault hits both, so a
    // call still on its way from the first lookup cannot take the second lookup's fault.
    hs.faults.inject({ network: true, times: 2 });
    assert.equal(failureOf(await connectorFor(hs).findPerson('a@example.com')).code, 'CRM_UNAVAILABLE');

    hs.faults.inject({ latencyMs: 400, times: 2 });
    const slow = failureOf(await connectorFor(hs, { HUBSPOT_TIMEOUT_MS: '100' }).findPerson('a@example.com'));
    assert.deepEqual([slow.kind, slow.code], ['transient', 'CRM_TIMEOUT']);
  });

  it('reports a HubSpot that refuses connections as transient, naming the socket error', async () => {
    const closed = await freePort();
    const failure = failureOf(await connectorFor(hs, { HUBSPOT_BASE_URL: `http://127.0.0.1:${closed}` }).findPerson('a@example.com'));
    assert.deepEqual([failure.kind, failure.code], ['transient', 'CRM_UNAVAILABLE']);
    assert.match(failure.message, /ECONNREFUSED/);
  });

  it('reports a failed TLS handshake as transient (HTTPS to a port that speaks plain HTTP)', async () => {
    const failure = failureOf(await connectorFor(hs, { HUBSPOT_BASE_URL: hs.url.replace('http:', 'https:') }).findPerson('a@example.com'));
    assert.deepEqual([failure.kind, failure.code], ['transient', 'CRM_UNAVAILABLE']);
  });

  it('resolves "Contact already exists. Existing ID" to that contact, even one HubSpot matched by another address', async () => {
    const existing = hs.state.create('contacts', { email: 'ada.lovelace@example.com', firstname: 'Augusta' });
    hs.faults.inject({
      status: 409,
      match: /^POST \/crm\/objects\/2026-09\/contacts$/,
      body: { status: 'error', message: `Contact already exists. Existing ID: ${existing.id}`, category: 'CONFLICT', correlationId: 'y' },
    });

    const record = value(await connectorFor(hs).upsert({ action: 'lead', conversation: conversation() }));

    assert.equal(record.id, existing.id);
    assert.equal(hs.state.list('contacts').length, 1);
    assert.equal(existing.properties.firstname, 'Augusta');
    assert.equal(existing.properties.email, 'ada.lovelace@example.com');
    assert.equal(existing.properties.lastname, 'Lovelace', 'blank fields are still filled');
    assert.deepEqual(hs.state.associations('contacts', existing.id, 'notes').length, 1);
  });

  it('finds the holder of a taken chat_conversation_id by reading it when the refusal names no id', async () => {
    const connector = connectorFor(hs);
    const anonymous = conversation({ id: 'anon-9', visitor: { name: 'Visitor 9' } });
    const first = value(await connector.upsert({ action: 'lead', conversation: anonymous }));
    // The answer to a duplicate custom unique value is undocumented: a bare 409 here.
    hs.faults.inject({
      status: 409,
      match: /^POST \/crm\/objects\/2026-09\/contacts$/,
      body: { status: 'error', message: 'Conflict', category: 'CONFLICT', correlationId: 'z' },
    });
    hs.requests.length = 0;

    const again = value(await connector.upsert({ action: 'lead', conversation: anonymous }));

    assert.deepEqual(again.refs, first.refs);
    assert.ok(
      hs.requests.some(
        (r) =>
          r.method === 'GET' && r.path === '/crm/objects/2026-09/contacts/anon-9' && r.query.idProperty?.[0] === 'chat_conversation_id',
      ),
    );
    assert.deepEqual([hs.state.list('contacts').length, hs.state.list('notes').length], [1, 1]);
  });

  it('reports a taken unique value that no read can find as the refusal it is', async () => {
    hs.faults.inject({
      status: 409,
      match: /^POST \/crm\/objects\/2026-09\/contacts$/,
      body: { status: 'error', message: 'Conflict', category: 'CONFLICT', correlationId: 'w' },
    });
    const failure = failureOf(await connectorFor(hs).upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([failure.kind, failure.code], ['permanent', 'CRM_REJECTED']);
    assert.equal(hs.state.list('notes').length, 0);
  });

  it('names the missing scope on 403', async () => {
    await hs.close();
    hs = await startHubspotEmulator({ scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
    const failure = failureOf(
      await connectorFor(hs, { HUBSPOT_TICKET_PIPELINE: '0', HUBSPOT_TICKET_STAGE: '1' }).upsert({
        action: 'case',
        conversation: conversation(),
      }),
    );
    assert.deepEqual([failure.kind, failure.code], ['permanent', 'CRM_FORBIDDEN']);
    assert.match(failure.message, /grant tickets\b/);
  });

  it('names the property HubSpot rejected on 400', async () => {
    await hs.close();
    // Without the schema scopes the connector cannot create the property itself (self-setup.test.ts).
    hs = await startHubspotEmulator({
      customProperties: false,
      scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'tickets'],
    });
    const failure = failureOf(
      await connectorFor(hs).upsert({ action: 'lead', conversation: conversation({ visitor: { name: 'No Email' } }) }),
    );
    assert.deepEqual([failure.kind, failure.code], ['permanent', 'CRM_VALIDATION']);
    assert.match(failure.message, /"chat_conversation_id" \(PROPERTY_DOESNT_EXIST/);
    assert.match(failure.message, /npm run setup/);
  });

  it('names a ticket stage HubSpot does not have', async () => {
    const failure = failureOf(
      await connectorFor(hs, { HUBSPOT_TICKET_PIPELINE: '0', HUBSPOT_TICKET_STAGE: '77' }).upsert({
        action: 'case',
        conversation: conversation(),
      }),
    );
    assert.equal(failure.kind, 'permanent');
    assert.match(failure.message, /"hs_pipeline_stage" \(INVALID_OPTION/);
    assert.equal(hs.state.list('tickets').length, 0);
  });

  it('rejects a configuration without an access token, saying what to set', () => {
    const configured = hubspotConnector.configure({ CRM: 'hubspot' });
    assert.ok(isLeft(configured));
    assert.match(describeErrors(configured.left).join('\n'), /HUBSPOT_ACCESS_TOKEN: must be set when CRM=hubspot/);
  });
});
