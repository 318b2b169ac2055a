import assert from 'node:assert/strict';
import type { Connector, UpsertInput } from '../../../src/domain/connector';
import type { Outcome } from '../../../src/domain/outcome';
import type { CrmRecord } from '../../../src/domain/record';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { apiCalls, callCounts } from '../../emulators/hubspot/batch';
import { conversation, connectorFor, message, value } from './helpers';

/** `null`: a visitor without an email. */
const lead = (n: number, email: string | null = `visitor${n}@example.com`): UpsertInput => ({
  action: 'lead',
  conversation: conversation({
    id: `conv-${n}`,
    visitor: { name: `Visitor ${n}`, ...(email === null ? {} : { email }), city: 'Paris' },
    messages: [message(0, 'visitor', `Question number ${n}`), message(1)],
  }),
});

const caseOf = (n: number, email: string | null = `visitor${n}@example.com`): UpsertInput => ({ ...lead(n, email), action: 'case' });

/** Until the emulator has received a request to a path ending so (a held one is handled on arrival). */
const arrived = async (hs: HubspotEmulator, suffix: string): Promise<void> => {
  for (let waited = 0; !hs.requests.some((r) => r.path.endsWith(suffix)); waited += 5) {
    if (waited > 5_000) throw new Error(`no request to …${suffix}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const batchOf = (n: number, make: (i: number) => UpsertInput): UpsertInput[] => Array.from({ length: n }, (_, i) => make(i));

const records = (outcomes: readonly Outcome<CrmRecord>[]): CrmRecord[] => outcomes.map((o) => value(o));

const nth = <A>(xs: readonly A[], n: number): A => {
  const x = xs[n];
  if (x === undefined) throw new Error(`no element ${n}`);
  return x;
};

/** The connector's batch entry point, which a HubSpot connector must have. */
const batchCall = (connector: Connector) => {
  if (connector.upsertBatch === undefined) throw new Error('the HubSpot connector has no upsertBatch');
  return (inputs: readonly UpsertInput[]) => connector.upsertBatch?.(inputs) ?? Promise.reject(new Error('no upsertBatch'));
};

describe('HubSpot connector: batched deliveries', function () {
  this.timeout(20_000);
  let hs: HubspotEmulator;
  beforeEach(async () => {
    hs = await startHubspotEmulator();
  });
  afterEach(() => hs.close());

  it('delivers 100 new leads in 3 calls: read contacts, create contacts, create notes', async () => {
    const connector = connectorFor(hs);
    assert.equal(connector.batchLimit, 100);
    const out = records(await batchCall(connector)(batchOf(100, lead)));

    assert.equal(hs.state.list('contacts').length, 100);
    assert.equal(hs.state.list('notes').length, 100);
    assert.equal(apiCalls(hs.requests), 3, JSON.stringify(callCounts(hs.requests)));
    assert.deepEqual(
      Object.keys(callCounts(hs.requests))
        .filter((k) => !k.includes('account-info'))
        .sort(),
      [
        'POST /crm/objects/2026-09/contacts/batch/create',
        'POST /crm/objects/2026-09/contacts/batch/read',
        'POST /crm/objects/2026-09/notes/batch/create',
      ],
    );
    // Every outcome is its own conversation's contact and note, whatever order HubSpot answered in.
    out.forEach((r, n) => {
      const contact = hs.state.objects.contacts.get(r.id);
      assert.equal(contact?.properties.email, `visitor${n}@example.com`);
      assert.equal(r.url, `https://app.hubspot.com/contacts/${hs.portalId}/record/0-1/${r.id}`);
      const note = hs.state.objects.notes.get(r.refs.note ?? '');
      assert.match(note?.properties.hs_note_body ?? '', new RegExp(`Question number ${n}\\b`));
      assert.deepEqual(
        hs.state.associations('notes', r.refs.note ?? '', 'contacts').map((a) => a.id),
        [r.id],
      );
    });
  });

  it('repeats update the same contacts and notes in 2 calls, creating nothing', async () => {
    const connector = connectorFor(hs);
    const first = records(await batchCall(connector)(batchOf(100, lead)));
    hs.requests.length = 0;
    const longer = batchOf(100, (n) => {
      const l = lead(n);
      return {
        ...l,
        previous: nth(first, n),
        conversation: { ...l.conversation, messages: [...l.conversation.messages, message(2, 'visitor', `Thanks ${n}`)] },
      };
    });
    const again = records(await batchCall(connector)(longer));

    assert.deepEqual(again, first);
    assert.equal(hs.state.list('contacts').length, 100);
    assert.equal(hs.state.list('notes').length, 100);
    assert.match(hs.state.objects.notes.get(first[7]?.refs.note ?? '')?.properties.hs_note_body ?? '', /Thanks 7\b/);
    assert.equal(apiCalls(hs.requests), 2, JSON.stringify(callCounts(hs.requests)));
  });

  it('never overwrites what a person typed: a repeat only fills blanks', async () => {
    const connector = connectorFor(hs);
    const first = nth(records(await batchCall(connector)([lead(1)])), 0);
    const contact = hs.state.objects.contacts.get(first?.id ?? '');
    assert.ok(contact !== undefined);
    contact.properties.firstname = 'Typed by an agent';
    delete contact.properties.city;
    const withPhone: UpsertInput = {
      ...lead(1),
      previous: first,
      conversation: {
        ...lead(1).conversation,
        visitor: { name: 'Visitor 1', email: 'visitor1@example.com', city: 'Lyon', phone: '+33 1' },
      },
    };
    records(await batchCall(connector)([withPhone]));
    assert.equal(contact.properties.firstname, 'Typed by an agent');
    assert.equal(contact.properties.city, 'Lyon');
    assert.equal(contact.properties.phone, '+33 1');
  });

  it('mixes visitors with and without an email, and two chats of one visitor make one contact', async () => {
    const inputs = [lead(1), lead(2, null), lead(3), lead(4, 'visitor1@example.com'), lead(5, null)];
    const out = records(await batchCall(connectorFor(hs))(inputs));
    assert.equal(hs.state.list('contacts').length, 4);
    assert.equal(out[0]?.id, out[3]?.id);
    assert.equal(hs.state.objects.contacts.get(out[1]?.id ?? '')?.properties.chat_conversation_id, 'conv-2');
    assert.equal(hs.state.list('notes').length, 5);
    assert.equal(hs.state.associations('contacts', out[0]?.id ?? '', 'notes').length, 2);
    // Two key properties: two reads; then one create of contacts and one of notes.
    assert.equal(apiCalls(hs.requests), 4, JSON.stringify(callCounts(hs.requests)));
  });

  it('a crash between the creates and storing their ids makes no duplicate on the next run', async () => {
    const connector = connectorFor(hs);
    const first = records(await batchCall(connector)([...batchOf(5, lead), ...batchOf(5, (n) => caseOf(n + 10))]));
    // The ids were never stored: the same batch again, without `previous`.
    const again = records(await batchCall(connector)([...batchOf(5, lead), ...batchOf(5, (n) => caseOf(n + 10))]));
    assert.deepEqual(again, first);
    assert.equal(hs.state.list('contacts').length, 10);
    assert.equal(hs.state.list('tickets').length, 5);
    assert.equal(hs.state.list('notes').length, 10);
  });

  it('delivers 100 new cases in 5 calls and repeats them in 5, with tickets tied to contacts and notes to both', async () => {
    const connector = connectorFor(hs, { HUBSPOT_TICKET_PIPELINE: '0', HUBSPOT_TICKET_STAGE: '1' });
    const first = records(await batchCall(connector)(batchOf(100, caseOf)));
    assert.equal(apiCalls(hs.requests), 5, JSON.stringify(callCounts(hs.requests)));
    assert.equal(hs.state.list('tickets').length, 100);
    assert.equal(hs.state.list('contacts').length, 100);
    assert.equal(hs.state.list('notes').length, 100);
    first.forEach((r, n) => {
      const ticket = hs.state.objects.tickets.get(r.id);
      assert.equal(ticket?.properties.chat_conversation_id, `conv-${n}`);
      assert.equal(r.url, `https://app.hubspot.com/contacts/${hs.portalId}/record/0-5/${r.id}`);
      assert.deepEqual(
        hs.state.associations('tickets', r.id, 'contacts').map((a) => a.id),
        [r.refs.contact],
      );
      assert.deepEqual(
        hs.state
          .associations('notes', r.refs.note ?? '', 'tickets')
          .map((a) => a.id)
          .concat(hs.state.associations('notes', r.refs.note ?? '', 'contacts').map((a) => a.id)),
        [r.id, r.refs.contact],
      );
    });

    hs.requests.length = 0;
    const again = records(await batchCall(connector)(batchOf(100, (n) => ({ ...caseOf(n), previous: nth(first, n) }))));
    assert.deepEqual(again, first);
    assert.equal(hs.state.list('tickets').length, 100);
    assert.equal(hs.state.list('notes').length, 100);
    assert.equal(apiCalls(hs.requests), 5, JSON.stringify(callCounts(hs.requests)));
  });

  it('a case without an email has a ticket and a note and no contact', async () => {
    const [r] = records(await batchCall(connectorFor(hs))([caseOf(1, null)]));
    assert.equal(hs.state.list('contacts').length, 0);
    assert.equal(r?.refs.contact, undefined);
    assert.equal(hs.state.list('tickets').length, 1);
  });

  it('a 207 fails only the inputs HubSpot refused, with the single path’s codes', async () => {
    const inputs = [lead(1), lead(2, 'not an email'), lead(3)];
    const out = await batchCall(connectorFor(hs))(inputs);
    assert.equal(out[0]?.ok, true);
    assert.equal(out[2]?.ok, true);
    const refused = out[1];
    assert.ok(refused !== undefined && !refused.ok);
    assert.equal(refused.failure.kind, 'permanent');
    assert.equal(refused.failure.code, 'CRM_VALIDATION');
    assert.match(refused.failure.message, /"email" \(INVALID_EMAIL\)/);
    assert.doesNotMatch(refused.failure.message, /not an email/, 'the value is not repeated');
    assert.equal(hs.state.list('contacts').length, 2);
    assert.equal(hs.state.list('notes').length, 2);
    const created = hs.requests.find((r) => r.path.endsWith('/contacts/batch/create'));
    assert.equal(created?.status, 207);
  });

  it('a portal rule (2026-09) refuses inputs alone, naming the property', async () => {
    hs.state.requiredOnCreate.tickets.add('hs_ticket_priority');
    const out = await batchCall(connectorFor(hs))([caseOf(1), caseOf(2)]);
    for (const o of out) {
      assert.ok(!o.ok);
      assert.equal(o.failure.code, 'CRM_VALIDATION');
      assert.match(o.failure.message, /"hs_ticket_priority" \(MISSING_REQUIRED_PROPERTY/);
    }
  });

  it('a whole-batch 500 fails every input transiently, and the retry makes no duplicate', async () => {
    const connector = connectorFor(hs);
    hs.faults.inject({ status: 500, match: /notes\/batch\/create/ });
    const out = await batchCall(connector)(batchOf(10, lead));
    for (const o of out) {
      assert.ok(!o.ok);
      assert.equal(o.failure.kind, 'transient');
      assert.equal(o.failure.code, 'CRM_UNAVAILABLE');
    }
    const again = records(await batchCall(connector)(batchOf(10, lead)));
    assert.equal(again.length, 10);
    assert.equal(hs.state.list('contacts').length, 10);
    assert.equal(hs.state.list('notes').length, 10);
  });

  it('a whole-batch 429 fails every input transiently with HubSpot’s Retry-After', async () => {
    hs.faults.inject({ status: 429, match: /contacts\/batch\/read/, retryAfterSeconds: 3 });
    const out = await batchCall(connectorFor(hs))(batchOf(4, lead));
    for (const o of out) {
      assert.ok(!o.ok);
      assert.equal(o.failure.kind, 'transient');
      assert.equal(o.failure.code, 'CRM_RATE_LIMITED');
      assert.equal(o.failure.retryAfterMs, 3000);
    }
    assert.equal(hs.state.list('contacts').length, 0);
  });

  it('a contact made by someone else between the read and the create is completed, not duplicated', async () => {
    const connector = connectorFor(hs);
    const release = { go: (): void => undefined };
    const held = new Promise<void>((resolve) => {
      release.go = resolve;
    });
    hs.faults.inject({ match: /contacts\/batch\/read/, holdAnswer: held });
    const running = batchCall(connector)([lead(1), lead(2)]);
    await arrived(hs, '/contacts/batch/read');
    hs.state.create('contacts', { email: 'visitor2@example.com', firstname: 'Typed' });
    release.go();
    const out = records(await running);
    assert.equal(hs.state.list('contacts').length, 2);
    const contact = hs.state.objects.contacts.get(out[1]?.id ?? '');
    assert.equal(contact?.properties.firstname, 'Typed');
    assert.equal(contact?.properties.city, 'Paris', 'blanks filled');
  });

  it('a whole-batch 409 on create completes the contact that exists and retries the others, with no duplicate', async () => {
    const connector = connectorFor(hs);
    const release = { go: (): void => undefined };
    const held = new Promise<void>((resolve) => {
      release.go = resolve;
    });
    hs.faults.inject({ match: /contacts\/batch\/read/, holdAnswer: held });
    hs.faults.inject({
      match: /contacts\/batch\/create/,
      status: 409,
      body: { status: 'error', message: 'Contact already exists. Existing ID: 1', category: 'CONFLICT' },
    });
    const running = batchCall(connector)([lead(1), lead(2), lead(3)]);
    await arrived(hs, '/contacts/batch/read');
    const theirs = hs.state.create('contacts', { email: 'visitor2@example.com', firstname: 'Typed' });
    release.go();
    const out = await running;
    assert.ok(out[1]?.ok === true && out[1].value.id === theirs.id);
    assert.equal(theirs.properties.city, 'Paris');
    for (const o of [out[0], out[2]]) {
      assert.ok(o !== undefined && !o.ok);
      assert.equal(o.failure.kind, 'transient');
      assert.equal(o.failure.code, 'CRM_CONFLICT');
    }
    const again = records(await batchCall(connector)([lead(1), lead(3)]));
    assert.equal(again.length, 2);
    assert.equal(hs.state.list('contacts').length, 3);
    assert.equal(hs.state.list('notes').length, 3);
  });

  it('a ticket made by someone else between the read and the create is refused alone (207) and completed', async () => {
    const connector = connectorFor(hs);
    const release = { go: (): void => undefined };
    const held = new Promise<void>((resolve) => {
      release.go = resolve;
    });
    hs.faults.inject({ match: /tickets\/batch\/read/, holdAnswer: held });
    const running = batchCall(connector)([caseOf(1), caseOf(2)]);
    await arrived(hs, '/tickets/batch/read');
    const theirs = hs.state.create('tickets', {
      subject: 'Typed by an agent',
      hs_pipeline: '0',
      hs_pipeline_stage: '3',
      chat_conversation_id: 'conv-2',
    });
    release.go();
    const out = records(await running);
    assert.equal(out[1]?.id, theirs.id);
    assert.equal(hs.state.list('tickets').length, 2);
    assert.equal(theirs.properties.subject, 'Typed by an agent', 'an agent’s subject is kept');
    assert.equal(theirs.properties.hs_pipeline_stage, '3', 'and its stage');
    assert.match(theirs.properties.content ?? '', /Question number 2/);
    assert.deepEqual(
      hs.state.associations('tickets', theirs.id, 'contacts').map((a) => a.id),
      [out[1]?.refs.contact],
    );
    assert.equal(hs.state.list('notes').length, 2);
    assert.equal(hs.requests.find((r) => r.path.endsWith('/tickets/batch/create'))?.status, 207);
  });

  it('a single delivery of a conversation in a running batch waits for it and builds on its outcome', async () => {
    const connector = connectorFor(hs);
    const release = { go: (): void => undefined };
    const held = new Promise<void>((resolve) => {
      release.go = resolve;
    });
    hs.faults.inject({ match: /contacts\/batch\/read/, holdAnswer: held });
    const running = batchCall(connector)([lead(1), lead(2)]);
    const single = connector.upsert(lead(2));
    await arrived(hs, '/contacts/batch/read');
    release.go();
    const [batched, alone] = await Promise.all([running, single]);
    assert.deepEqual(value(alone), value(nth(batched, 1)));
    assert.equal(hs.state.list('contacts').length, 2);
    assert.equal(hs.state.list('notes').length, 2);
  });

  it('admits a first batch of leads and cases in a fresh process that reads no account details', async () => {
    // Before any answer states the limits only a few calls go out (limiter.ts): the batch must not ask for more.
    const connector = connectorFor(hs, {
      HUBSPOT_PORTAL_ID: '123',
      HUBSPOT_UI_DOMAIN: 'app.hubspot.com',
      HUBSPOT_TICKET_PIPELINE: '0',
      HUBSPOT_TICKET_STAGE: '1',
    });
    const out = await batchCall(connector)([lead(1), caseOf(2)]);
    assert.ok(
      out.every((o) => o.ok),
      JSON.stringify(out),
    );
  });

  it('the emulator refuses more than 100 inputs and a value twice, so the connector splits', async () => {
    const res = await fetch(`${hs.url}/crm/objects/2026-09/contacts/batch/read`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hs.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: Array.from({ length: 101 }, (_, n) => ({ id: String(n) })) }),
    });
    assert.equal(res.status, 400);
    const dup = await fetch(`${hs.url}/crm/objects/2026-09/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hs.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          { id: 'a@example.com', idProperty: 'email', properties: {} },
          { id: 'a@example.com', idProperty: 'email', properties: {} },
        ],
      }),
    });
    assert.equal(dup.status, 400);
    assert.match(await dup.text(), /Duplicate IDs found in batch input/);

    hs.requests.length = 0;
    const out = records(await batchCall(connectorFor(hs))(batchOf(150, lead)));
    assert.equal(out.length, 150);
    assert.equal(hs.state.list('contacts').length, 150);
    assert.ok(hs.requests.every((r) => r.status < 400));
    assert.equal(apiCalls(hs.requests), 6);
  });
});
