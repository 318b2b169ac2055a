import assert from 'node:assert/strict';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { conversation, message } from '../../support/conversations';
import { connectorFor, sequentialDepth, signatures, untilDone, value } from './helpers';

describe('HubSpot connector: leads', () => {
  let hs: HubspotEmulator;
  beforeEach(async () => {
    hs = await startHubspotEmulator({ latencyMs: 15 });
  });
  afterEach(() => hs.close());

  const notesOf = (contactId: string) => hs.state.associations('contacts', contactId, 'notes').map((a) => a.id);

  it('creates a lead contact with the transcript note attached, in exactly two calls', async () => {
    const record = value(await connectorFor(hs).upsert({ action: 'lead', conversation: conversation() }));

    const [contact, ...others] = hs.state.list('contacts');
    assert.ok(contact !== undefined && others.length === 0);
    assert.equal(record.id, contact.id);
    assert.equal(record.type, 'contact');
    assert.equal(record.url, `https://app.hubspot.com/contacts/${hs.portalId}/record/0-1/${contact.id}`);
    assert.deepEqual(
      {
        email: contact.properties.email,
        firstname: contact.properties.firstname,
        lastname: contact.properties.lastname,
        lifecyclestage: contact.properties.lifecyclestage,
        city: contact.properties.city,
        company: contact.properties.company,
      },
      {
        email: 'ada@example.com',
        firstname: 'Ada',
        lastname: 'Lovelace',
        lifecyclestage: 'lead',
        city: 'London',
        company: 'Analytical Engines',
      },
    );
    const [note] = hs.state.list('notes');
    assert.ok(note !== undefined);
    assert.deepEqual(notesOf(contact.id), [note.id]);
    assert.deepEqual(record.refs, { contact: contact.id, note: note.id });
    assert.match(note.properties.hs_note_body ?? '', /Hello, I would like a quote for 20 seats/);
    assert.match(note.properties.hs_note_body ?? '', /2026-11-22 15:00:00 UTC/);
    assert.match(note.properties.hs_note_body ?? '', /Grace \(support\)/);

    const api = hs.requests.filter((r) => r.path !== '/account-info/2026-09/details');
    assert.deepEqual(signatures(api), ['POST /crm/objects/2026-09/contacts', 'POST /crm/objects/2026-09/notes']);
    assert.deepEqual(
      api.map((r) => r.status),
      [201, 201],
    );
    assert.equal(sequentialDepth(hs.requests), 2);
  });

  it('updates the same contact and note on a repeat, in two round trips and with no new objects', async () => {
    const connector = connectorFor(hs);
    const first = value(await connector.upsert({ action: 'lead', conversation: conversation() }));
    hs.requests.length = 0;

    const longer = conversation({
      messages: [
        message(0, 'visitor', 'Hello, I would like a quote for 20 seats'),
        message(1),
        message(2),
        message(3, 'visitor', 'Thanks, bye'),
      ],
    });
    const again = value(await connector.upsert({ action: 'lead', conversation: longer, previous: first }));

    assert.deepEqual(again, first);
    assert.equal(hs.state.list('contacts').length, 1);
    assert.equal(hs.state.list('notes').length, 1);
    assert.match(hs.state.list('notes')[0]?.properties.hs_note_body ?? '', /Thanks, bye/);
    assert.equal(hs.requests.filter((r) => r.method === 'POST').length, 0, 'a repeat creates nothing');
    assert.deepEqual(signatures(hs.requests), [
      `GET /crm/objects/2026-09/contacts/${first.id}`,
      `PATCH /crm/objects/2026-09/notes/${first.refs.note ?? ''}`,
    ]);
    assert.equal(sequentialDepth(hs.requests), 2);
  });

  it('finds its contact and note again when the previous record was lost', async () => {
    const first = value(await connectorFor(hs).upsert({ action: 'lead', conversation: conversation() }));
    const longer = conversation({ messages: [message(0), message(1), message(2), message(3, 'visitor', 'One more thing')] });
    hs.requests.length = 0;

    const again = value(await connectorFor(hs).upsert({ action: 'lead', conversation: longer }));

    assert.deepEqual(again.refs, first.refs);
    assert.equal(hs.state.list('contacts').length, 1);
    assert.equal(hs.state.list('notes').length, 1);
    assert.match(hs.state.list('notes')[0]?.properties.hs_note_body ?? '', /One more thing/);
    assert.deepEqual(
      signatures(hs.requests).filter((r) => !r.includes('/account-info/')),
      [
        'POST /crm/objects/2026-09/contacts',
        `GET /crm/objects/2026-09/contacts/${first.id}`,
        'POST /crm/objects/2026-09/notes/batch/read',
        `PATCH /crm/objects/2026-09/notes/${first.refs.note ?? ''}`,
      ],
      'the refused create names the contact; its notes are searched for ours',
    );
  });

  it('makes a lead of a chat with no line yet in one call, and its note with the first delivery that has lines', async () => {
    const connector = connectorFor(hs);
    const started = value(await connector.upsert({ action: 'lead', conversation: conversation({ messages: [] }) }));
    assert.deepEqual(
      signatures(hs.requests).filter((r) => !r.includes('/account-info/')),
      ['POST /crm/objects/2026-09/contacts'],
    );
    assert.deepEqual(started.refs, { contact: started.id });
    assert.equal(hs.state.list('notes').length, 0, 'no empty transcript note');

    hs.requests.length = 0;
    const stillQuiet = value(await connector.upsert({ action: 'lead', conversation: conversation({ messages: [] }), previous: started }));
    assert.deepEqual(stillQuiet.refs, { contact: started.id });
    assert.equal(hs.state.list('notes').length, 0);

    hs.requests.length = 0;
    const talked = value(await connector.upsert({ action: 'lead', conversation: conversation(), previous: stillQuiet }));
    const [note, ...others] = hs.state.list('notes');
    assert.ok(note !== undefined && others.length === 0);
    assert.deepEqual(talked.refs, { contact: started.id, note: note.id });
    assert.deepEqual(notesOf(started.id), [note.id]);
    assert.match(note.properties.hs_note_body ?? '', /Hello, I would like a quote for 20 seats/);
    assert.deepEqual(signatures(hs.requests), [`GET /crm/objects/2026-09/contacts/${started.id}`, 'POST /crm/objects/2026-09/notes']);
  });

  it('keys a lead without an email by chat_conversation_id, and reuses it', async () => {
    const anonymous = conversation({ id: 'anon-7', visitor: { name: 'Visitor 42', phone: '+1 555 0100' } });
    const first = value(await connectorFor(hs).upsert({ action: 'lead', conversation: anonymous }));
    assert.deepEqual(
      signatures(hs.requests).filter((r) => !r.includes('/account-info/')),
      ['POST /crm/objects/2026-09/contacts', 'POST /crm/objects/2026-09/notes'],
    );
    const again = value(await connectorFor(hs).upsert({ action: 'lead', conversation: anonymous }));

    const [contact] = hs.state.list('contacts');
    assert.equal(hs.state.list('contacts').length, 1);
    assert.equal(contact?.properties.chat_conversation_id, 'anon-7');
    assert.equal(contact?.properties.email, undefined);
    assert.equal(contact?.properties.phone, '+1 555 0100');
    assert.deepEqual(again.refs, first.refs);
    assert.equal(hs.state.list('notes').length, 1);
  });

  it('gives a visitor with neither name nor email a contact HubSpot accepts', async () => {
    const record = value(await connectorFor(hs).upsert({ action: 'lead', conversation: conversation({ id: 'nobody', visitor: {} }) }));
    assert.equal(hs.state.objects.contacts.get(record.id)?.properties.firstname, 'Chat visitor');
  });

  it('reuses a contact that exists by email, filling only its blank fields, and then keeps one note', async () => {
    const existing = hs.state.create('contacts', { email: 'Ada@Example.com', firstname: 'Augusta', lifecyclestage: 'customer' });
    const theirs = hs.state.create('notes', { hs_note_body: 'Called about an invoice', hs_timestamp: '2026-01-01T00:00:00.000Z' }, [
      { toType: 'contacts', toId: existing.id, typeId: 202 },
    ]);

    const record = value(await connectorFor(hs).upsert({ action: 'lead', conversation: conversation() }));

    assert.equal(record.id, existing.id);
    assert.equal(hs.state.list('contacts').length, 1);
    assert.equal(existing.properties.firstname, 'Augusta', 'a name HubSpot has is kept');
    assert.equal(existing.properties.lifecyclestage, 'customer', 'a lifecycle stage is never moved back');
    assert.equal(existing.properties.lastname, 'Lovelace', 'a blank field is filled');
    assert.equal(existing.properties.phone, '+44 20 7946 0000');
    assert.equal(theirs.properties.hs_note_body, 'Called about an invoice', "someone else's note is left alone");
    assert.equal(notesOf(existing.id).length, 2);

    const longer = conversation({ messages: [message(0), message(1), message(2), message(3, 'visitor', 'Still there?')] });
    const lost = value(await connectorFor(hs).upsert({ action: 'lead', conversation: longer }));
    const again = value(await connectorFor(hs).upsert({ action: 'lead', conversation: longer, previous: record }));
    assert.deepEqual([lost.refs, again.refs], [record.refs, record.refs]);
    assert.equal(notesOf(existing.id).length, 2, 'our note is updated, with or without the previous record');
    assert.match(hs.state.objects.notes.get(record.refs.note ?? '')?.properties.hs_note_body ?? '', /Still there\?/);
  });

  it('makes one contact and one note from concurrent copies of the same delivery', async () => {
    const connector = connectorFor(hs);
    const results = await Promise.all([1, 2, 3].map(() => connector.upsert({ action: 'lead', conversation: conversation() })));

    const ids = results.map((r) => value(r).refs);
    assert.equal(hs.state.list('contacts').length, 1);
    assert.equal(hs.state.list('notes').length, 1);
    assert.deepEqual(ids[1], ids[0]);
    assert.deepEqual(ids[2], ids[0]);
  });

  it('keeps the note within 65,536 characters with the start and end of a long chat', async () => {
    const messages = Array.from({ length: 400 }, (_, i) =>
      message(i, i % 2 === 0 ? 'visitor' : 'operator', `${i === 0 ? 'FIRST LINE ' : i === 399 ? 'LAST LINE ' : ''}${'x'.repeat(300)}`),
    );
    value(await connectorFor(hs).upsert({ action: 'lead', conversation: conversation({ messages }) }));

    const body = hs.state.list('notes')[0]?.properties.hs_note_body ?? '';
    assert.ok(body.length <= 65_536 && body.length > 60_000, `length ${body.length}`);
    assert.match(body, /FIRST LINE/);
    assert.match(body, /LAST LINE/);
    assert.match(body, /transcript shortened/);
  });

  it('finds a person by email with a record link, and nothing for an unknown email', async () => {
    const existing = hs.state.create('contacts', { email: 'known@example.com' });
    const connector = connectorFor(hs);

    assert.deepEqual(value(await connector.findPerson('Known@Example.com')), {
      type: 'contact',
      id: existing.id,
      url: `https://app.hubspot.com/contacts/${hs.portalId}/record/0-1/${existing.id}`,
    });
    assert.equal(value(await connector.findPerson('nobody@example.com')), undefined);
    const named = hs.state.create('contacts', {
      email: 'named@example.com',
      firstname: 'Ada',
      lastname: 'Lovelace',
      company: 'Analytical Engines',
    });
    assert.deepEqual(value(await connector.findPerson('named@example.com')), {
      type: 'contact',
      id: named.id,
      url: `https://app.hubspot.com/contacts/${hs.portalId}/record/0-1/${named.id}`,
      name: 'Ada Lovelace',
      company: 'Analytical Engines',
    });
  });
});

describe('HubSpot connector: a burst against the rate limit', () => {
  let hs: HubspotEmulator;
  beforeEach(async () => {
    hs = await startHubspotEmulator({ latencyMs: 5, rateLimit: { max: 20, windowMs: 1000 } });
  });
  afterEach(() => hs.close());

  it('delivers 60 new leads with no 429, two calls each, by coming back after retryAfterMs', async () => {
    const connector = connectorFor(hs);
    const leads = Array.from({ length: 60 }, (_, i) =>
      conversation({ id: `burst-${i}`, visitor: { name: `Visitor ${i}`, email: `v${i}@example.com` } }),
    );

    const results = await Promise.all(leads.map((c) => untilDone(() => connector.upsert({ action: 'lead', conversation: c }), 100)));

    for (const { outcome, attempts } of results) {
      value(outcome);
      for (const a of attempts.slice(0, -1)) assert.equal(a.ok ? 'ok' : a.failure.code, 'CRM_RATE_LIMITED');
    }
    assert.deepEqual(
      hs.requests.filter((r) => r.status === 429),
      [],
    );
    assert.deepEqual([hs.state.list('contacts').length, hs.state.list('notes').length], [60, 60]);
    const crmCalls = hs.requests.filter((r) => r.path !== '/account-info/2026-09/details');
    assert.equal(crmCalls.length, 120, 'two calls per lead, none wasted');
  });
});
