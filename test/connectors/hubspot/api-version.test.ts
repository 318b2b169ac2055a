/**
 * HubSpot's date-versioned APIs: the version is configured once (HUBSPOT_API_VERSION), every
 * call goes to its dated path, and the emulator refuses every legacy path, so a call still made
 * on `/crm/v3/…`, `/crm/v4/…` or `/account-info/v3/…` fails the test that makes it.
 */
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { isLeft } from 'fp-ts/Either';
import { HubspotConfigCodec } from '../../../connectors/hubspot/config';
import { datedPath, datedPaths, datedUrl, LegacyPathRefused } from '../../../connectors/hubspot/api-version';
import { describeErrors } from '../../../src/domain/codecs';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { conversation, message } from '../../support/conversations';
import { connectorFor, value } from './helpers';

const configOf = (env: Record<string, string>) => HubspotConfigCodec.decode({ HUBSPOT_ACCESS_TOKEN: 'pat-na1-x', ...env });
const refusal = (env: Record<string, string>): string => {
  const decoded = configOf(env);
  assert.ok(isLeft(decoded), `accepted ${JSON.stringify(env)}`);
  return describeErrors(decoded.left).join('; ');
};

describe('HubSpot API version', () => {
  describe('HUBSPOT_API_VERSION', () => {
    it('defaults to 2026-09 and accepts 2026-03', () => {
      const byDefault = configOf({});
      const march = configOf({ HUBSPOT_API_VERSION: ' 2026-03 ' });
      assert.ok(!isLeft(byDefault) && !isLeft(march));
      assert.equal(byDefault.right.apiVersion, '2026-09');
      assert.equal(march.right.apiVersion, '2026-03');
    });

    it('refuses anything else at start, listing the accepted values', () => {
      for (const bad of ['v3', '2025-09', '2026-9', 'latest'])
        assert.equal(
          refusal({ HUBSPOT_API_VERSION: bad }),
          "HUBSPOT_API_VERSION: must be one of 2026-09 (the default), 2026-03: HubSpot's date-versioned APIs (v1–v4 are being retired)",
        );
    });
  });

  describe('HUBSPOT_UI_DOMAIN', () => {
    const originOf = (value: string) => {
      const decoded = configOf({ HUBSPOT_UI_DOMAIN: value });
      assert.ok(!isLeft(decoded), value);
      return decoded.right.uiOrigin;
    };

    it('takes a host (https), a pasted HubSpot URL, or an origin with scheme and port such as the emulator', () => {
      assert.equal(originOf('app-eu1.hubspot.com'), 'https://app-eu1.hubspot.com');
      assert.equal(originOf('https://app.hubspot.com/contacts/123/'), 'https://app.hubspot.com');
      assert.equal(originOf('http://localhost:4010'), 'http://localhost:4010');
      assert.equal(originOf('http://127.0.0.1:4010/'), 'http://127.0.0.1:4010');
    });

    it("refuses other schemes, credentials, and plain http for HubSpot's own hosts", () => {
      assert.match(
        refusal({ HUBSPOT_UI_DOMAIN: 'ftp://app.hubspot.com' }),
        /HUBSPOT_UI_DOMAIN: must be a host name such as app\.hubspot\.com .* or an origin such as http:\/\/localhost:4010/,
      );
      assert.match(refusal({ HUBSPOT_UI_DOMAIN: 'http://app.hubspot.com' }), /must use https:\/\//);
      assert.match(refusal({ HUBSPOT_UI_DOMAIN: 'https://me:secret@app.hubspot.com' }), /must not hold a user name or password/);
      assert.doesNotMatch(refusal({ HUBSPOT_UI_DOMAIN: 'https://me:secret@app.hubspot.com' }), /secret/);
    });
  });

  describe('paths', () => {
    it('moves each legacy path the SDK builds to its dated twin, query kept', () => {
      const cases: [string, string][] = [
        ['/crm/v3/objects/contacts', '/crm/objects/2026-09/contacts'],
        [
          '/crm/v3/objects/contacts/a%40b.c?idProperty=email&properties=email',
          '/crm/objects/2026-09/contacts/a%40b.c?idProperty=email&properties=email',
        ],
        ['/crm/v3/objects/notes/batch/read', '/crm/objects/2026-09/notes/batch/read'],
        ['/crm/v3/objects/companies/search', '/crm/objects/2026-09/companies/search'],
        ['/crm/v4/objects/tickets/1/associations/default/contacts/2', '/crm/objects/2026-09/tickets/1/associations/default/contacts/2'],
        ['/crm/v4/associations/notes/contacts/labels', '/crm/associations/2026-09/notes/contacts/labels'],
        ['/crm/v3/properties/tickets/chat_conversation_id', '/crm/properties/2026-09/tickets/chat_conversation_id'],
        ['/crm/v3/pipelines/tickets', '/crm/pipelines/2026-09/tickets'],
        ['/crm/v3/owners/?email=a%40b.c', '/crm/owners/2026-09?email=a%40b.c'],
        ['/crm/v3/owners/42', '/crm/owners/2026-09/42'],
        ['/account-info/v3/details', '/account-info/2026-09/details'],
        ['/oauth/v1/token', '/oauth/2026-09/token'],
        ['/crm/objects/2026-03/contacts', '/crm/objects/2026-03/contacts'],
      ];
      for (const [legacy, dated] of cases) assert.equal(datedPath(legacy, '2026-09'), dated, legacy);
      assert.equal(datedPath('/crm/v3/objects/tickets', '2026-03'), '/crm/objects/2026-03/tickets');
    });

    it('refuses a legacy path with no dated twin here (v3 associations), and keeps a base URL path', () => {
      assert.throws(() => datedPath('/crm/v3/associations/contacts/companies/batch/read', '2026-09'), LegacyPathRefused);
      assert.throws(() => datedPath('/contacts/v1/contact/vid/1/profile', '2026-09'), LegacyPathRefused);
      assert.equal(
        datedUrl('https://proxy.example/hubspot/crm/v3/objects/contacts', 'https://proxy.example/hubspot', '2026-03'),
        'https://proxy.example/hubspot/crm/objects/2026-03/contacts',
      );
      assert.equal(
        datedUrl('https://api.hubapi.com/crm/v3/pipelines/tickets', 'https://other.example', '2026-09'),
        'https://api.hubapi.com/crm/pipelines/2026-09/tickets',
      );
    });
  });

  describe('against an emulator that refuses legacy paths', () => {
    let hs: HubspotEmulator;
    beforeEach(async () => {
      hs = await startHubspotEmulator({ customProperties: false });
    });
    afterEach(() => hs.close());

    it('answers a legacy path 404 and fails its close(), naming the path', async () => {
      const res = await fetch(`${hs.url}/crm/v3/objects/contacts`, { headers: { authorization: `Bearer ${hs.token}` } });
      assert.equal(res.status, 404);
      assert.match(await res.text(), /legacy API path, refused by this emulator/);
      await assert.rejects(hs.close(), /refused 1 call\(s\) to legacy API paths: GET \/crm\/v3\/objects\/contacts/);
      hs = await startHubspotEmulator();
    });

    it('sends setup, check, new and repeat leads and cases, and the lookup all on 2026-09 paths', async () => {
      const connector = connectorFor(hs);
      assert.ok((await connector.setup?.())?.ok);
      const lead = value(await connector.upsert({ action: 'lead', conversation: conversation({ id: 'v-lead' }) }));
      value(
        await connector.upsert({
          action: 'lead',
          conversation: conversation({ id: 'v-lead', messages: [message(0), message(1), message(2), message(3)] }),
          previous: lead,
        }),
      );
      const ticket = value(await connector.upsert({ action: 'case', conversation: conversation({ id: 'v-case' }) }));
      value(
        await connector.upsert({
          action: 'case',
          conversation: conversation({ id: 'v-case', messages: [message(0), message(1)] }),
          previous: ticket,
        }),
      );
      // A lost record: the refused create, then the reads that find the note again.
      value(await connectorFor(hs).upsert({ action: 'lead', conversation: conversation({ id: 'v-lead' }) }));
      assert.ok(value(await connector.findPerson('ada@example.com')) !== undefined);

      assert.deepEqual(hs.legacyRequests, []);
      const families = new Set(hs.requests.map((r) => r.path.replace(/\/(contacts|tickets|notes)(\/.*)?$/, '/…')));
      assert.deepEqual([...families].sort(), [
        '/account-info/2026-09/details',
        '/crm/objects/2026-09/…',
        '/crm/pipelines/2026-09/…',
        '/crm/properties/2026-09/…',
      ]);
    });

    it('sends every call on 2026-03 paths when configured so', async () => {
      value(
        await connectorFor(hs, { HUBSPOT_API_VERSION: '2026-03' }).upsert({
          action: 'case',
          conversation: conversation({ id: 'v-march' }),
        }),
      );
      assert.ok(hs.requests.length >= 5);
      for (const r of hs.requests) assert.match(r.path, /^\/(crm\/\w+|account-info)\/2026-03\//, r.path);
    });

    it('keeps the SDK from sending a call it has no dated path for', async () => {
      const sdk = new Client({
        accessToken: hs.token,
        basePath: hs.url,
        numberOfApiCallRetries: 0,
        middleware: [datedPaths(hs.url, '2026-09')],
      });
      await assert.rejects(sdk.crm.associations.batchApi.read('contacts', 'tickets', { inputs: [{ id: '1' }] }), LegacyPathRefused);
      assert.deepEqual(hs.requests, [], 'nothing reached HubSpot');
    });
  });
});
