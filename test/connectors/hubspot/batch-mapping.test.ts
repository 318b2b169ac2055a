/**
 * MAPPING_FILE in batched deliveries: the same fields, owner and company as the single path
 * writes (compared on two emulators), with owners and companies found once per batch, not
 * once per conversation.
 */
import assert from 'node:assert/strict';
import { isLeft } from 'fp-ts/Either';
import { HubspotConfigCodec } from '../../../connectors/hubspot';
import { createHubspotConnector } from '../../../connectors/hubspot/connector';
import type { Connector, UpsertInput } from '../../../src/domain/connector';
import type { Conversation } from '../../../src/domain/conversation';
import type { Action } from '../../../src/domain/event';
import { silentLog } from '../../../src/domain/log';
import type { CrmRecord } from '../../../src/domain/record';
import { decodeMapping, mapConversation, type Mapping } from '../../../src/domain/mapping';
import { startHubspotEmulator, type HubspotEmulator, type StoredObject } from '../../emulators/hubspot';
import { apiCalls, callCounts } from '../../emulators/hubspot/batch';
import { conversation, value } from './helpers';

const mappingOf = (json: unknown): Mapping => {
  const decoded = decodeMapping(json);
  if (!decoded.ok) throw new Error(`bad test mapping: ${decoded.errors.join('; ')}`);
  return decoded.mapping;
};

const connectorWith = (emulator: HubspotEmulator, mapping: Mapping): Connector => {
  const configured = HubspotConfigCodec.decode({
    HUBSPOT_ACCESS_TOKEN: emulator.token,
    HUBSPOT_BASE_URL: emulator.url,
    HUBSPOT_TICKET_PIPELINE: '0',
    HUBSPOT_TICKET_STAGE: '1',
  });
  if (isLeft(configured)) throw new Error('test configuration rejected');
  return createHubspotConnector(configured.right, {
    log: silentLog,
    publicUrl: 'http://localhost:3000',
    mapping,
  });
};

const MAPPING = {
  owner: 'agent',
  company: 'create',
  lead: { fields: { jobtitle: '{{custom.role}}', hs_lead_status: 'NEW' } },
  case: { fields: { hs_ticket_priority: '{{form.Priority|"MEDIUM"}}' } },
  contact: { fields: { jobtitle: '{{custom.role}}' } },
};

const chat = (n: number): Conversation => {
  const base = conversation({ id: `conv-map-${n}` });
  return {
    ...base,
    visitor: { name: `Visitor ${n}`, email: `v${n}@company${n % 7}.io`, company: `Company ${n % 7}` },
    operators: [{ id: 'op1', name: 'Grace (support)', email: 'grace@example.com' }],
    custom: { role: `Role ${n}` },
    form: n % 2 === 0 ? { Priority: 'HIGH' } : {},
  };
};

const input = (mapping: Mapping, action: Action, n: number): UpsertInput => ({
  action,
  conversation: chat(n),
  fields: mapConversation(mapping, chat(n), action),
});

const batchCall = (connector: Connector) => (inputs: readonly UpsertInput[]) =>
  connector.upsertBatch?.(inputs) ?? Promise.reject(new Error('no upsertBatch'));

/** What a delivery wrote that ids and times aside should match between the two paths. */
const shape = (hs: HubspotEmulator, type: 'contacts' | 'tickets', object: StoredObject | undefined) => {
  if (object === undefined) return undefined;
  const { hs_object_id: _id, ...properties } = object.properties;
  const companies = hs.state.associations(type, object.id, 'companies').map((a) => hs.state.objects.companies.get(a.id)?.properties.domain);
  return { properties, companies };
};

describe('HubSpot connector: batched deliveries with MAPPING_FILE', function () {
  this.timeout(20_000);
  let single: HubspotEmulator;
  let batched: HubspotEmulator;
  beforeEach(async () => {
    // The single path searches once per new domain: more than search's 5 a second allow here.
    [single, batched] = await Promise.all([
      startHubspotEmulator({ searchRateLimit: { max: 100, windowMs: 1000 } }),
      startHubspotEmulator(),
    ]);
  });
  afterEach(() => Promise.all([single.close(), batched.close()]));

  it('writes the same fields, owner and company as the single path, for leads and cases', async () => {
    const mapping = mappingOf(MAPPING);
    const inputs = [
      ...Array.from({ length: 10 }, (_, n) => input(mapping, 'lead', n)),
      ...Array.from({ length: 10 }, (_, n) => input(mapping, 'case', n + 10)),
    ];
    const one = connectorWith(single, mapping);
    const alone: CrmRecord[] = [];
    for (const i of inputs) alone.push(value(await one.upsert(i)));
    const together = (await batchCall(connectorWith(batched, mapping))(inputs)).map((o) => value(o));

    assert.equal(batched.state.list('companies').length, single.state.list('companies').length);
    assert.equal(batched.state.list('companies').length, 7, 'one company per domain');
    inputs.forEach((i, n) => {
      const a = alone[n];
      const b = together[n];
      assert.ok(a !== undefined && b !== undefined);
      const type = i.action === 'lead' ? 'contacts' : 'tickets';
      assert.deepEqual(
        shape(batched, type, batched.state.objects[type].get(b.id)),
        shape(single, type, single.state.objects[type].get(a.id)),
        `input ${n}`,
      );
      if (i.action === 'case')
        assert.deepEqual(
          shape(batched, 'contacts', batched.state.objects.contacts.get(b.refs.contact ?? '')),
          shape(single, 'contacts', single.state.objects.contacts.get(a.refs.contact ?? '')),
        );
    });
    const lead = batched.state.objects.contacts.get(together[0]?.id ?? '');
    assert.equal(lead?.properties.hubspot_owner_id, '70001');
    assert.equal(lead?.properties.jobtitle, 'Role 0');
  });

  it('finds owners and companies once per batch: 100 new leads of 7 domains in 6 calls', async () => {
    const mapping = mappingOf(MAPPING);
    const out = await batchCall(connectorWith(batched, mapping))(Array.from({ length: 100 }, (_, n) => input(mapping, 'lead', n)));
    assert.ok(out.every((o) => o.ok));
    // Read contacts, search companies, create companies, owner lookup, create contacts, create notes.
    assert.equal(apiCalls(batched.requests), 6, JSON.stringify(callCounts(batched.requests)));
    assert.equal(batched.state.list('companies').length, 7);
    for (const c of batched.state.list('contacts')) assert.equal(batched.state.associations('contacts', c.id, 'companies').length, 1);
  });

  it('links an existing contact without a company to it, and keeps what a person typed in a mapped field', async () => {
    const mapping = mappingOf(MAPPING);
    const existing = batched.state.create('contacts', { email: 'v1@company1.io', jobtitle: 'Typed by sales' });
    const [r] = await batchCall(connectorWith(batched, mapping))([input(mapping, 'lead', 1)]);
    assert.ok(r?.ok === true);
    assert.equal(r.value.id, existing.id);
    assert.equal(existing.properties.jobtitle, 'Typed by sales');
    assert.equal(existing.properties.hubspot_owner_id, undefined, 'no owner on a contact this delivery did not create');
    assert.deepEqual(
      batched.state
        .associations('contacts', existing.id, 'companies')
        .map((a) => batched.state.objects.companies.get(a.id)?.properties.domain),
      ['company1.io'],
    );
  });
});
