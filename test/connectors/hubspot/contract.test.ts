/** The Connector contract for HubSpot: the real @hubspot/api-client against the emulator, over real sockets. */
import { startHubspotEmulator } from '../../emulators/hubspot';
import { connectorContract } from '../connector.contract';
import { conversation, uniqueId } from '../../support/conversations';
import { connectorFor } from './helpers';

connectorContract('hubspot', async () => {
  const hs = await startHubspotEmulator();
  const contacts = /^POST \/crm\/objects\/2026-09\/contacts$/;
  return {
    connect: () => connectorFor(hs),
    inventory: async () => ({
      contacts: hs.state.list('contacts').length,
      tickets: hs.state.list('tickets').length,
      notes: hs.state.list('notes').length,
    }),
    withoutCredentials: {
      connect: () => connectorFor(hs, { HUBSPOT_ACCESS_TOKEN: 'pat-wrong' }),
      item: 'access token',
      detail: /HUBSPOT_ACCESS_TOKEN/,
    },
    failures: {
      rateLimited: {
        inject: () => hs.faults.inject({ status: 429, retryAfterSeconds: 1, match: contacts }),
        status: 429,
        retryAfterMs: 1000,
      },
      // On the note, after the contact was made: the retry must reuse that contact.
      unavailable: { inject: () => hs.faults.inject({ status: 502, match: /^POST \/crm\/objects\/2026-09\/notes$/ }) },
      unauthorized: { inject: () => hs.faults.revokeToken(), names: /HUBSPOT_ACCESS_TOKEN/ },
      // HubSpot itself answers the create of a contact whose email it has with 409 "Contact already exists. Existing ID: …".
      conflictOnCreate: {
        arrange: (chat) => ({ existing: hs.state.create('contacts', { email: chat.visitor.email ?? '', firstname: 'Augusta' }).id, chat }),
      },
      refusedRecord: {
        arrange: () => ({
          action: 'lead',
          conversation: conversation({ id: uniqueId('refused'), visitor: { name: 'Bad Email', email: 'not-an-email@' } }),
        }),
      },
    },
    stop: () => hs.close(),
  };
});
