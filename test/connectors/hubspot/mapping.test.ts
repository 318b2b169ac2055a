/**
 * Issue 28 for HubSpot: MAPPING_FILE's fields, owner and company against the emulator, through
 * the real connector and SDK.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft } from 'fp-ts/Either';
import { HubspotConfigCodec } from '../../../connectors/hubspot';
import { createHubspotConnector } from '../../../connectors/hubspot/connector';
import type { Connector } from '../../../src/domain/connector';
import type { Conversation } from '../../../src/domain/conversation';
import type { Action } from '../../../src/domain/event';
import { silentLog } from '../../../src/domain/log';
import { decodeMapping, mapConversation, type Mapping } from '../../../src/domain/mapping';
import type { CrmRecord } from '../../../src/domain/record';
import { startHubspotEmulator, type HubspotEmulator, type RecordedRequest } from '../../emulators/hubspot';
import { conversation } from '../../support/conversations';
import { sequentialDepth, signatures, value } from './helpers';

export const mappingOf = (json: unknown): Mapping => {
  const decoded = decodeMapping(json);
  if (!decoded.ok) throw new Error(`bad test mapping: ${decoded.errors.join('; ')}`);
  return decoded.mapping;
};

const connectorWith = (emulator: HubspotEmulator, mapping?: Mapping): Connector => {
  const configured = HubspotConfigCodec.decode({ HUBSPOT_ACCESS_TOKEN: emulator.token, HUBSPOT_BASE_URL: emulator.url });
  if (isLeft(configured)) throw new Error('test configuration rejected');
  return createHubspotConnector(configured.right, {
    log: silentLog,
    publicUrl: 'http://localhost:3000',
    ...(mapping === undefined ? {} : { mapping }),
  });
};

/** A chat of `email` answered by Grace, whose email may be a HubSpot user's. */
const chat = (
  o: { id?: string; email?: string; company?: string; role?: string; priority?: string; agentEmail?: string } = {},
): Conversation => {
  const base = conversation({ id: o.id ?? 'conv-map-1' });
  const { company: _given, ...visitor } = base.visitor;
  return {
    ...base,
    visitor: {
      ...visitor,
      email: o.email ?? 'ada@analytical.io',
      pageUrl: 'https://analytical.io/pricing',
      ...(o.company === undefined ? {} : { company: o.company }),
    },
    operators: [{ id: 'op1', name: 'Grace (support)', email: o.agentEmail ?? 'grace@example.com' }],
    custom: { role: o.role ?? 'CTO' },
    form: o.priority === undefined ? {} : { Priority: o.priority },
  };
};

const deliver = (connector: Connector, mapping: Mapping, action: Action, c: Conversation, previous?: CrmRecord) =>
  connector.upsert({
    action,
    conversation: c,
    fields: mapConversation(mapping, c, action),
    ...(previous === undefined ? {} : { previous }),
  });

const FIELDS = {
  lead: { fields: { jobtitle: '{{custom.role}}', hs_lead_status: 'NEW', website: '{{visitor.page_url}}' } },
  case: { fields: { hs_ticket_priority: '{{form.Priority|"MEDIUM"}}' } },
  contact: { fields: { jobtitle: '{{custom.role}}' } },
};

const count = (requests: readonly RecordedRequest[], pattern: RegExp) => signatures(requests).filter((s) => pattern.test(s)).length;

describe('HubSpot connector: mapped fields, owner and company (MAPPING_FILE)', function () {
  this.timeout(20_000);
  let emulator: HubspotEmulator;

  beforeEach(async () => {
    emulator = await startHubspotEmulator();
  });
  afterEach(async () => {
    await emulator.close();
  });

  describe('fields', () => {
    it('writes lead.fields on the contact, case.fields on the ticket and contact.fields on its contact', async () => {
      const mapping = mappingOf(FIELDS);
      const connector = connectorWith(emulator, mapping);
      const lead = value(await deliver(connector, mapping, 'lead', chat()));
      const contact = emulator.state.objects.contacts.get(lead.id);
      assert.equal(contact?.properties.jobtitle, 'CTO');
      assert.equal(contact?.properties.hs_lead_status, 'NEW');
      assert.equal(contact?.properties.website, 'https://analytical.io/pricing');

      const kase = value(
        await deliver(connector, mapping, 'case', chat({ id: 'conv-map-2', email: 'bob@babbage.io', role: 'Engineer', priority: 'HIGH' })),
      );
      const ticket = emulator.state.objects.tickets.get(kase.id);
      assert.equal(ticket?.properties.hs_ticket_priority, 'HIGH');
      const caseContact = emulator.state.objects.contacts.get(kase.refs.contact ?? '');
      assert.equal(caseContact?.properties.jobtitle, 'Engineer');
      assert.equal(caseContact?.properties.hs_lead_status, undefined, "lead.fields are not a case's");
    });

    it('fills blanks on a repeat and keeps what a person typed, unless the field is in overwrite; the read is the one it makes anyway', async () => {
      const mapping = mappingOf({ ...FIELDS, overwrite: ['hs_lead_status'] });
      const connector = connectorWith(emulator, mapping);
      const first = value(await deliver(connector, mapping, 'lead', chat()));
      const contact = emulator.state.objects.contacts.get(first.id);
      assert.ok(contact !== undefined);
      // Sales edits the contact in HubSpot.
      contact.properties = { ...contact.properties, jobtitle: 'Chief Technology Officer', hs_lead_status: 'CONNECTED', website: '' };
      emulator.requests.length = 0;
      value(await deliver(connector, mapping, 'lead', chat({ role: 'CTO' }), first));
      assert.equal(contact.properties.jobtitle, 'Chief Technology Officer', 'a typed value survives a repeat');
      assert.equal(contact.properties.hs_lead_status, 'NEW', 'an overwrite field is written on every delivery');
      assert.equal(contact.properties.website, 'https://analytical.io/pricing', 'a blank is filled');
      assert.deepEqual(
        signatures(emulator.requests).sort(),
        [
          `GET /crm/objects/2026-09/contacts/${first.id}`,
          `PATCH /crm/objects/2026-09/contacts/${first.id}`,
          `PATCH /crm/objects/2026-09/notes/${first.refs.note ?? ''}`,
        ].sort(),
      );
      const patch = emulator.requests.find((r) => r.method === 'PATCH' && r.path.includes('/contacts/'));
      assert.deepEqual(patch?.body, { properties: { hs_lead_status: 'NEW', website: 'https://analytical.io/pricing' } });
    });

    it('refreshes an overwrite field of a ticket on a repeat and leaves a priority an agent set', async () => {
      const mapping = mappingOf(FIELDS);
      const connector = connectorWith(emulator, mapping);
      const first = value(await deliver(connector, mapping, 'case', chat({ priority: 'LOW' })));
      const ticket = emulator.state.objects.tickets.get(first.id);
      assert.ok(ticket !== undefined);
      ticket.properties = { ...ticket.properties, hs_ticket_priority: 'URGENT' };
      value(await deliver(connector, mapping, 'case', chat({ priority: 'LOW' }), first));
      assert.equal(ticket.properties.hs_ticket_priority, 'URGENT');
    });

    it('fails a refused value permanently, naming the field and never the value', async () => {
      const mapping = mappingOf({ lead: { fields: { hs_lead_status: '{{custom.role}}' } } });
      const connector = connectorWith(emulator, mapping);
      const outcome = await deliver(connector, mapping, 'lead', chat({ role: 'Secret-Role-Value' }));
      assert.ok(!outcome.ok);
      assert.equal(outcome.failure.kind, 'permanent');
      assert.equal(outcome.failure.code, 'CRM_VALIDATION');
      assert.match(outcome.failure.message, /"hs_lead_status" \(INVALID_OPTION\)/);
      assert.match(outcome.failure.message, /MAPPING_FILE lead\.fields\.hs_lead_status/);
      assert.doesNotMatch(outcome.failure.message, /Secret-Role-Value/);

      const unknown = mappingOf({ lead: { fields: { favourite_colour: 'blue' } } });
      const refused = await deliver(
        connectorWith(emulator, unknown),
        unknown,
        'lead',
        chat({ id: 'conv-map-3', email: 'eve@analytical.io' }),
      );
      assert.ok(!refused.ok);
      assert.equal(refused.failure.kind, 'permanent');
      assert.match(refused.failure.message, /"favourite_colour" \(PROPERTY_DOESNT_EXIST/);
      assert.doesNotMatch(refused.failure.message, /blue/);
    });
  });

  describe('owner', () => {
    it("sets the agent's HubSpot owner on creation, never changes it, and looks the agent up once", async () => {
      const mapping = mappingOf({ owner: 'agent' });
      const connector = connectorWith(emulator, mapping);
      const first = value(await deliver(connector, mapping, 'lead', chat()));
      const contact = emulator.state.objects.contacts.get(first.id);
      assert.equal(contact?.properties.hubspot_owner_id, '70001');
      assert.ok(contact !== undefined);
      contact.properties = { ...contact.properties, hubspot_owner_id: '70002' };
      value(await deliver(connector, mapping, 'lead', chat(), first));
      assert.equal(contact.properties.hubspot_owner_id, '70002', 'an owner sales gave is kept');

      for (let i = 0; i < 4; i++)
        value(await deliver(connector, mapping, 'lead', chat({ id: `conv-owner-${i}`, email: `p${i}@analytical.io` })));
      const kase = value(await deliver(connector, mapping, 'case', chat({ id: 'conv-owner-case', email: 'q@analytical.io' })));
      assert.equal(emulator.state.objects.tickets.get(kase.id)?.properties.hubspot_owner_id, '70001');
      assert.equal(count(emulator.requests, /^GET \/crm\/owners\/2026-09$/), 1, 'one owner lookup for seven deliveries');
    });

    it('leaves the owner unset when the agent has no HubSpot user, and remembers the miss', async () => {
      const mapping = mappingOf({ owner: 'agent' });
      const connector = connectorWith(emulator, mapping);
      for (let i = 0; i < 3; i++) {
        const record = value(
          await deliver(
            connector,
            mapping,
            'lead',
            chat({ id: `conv-nobody-${i}`, email: `n${i}@analytical.io`, agentEmail: 'temp@agency.io' }),
          ),
        );
        assert.equal(emulator.state.objects.contacts.get(record.id)?.properties.hubspot_owner_id, undefined);
      }
      assert.equal(count(emulator.requests, /^GET \/crm\/owners\//), 1);
    });

    it('sets a fixed owner by email or id, and none at all under "none"', async () => {
      const byEmail = mappingOf({ owner: 'alan@example.com' });
      const a = value(await deliver(connectorWith(emulator, byEmail), byEmail, 'lead', chat({ id: 'c-a', email: 'a@analytical.io' })));
      assert.equal(emulator.state.objects.contacts.get(a.id)?.properties.hubspot_owner_id, '70002');
      const byId = mappingOf({ owner: '70002' });
      const b = value(await deliver(connectorWith(emulator, byId), byId, 'lead', chat({ id: 'c-b', email: 'b@analytical.io' })));
      assert.equal(emulator.state.objects.contacts.get(b.id)?.properties.hubspot_owner_id, '70002');
      const unknown = mappingOf({ owner: '99999' });
      const refused = await deliver(connectorWith(emulator, unknown), unknown, 'lead', chat({ id: 'c-u', email: 'u@analytical.io' }));
      assert.ok(!refused.ok);
      assert.equal(refused.failure.kind, 'permanent');
      assert.match(refused.failure.message, /"hubspot_owner_id" \(INVALID_OWNER_ID\).*MAPPING_FILE owner/);
      emulator.requests.length = 0;
      const off = mappingOf({ owner: 'none' });
      const c = value(await deliver(connectorWith(emulator, off), off, 'lead', chat({ id: 'c-c', email: 'c@analytical.io' })));
      assert.equal(emulator.state.objects.contacts.get(c.id)?.properties.hubspot_owner_id, undefined);
      assert.equal(count(emulator.requests, /owners/), 0);
    });
  });

  describe('company', () => {
    it("associates the contact with the company of the email's domain", async () => {
      const company = emulator.state.create('companies', { name: 'Analytical Engines Ltd', domain: 'analytical.io' });
      const mapping = mappingOf({ company: 'match' });
      const connector = connectorWith(emulator, mapping);
      const lead = value(await deliver(connector, mapping, 'lead', chat()));
      assert.deepEqual(
        emulator.state.associations('contacts', lead.id, 'companies').map((a) => a.id),
        [company.id],
      );
      const kase = value(await deliver(connector, mapping, 'case', chat({ id: 'conv-co-case', email: 'x@analytical.io' })));
      assert.deepEqual(
        emulator.state.associations('tickets', kase.id, 'companies').map((a) => a.id),
        [company.id],
      );
      assert.deepEqual(
        emulator.state.associations('contacts', kase.refs.contact ?? '', 'companies').map((a) => a.id),
        [company.id],
      );
    });

    it('creates nothing under "match" when no company has the domain', async () => {
      const mapping = mappingOf({ company: 'match' });
      const lead = value(await deliver(connectorWith(emulator, mapping), mapping, 'lead', chat()));
      assert.equal(emulator.state.list('companies').length, 0);
      assert.deepEqual(emulator.state.associations('contacts', lead.id, 'companies'), []);
    });

    it('creates the company once when ten chats of one domain arrive together, though search lags', async () => {
      await emulator.close();
      emulator = await startHubspotEmulator({ searchLagMs: 5_000, searchRateLimit: { max: 1_000, windowMs: 1_000 } });
      const mapping = mappingOf({ company: 'create' });
      const connector = connectorWith(emulator, mapping);
      const records = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          deliver(
            connector,
            mapping,
            i % 2 === 0 ? 'lead' : 'case',
            chat({ id: `conv-burst-${i}`, email: `v${i}@newco.io`, company: 'NewCo' }),
          ),
        ),
      );
      const companies = emulator.state.list('companies');
      assert.equal(companies.length, 1);
      assert.equal(companies[0]?.properties.name, 'NewCo');
      assert.equal(companies[0]?.properties.domain, 'newco.io');
      for (const r of records)
        assert.deepEqual(
          emulator.state.associations(value(r).type === 'ticket' ? 'tickets' : 'contacts', value(r).id, 'companies').map((a) => a.id),
          [companies[0]?.id],
        );
      // Later, another chat of the domain: remembered, no second company while search still lags.
      value(await deliver(connector, mapping, 'lead', chat({ id: 'conv-burst-late', email: 'late@newco.io' })));
      assert.equal(emulator.state.list('companies').length, 1);
    });

    it('names a created company after the domain when the visitor gave none', async () => {
      const mapping = mappingOf({ company: 'create' });
      value(await deliver(connectorWith(emulator, mapping), mapping, 'lead', chat({ email: 'ada@nameless.io' })));
      assert.deepEqual(
        emulator.state.list('companies').map((c) => c.properties.name),
        ['nameless.io'],
      );
    });

    it('skips free-mail domains without a call', async () => {
      const mapping = mappingOf({ company: 'create' });
      const lead = value(await deliver(connectorWith(emulator, mapping), mapping, 'lead', chat({ email: 'ada.lovelace@gmail.com' })));
      assert.equal(emulator.state.list('companies').length, 0);
      assert.equal(count(emulator.requests, /companies/), 0);
      assert.ok(lead.id !== '');
    });
  });

  describe('calls per new lead', () => {
    const measure = async (mapping: Mapping | undefined, c: Conversation) => {
      const connector = connectorWith(emulator, mapping);
      // The account details are read once per process: not a per-lead call.
      await connector.check();
      emulator.requests.length = 0;
      // Latency keeps calls sent together overlapping, so the depth counts round trips, not scheduling.
      emulator.faults.setLatency(20);
      value(await (mapping === undefined ? connector.upsert({ action: 'lead', conversation: c }) : deliver(connector, mapping, 'lead', c)));
      emulator.faults.setLatency(0);
      return { calls: emulator.requests.length, depth: sequentialDepth(emulator.requests), signatures: signatures(emulator.requests) };
    };

    it('costs 2 calls without a mapping, +1 for an owner lookup, +1 for a company search, +1 for a company created', async () => {
      emulator.state.create('companies', { name: 'Analytical', domain: 'analytical.io' });
      const plain = await measure(undefined, chat({ id: 'n-1' }));
      const fields = await measure(mappingOf(FIELDS), chat({ id: 'n-2', email: 'n2@analytical.io' }));
      const owner = await measure(mappingOf({ ...FIELDS, owner: 'agent' }), chat({ id: 'n-3', email: 'n3@analytical.io' }));
      const both = await measure(
        mappingOf({ ...FIELDS, owner: 'agent', company: 'match' }),
        chat({ id: 'n-4', email: 'n4@analytical.io' }),
      );
      const created = await measure(mappingOf({ ...FIELDS, owner: 'agent', company: 'create' }), chat({ id: 'n-5', email: 'n5@fresh.io' }));
      assert.deepEqual(
        [plain, fields, owner, both, created].map((m) => [m.calls, m.depth]),
        [
          [2, 2],
          [2, 2],
          [3, 3],
          [4, 3],
          [5, 4],
        ],
        JSON.stringify([plain, fields, owner, both, created].map((m) => m.signatures)),
      );
    });
  });

  describe('setup', () => {
    it('names each mapped property HubSpot lacks or will not let the API write', async () => {
      const mapping = mappingOf({
        lead: { fields: { jobtitle: '{{custom.role}}', favourite_colour: 'blue', hs_analytics_source: '{{source}}' } },
        case: { fields: { hs_ticket_priority: 'HIGH', ticket_mood: 'calm' } },
        owner: 'agent',
        company: 'match',
      });
      const report = await connectorWith(emulator, mapping).setup?.();
      assert.ok(report !== undefined);
      assert.equal(report.ok, false);
      const failed = report.items.filter((i) => !i.ok);
      assert.deepEqual(failed.map((i) => i.name).sort(), [
        'mapped contacts property favourite_colour',
        'mapped contacts property hs_analytics_source',
        'mapped tickets property ticket_mood',
      ]);
      assert.match(
        failed.find((i) => i.name.endsWith('favourite_colour'))?.detail ?? '',
        /no contacts property "favourite_colour" \(MAPPING_FILE lead\.fields\.favourite_colour\)/,
      );
      assert.match(failed.find((i) => i.name.endsWith('hs_analytics_source'))?.detail ?? '', /read-only/);
      const ok = report.items.filter((i) => i.ok).map((i) => i.name);
      for (const name of [
        'mapped contacts property jobtitle',
        'mapped tickets property hs_ticket_priority',
        'owners access (crm.objects.owners.read)',
        'companies access (crm.objects.companies.read)',
      ])
        assert.ok(ok.includes(name), name);
    });

    it('finds in examples/mapping.hubspot.json only the custom properties a portal must create', async () => {
      const example: unknown = JSON.parse(readFileSync(join(__dirname, '../../../examples/mapping.hubspot.json'), 'utf8'));
      const report = await connectorWith(emulator, mappingOf(example)).check();
      assert.deepEqual(
        report.items
          .filter((i) => !i.ok)
          .map((i) => i.name)
          .sort(),
        ['mapped contacts property chat_platform', 'mapped contacts property chat_referrer', 'mapped tickets property chat_rating'],
      );
    });

    it('names the owners and companies scopes a token lacks', async () => {
      await emulator.close();
      emulator = await startHubspotEmulator({
        scopes: [
          'crm.objects.contacts.read',
          'crm.objects.contacts.write',
          'crm.schemas.contacts.read',
          'crm.schemas.contacts.write',
          'tickets',
        ],
      });
      const report = await connectorWith(emulator, mappingOf({ owner: 'agent', company: 'create' })).check();
      const failed = report.items.filter((i) => !i.ok);
      assert.match(failed.find((i) => i.name.startsWith('owners'))?.detail ?? '', /crm\.objects\.owners\.read/);
      assert.match(failed.find((i) => i.name.startsWith('companies'))?.detail ?? '', /crm\.objects\.companies\.read/);
    });

    it('checks nothing more without a mapping', async () => {
      const report = await connectorWith(emulator).check();
      assert.equal(
        report.items.some((i) => i.name.startsWith('mapped') || i.name.startsWith('owners') || i.name.startsWith('companies')),
        false,
      );
    });
  });
});
