/**
 * The emulator's side of MAPPING_FILE, as the real SDK sees it on dated paths: unknown and
 * read-only properties refused one entry per property, enumeration options checked, owners
 * found by email, companies created, searched by domain (with search lag) and associated.
 */
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/companies';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/contacts';
import { datedPaths } from '../../../connectors/hubspot/api-version';
import { asHttpError } from '../../../connectors/hubspot/mappers';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';

const PropertyErrors = (e: unknown): { name: string; error: string }[] => {
  const http = asHttpError(e);
  const body = http?.body;
  const message = typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : '';
  const json = /^Property values were not valid: (.*)$/s.exec(message)?.[1] ?? '[]';
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed)
    ? parsed.map((p: unknown) =>
        typeof p === 'object' && p !== null && 'name' in p && 'error' in p
          ? { name: String(p.name), error: String(p.error) }
          : { name: '?', error: '?' },
      )
    : [];
};

describe('HubSpot emulator: properties, owners and companies', () => {
  let hs: HubspotEmulator;
  let sdk: Client;
  beforeEach(async () => {
    hs = await startHubspotEmulator({ searchLagMs: 150 });
    sdk = new Client({ accessToken: hs.token, basePath: hs.url, numberOfApiCallRetries: 0, middleware: [datedPaths(hs.url, '2026-09')] });
  });
  afterEach(() => hs.close());

  it('refuses unknown, read-only and bad enumeration values with one 400 entry per property', async () => {
    const refused: unknown = await sdk.crm.contacts.basicApi
      .create({
        properties: {
          email: 'x@acme.io',
          favourite_colour: 'blue',
          hs_analytics_source: 'x',
          hs_lead_status: 'HOT',
          hubspot_owner_id: '1',
        },
        associations: [],
      })
      .then(
        () => assert.fail('expected a 400'),
        (e: unknown) => e,
      );
    assert.equal(asHttpError(refused)?.status, 400);
    assert.deepEqual(PropertyErrors(refused), [
      { name: 'favourite_colour', error: 'PROPERTY_DOESNT_EXIST' },
      { name: 'hs_analytics_source', error: 'PROPERTY_DOESNT_EXIST' },
      { name: 'hs_lead_status', error: 'INVALID_OPTION' },
      { name: 'hubspot_owner_id', error: 'INVALID_OWNER_ID' },
    ]);
    const ticket: unknown = await sdk.crm.tickets.basicApi
      .create({ properties: { subject: 's', hs_pipeline: '0', hs_pipeline_stage: '1', hs_ticket_priority: 'SOON' }, associations: [] })
      .then(
        () => assert.fail('expected a 400'),
        (e: unknown) => e,
      );
    assert.deepEqual(PropertyErrors(ticket), [{ name: 'hs_ticket_priority', error: 'INVALID_OPTION' }]);
    assert.equal(hs.state.list('contacts').length + hs.state.list('tickets').length, 0);
  });

  it('says which properties are read-only in modificationMetadata', async () => {
    const [source, jobtitle] = await Promise.all([
      sdk.crm.properties.coreApi.getByName('contacts', 'hs_analytics_source'),
      sdk.crm.properties.coreApi.getByName('contacts', 'jobtitle'),
    ]);
    assert.equal(source.modificationMetadata?.readOnlyValue, true);
    assert.equal(jobtitle.modificationMetadata?.readOnlyValue, false);
  });

  it('finds owners by email on the dated owners path', async () => {
    const page = await sdk.crm.owners.ownersApi.getPage('GRACE@example.com', undefined, 100, false);
    assert.deepEqual(
      page.results.map((o) => o.id),
      ['70001'],
    );
    assert.deepEqual((await sdk.crm.owners.ownersApi.getPage('nobody@example.com')).results, []);
    assert.deepEqual([...new Set(hs.requests.map((r) => r.path))], ['/crm/owners/2026-09']);
  });

  it('creates companies, finds them by domain once search catches up, and associates contacts and tickets', async () => {
    const company = await sdk.crm.companies.basicApi.create({ properties: { name: 'Acme', domain: 'Acme.io' }, associations: [] });
    const search = () =>
      sdk.crm.companies.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'domain', operator: FilterOperatorEnum.Eq, value: 'acme.io' }] }],
        limit: 10,
      });
    assert.equal((await search()).total, 0, 'search lags writes');
    await new Promise((r) => setTimeout(r, 160));
    assert.deepEqual(
      (await search()).results.map((r) => r.id),
      [company.id],
    );
    const contact = await sdk.crm.contacts.basicApi.create({
      properties: { email: 'c@acme.io' },
      associations: [
        {
          to: { id: company.id },
          types: [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: 279 }],
        },
      ],
    });
    assert.deepEqual(
      hs.state.associations('companies', company.id, 'contacts').map((a) => a.id),
      [contact.id],
    );
    const ticket = await sdk.crm.tickets.basicApi.create({
      properties: { subject: 's', hs_pipeline: '0', hs_pipeline_stage: '1' },
      associations: [],
    });
    await sdk.crm.associations.v4.basicApi.createDefault('tickets', ticket.id, 'companies', company.id);
    assert.deepEqual(
      hs.state.associations('tickets', ticket.id, 'companies').map((a) => a.id),
      [company.id],
    );
  });

  it('asks for the companies and owners scopes', async () => {
    await hs.close();
    hs = await startHubspotEmulator({ scopes: ['crm.objects.contacts.read'] });
    sdk = new Client({ accessToken: hs.token, basePath: hs.url, numberOfApiCallRetries: 0, middleware: [datedPaths(hs.url, '2026-09')] });
    const owners: unknown = await sdk.crm.owners.ownersApi.getPage('grace@example.com').then(
      () => assert.fail('expected 403'),
      (e: unknown) => e,
    );
    const companies: unknown = await sdk.crm.companies.basicApi.create({ properties: { name: 'x' }, associations: [] }).then(
      () => assert.fail('expected 403'),
      (e: unknown) => e,
    );
    assert.equal(asHttpError(owners)?.status, 403);
    assert.match(JSON.stringify(asHttpError(owners)?.body), /crm\.objects\.owners\.read/);
    assert.match(JSON.stringify(asHttpError(companies)?.body), /crm\.objects\.companies\.write/);
  });
});
