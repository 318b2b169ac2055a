import assert from 'node:assert/strict';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { conversation, message } from '../../support/conversations';
import { connectorFor, sequentialDepth, signatures, value } from './helpers';

describe('HubSpot connector: cases', () => {
  let hs: HubspotEmulator;
  beforeEach(async () => {
    hs = await startHubspotEmulator({ latencyMs: 15, uiDomain: 'app-eu1.hubspot.com' });
  });
  afterEach(() => hs.close());

  it('creates a ticket tied to the contact, with the transcript note, in three calls', async () => {
    const connector = connectorFor(hs);
    const record = value(await connector.upsert({ action: 'case', conversation: conversation({ id: 'case-1' }) }));

    const [ticket] = hs.state.list('tickets');
    const [contact] = hs.state.list('contacts');
    const [note] = hs.state.list('notes');
    assert.ok(ticket !== undefined && contact !== undefined && note !== undefined);
    assert.equal(hs.state.list('tickets').length, 1);
    assert.equal(record.type, 'ticket');
    assert.equal(record.id, ticket.id);
    assert.equal(record.url, `https://app-eu1.hubspot.com/contacts/${hs.portalId}/record/0-5/${ticket.id}`);
    assert.deepEqual(record.refs, { ticket: ticket.id, note: note.id, contact: contact.id });
    assert.equal(ticket.properties.subject, 'Ada Lovelace: Hello, I would like a quote for 20 seats');
    assert.equal(ticket.properties.hs_pipeline, '0');
    assert.equal(ticket.properties.hs_pipeline_stage, '1', "the default pipeline's first stage");
    assert.equal(ticket.properties.chat_conversation_id, 'case-1');
    assert.match(ticket.properties.content ?? '', /\[2026-11-22 15:00:00 UTC\] Ada Lovelace: Hello/);
    assert.deepEqual(
      hs.state.associations('tickets', ticket.id, 'contacts').map((a) => a.id),
      [contact.id],
    );
    assert.deepEqual(
      hs.state.associations('contacts', contact.id, 'tickets').map((a) => a.id),
      [ticket.id],
    );
    assert.deepEqual(
      hs.state.associations('notes', note.id, 'tickets').map((a) => a.typeIds),
      [[228]],
    );
    assert.deepEqual(
      hs.state.associations('notes', note.id, 'contacts').map((a) => a.typeIds),
      [[202]],
    );
    // The pipeline lookup and account details happen once per process, alongside the first call.
    assert.deepEqual(signatures(hs.requests.filter((r) => r.path.startsWith('/crm/objects/2026-09'))), [
      'POST /crm/objects/2026-09/contacts',
      'POST /crm/objects/2026-09/tickets',
      'POST /crm/objects/2026-09/notes',
    ]);
    assert.equal(hs.requests.filter((r) => r.path.includes('/associations/')).length, 0, 'the ticket is created tied to its contact');
    assert.equal(sequentialDepth(hs.requests), 3);
  });

  it('refreshes only the transcript on a repeat, in two round trips, leaving the stage an agent set', async () => {
    const connector = connectorFor(hs);
    const first = value(await connector.upsert({ action: 'case', conversation: conversation({ id: 'case-2' }) }));
    const ticket = hs.state.objects.tickets.get(first.id);
    assert.ok(ticket !== undefined);
    hs.state.update('tickets', ticket, { hs_pipeline_stage: '4', subject: 'Renamed by an agent' });
    hs.requests.length = 0;

    const longer = conversation({ id: 'case-2', messages: [message(0), message(1), message(2), message(3, 'visitor', 'It works now')] });
    const again = value(await connector.upsert({ action: 'case', conversation: longer, previous: first }));

    assert.deepEqual(again, first);
    assert.equal(ticket.properties.hs_pipeline_stage, '4');
    assert.equal(ticket.properties.subject, 'Renamed by an agent');
    assert.match(ticket.properties.content ?? '', /It works now/);
    assert.match(hs.state.list('notes')[0]?.properties.hs_note_body ?? '', /It works now/);
    assert.deepEqual([hs.state.list('tickets').length, hs.state.list('notes').length, hs.state.list('contacts').length], [1, 1, 1]);
    assert.equal(hs.requests.filter((r) => r.method === 'POST' || r.method === 'PUT').length, 0);
    assert.equal(hs.requests.length, 4);
    assert.equal(sequentialDepth(hs.requests), 2);
  });

  it('recovers the ticket and its note by chat_conversation_id when the previous record was lost', async () => {
    const first = value(await connectorFor(hs).upsert({ action: 'case', conversation: conversation({ id: 'case-3' }) }));
    const again = value(
      await connectorFor(hs).upsert({
        action: 'case',
        conversation: conversation({ id: 'case-3', messages: [message(0), message(1, 'visitor', 'Anyone?')] }),
      }),
    );
    assert.deepEqual(again.refs, first.refs);
    assert.deepEqual([hs.state.list('tickets').length, hs.state.list('notes').length, hs.state.list('contacts').length], [1, 1, 1]);
    assert.match(hs.state.objects.tickets.get(first.id)?.properties.content ?? '', /Anyone\?/);
    assert.match(hs.state.objects.notes.get(first.refs.note ?? '')?.properties.hs_note_body ?? '', /Anyone\?/);
  });

  it('ties an existing ticket to the contact when an earlier delivery stopped before the note', async () => {
    const contact = hs.state.create('contacts', { email: 'ada@example.com', firstname: 'Augusta' });
    const ticket = hs.state.create('tickets', {
      subject: 'Earlier',
      hs_pipeline: '0',
      hs_pipeline_stage: '2',
      chat_conversation_id: 'case-6',
    });

    const record = value(await connectorFor(hs).upsert({ action: 'case', conversation: conversation({ id: 'case-6' }) }));

    assert.deepEqual(record.refs, { ticket: ticket.id, contact: contact.id, note: hs.state.list('notes')[0]?.id });
    assert.deepEqual(
      hs.state.associations('tickets', ticket.id, 'contacts').map((a) => a.id),
      [contact.id],
    );
    assert.equal(contact.properties.firstname, 'Augusta');
    assert.equal(contact.properties.lastname, 'Lovelace');
    assert.equal(ticket.properties.hs_pipeline_stage, '2');
    assert.match(ticket.properties.content ?? '', /Hello, I would like a quote/);
    assert.deepEqual([hs.state.list('tickets').length, hs.state.list('notes').length, hs.state.list('contacts').length], [1, 1, 1]);
  });

  it('files a case without an email as a ticket with no contact', async () => {
    const record = value(
      await connectorFor(hs).upsert({ action: 'case', conversation: conversation({ id: 'case-4', visitor: { name: 'Anonymous' } }) }),
    );
    assert.equal(hs.state.list('contacts').length, 0);
    assert.deepEqual(signatures(hs.requests.filter((r) => r.path.startsWith('/crm/objects/2026-09'))), [
      'POST /crm/objects/2026-09/tickets',
      'POST /crm/objects/2026-09/notes',
    ]);
    assert.deepEqual(Object.keys(record.refs).sort(), ['note', 'ticket']);
  });

  it('uses the configured pipeline and stage without asking HubSpot for pipelines', async () => {
    const connector = connectorFor(hs, {
      HUBSPOT_TICKET_PIPELINE: '0',
      HUBSPOT_TICKET_STAGE: '3',
      HUBSPOT_PORTAL_ID: '99',
      HUBSPOT_UI_DOMAIN: 'app.hubspot.com',
    });
    const record = value(await connector.upsert({ action: 'case', conversation: conversation({ id: 'case-5' }) }));
    assert.equal(hs.state.objects.tickets.get(record.id)?.properties.hs_pipeline_stage, '3');
    assert.equal(record.url, `https://app.hubspot.com/contacts/99/record/0-5/${record.id}`);
    assert.deepEqual(
      hs.requests.filter((r) => r.path.startsWith('/crm/pipelines/2026-09') || r.path.startsWith('/account-info')),
      [],
    );
  });
});
