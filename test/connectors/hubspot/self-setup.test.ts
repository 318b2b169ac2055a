import assert from 'node:assert/strict';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { conversation } from '../../support/conversations';
import { connectorFor, value } from './helpers';

describe('HubSpot connector: a portal where npm run setup never ran', () => {
  let emulator: HubspotEmulator;
  beforeEach(async () => {
    emulator = await startHubspotEmulator({ customProperties: false });
  });
  afterEach(() => emulator.close());

  it('creates the chat_conversation_id properties once, then delivers a case and an email-less lead', async () => {
    const connector = connectorFor(emulator);
    const ticket = value(await connector.upsert({ action: 'case', conversation: conversation({ id: 'c-setup-1' }) }));
    assert.equal(ticket.type, 'ticket');
    const lead = value(
      await connector.upsert({ action: 'lead', conversation: conversation({ id: 'c-setup-2', visitor: { name: 'No Email' } }) }),
    );
    assert.equal(lead.type, 'contact');
    const propertyPosts = emulator.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/crm/properties/2026-09/'));
    assert.equal(propertyPosts.length, 2, 'contacts and tickets, each created once');
    assert.equal(emulator.state.getProperty('tickets', 'chat_conversation_id').hasUniqueValue, true);
    assert.equal(emulator.state.getProperty('contacts', 'chat_conversation_id').hasUniqueValue, true);
  });

  it('still reports a clear permanent error when the token may not create properties', async () => {
    await emulator.close();
    emulator = await startHubspotEmulator({
      customProperties: false,
      scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'tickets'],
    });
    const connector = connectorFor(emulator);
    const outcome = await connector.upsert({ action: 'case', conversation: conversation({ id: 'c-setup-3' }) });
    assert.ok(!outcome.ok);
    assert.equal(outcome.failure.kind, 'permanent');
    assert.match(outcome.failure.message, /chat_conversation_id/);
    assert.match(outcome.failure.message, /npm run setup/);
  });
});
