import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts';
import { datedPaths } from '../../../connectors/hubspot/api-version';
import { existingIdOf, fromHubspotError } from '../../../connectors/hubspot/mappers';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';

/** The emulator as the real SDK sees it, sent to the dated paths as the connector sends it. Same client options as the connector: the SDK's decorators are process-global. */
describe('HubSpot emulator', () => {
  let hs: HubspotEmulator;
  let sdk: Client;
  beforeEach(async () => {
    hs = await startHubspotEmulator({ searchLagMs: 150 });
    sdk = new Client({ accessToken: hs.token, basePath: hs.url, numberOfApiCallRetries: 0, middleware: [datedPaths(hs.url, '2026-09')] });
  });
  afterEach(() => hs.close());

  const searchByEmail = (email: string) =>
    sdk.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.Eq, value: email }] }],
      properties: ['email'],
      limit: 1,
    });

  it('reproduces search lag → create → 409 "Existing ID", which the connector resolves', async () => {
    const created = await sdk.crm.contacts.basicApi.create({ properties: { email: 'lag@example.com' }, associations: [] });

    assert.equal((await searchByEmail('lag@example.com')).total, 0, 'search has not caught up yet');
    const conflict: unknown = await sdk.crm.contacts.basicApi.create({ properties: { email: 'LAG@example.com' }, associations: [] }).then(
      () => assert.fail('expected a 409'),
      (e: unknown) => e,
    );
    assert.equal(existingIdOf(conflict), created.id);
    assert.equal(fromHubspotError(conflict, 'create contact')?.kind, 'permanent', 'a bare 409 elsewhere is not retried');

    await new Promise((r) => setTimeout(r, 160));
    assert.equal((await searchByEmail('lag@example.com')).results[0]?.id, created.id);
  });

  it('answers with the exact success codes and JSON content type the SDK insists on', async () => {
    const note = await sdk.crm.objects.notes.basicApi.create({
      properties: { hs_timestamp: new Date().toISOString(), hs_note_body: 'x' },
      associations: [],
    });
    await sdk.crm.objects.notes.basicApi.archive(note.id);
    const [create, archive] = hs.requests;
    assert.deepEqual([create?.status, archive?.status], [201, 204]);
    const raw = await fetch(`${hs.url}/crm/objects/2026-09/contacts/1`, { headers: { authorization: `Bearer ${hs.token}` } });
    assert.equal(raw.headers.get('content-type'), 'application/json;charset=utf-8');
    assert.equal(raw.status, 404);
  });

  it('keeps associations symmetric and idempotent, and omits empty association lists', async () => {
    const contact = await sdk.crm.contacts.basicApi.create({ properties: { email: 'a@example.com' }, associations: [] });
    const ticket = await sdk.crm.tickets.basicApi.create({
      properties: { subject: 's', hs_pipeline: '0', hs_pipeline_stage: '1' },
      associations: [],
    });
    await sdk.crm.associations.v4.basicApi.createDefault('tickets', ticket.id, 'contacts', contact.id);
    await sdk.crm.associations.v4.basicApi.createDefault('tickets', ticket.id, 'contacts', contact.id);

    const fromContact = await sdk.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'tickets');
    assert.deepEqual(
      fromContact.results.map((r) => [r.toObjectId, r.associationTypes.map((t) => t.typeId)]),
      [[Number(ticket.id), [15]]],
    );
    const read = await sdk.crm.contacts.basicApi.getById(contact.id, ['email'], undefined, ['notes', 'tickets']);
    assert.deepEqual(Object.keys(read.associations ?? {}), ['tickets']);
  });

  it('rate-limits with the TEN_SECONDLY_ROLLING body and headers', async () => {
    await hs.close();
    hs = await startHubspotEmulator({ rateLimit: { max: 2, windowMs: 10_000 } });
    sdk = new Client({ accessToken: hs.token, basePath: hs.url, numberOfApiCallRetries: 0, middleware: [datedPaths(hs.url, '2026-09')] });
    await sdk.crm.contacts.basicApi.getPage(1);
    await sdk.crm.contacts.basicApi.getPage(1);
    const limited: unknown = await sdk.crm.contacts.basicApi.getPage(1).then(
      () => assert.fail('expected a 429'),
      (e: unknown) => e,
    );
    const failure = fromHubspotError(limited, 'list');
    assert.deepEqual(
      [failure?.kind, failure?.code, failure?.kind === 'transient' ? failure.retryAfterMs : 0],
      ['transient', 'CRM_RATE_LIMITED', 10_000],
    );
    assert.equal(hs.requests[2]?.status, 429);
  });

  it('rejects a wrong token with 401 INVALID_AUTHENTICATION', async () => {
    const res = await fetch(`${hs.url}/crm/objects/2026-09/contacts`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /"category":"INVALID_AUTHENTICATION"/);
  });
});
