/** The Connector contract for Salesforce: jsforce against the emulator, over real sockets. */
import { conversation, uniqueId } from '../../support/conversations';
import { connectorContract } from '../connector.contract';
import { connectorFor, sandbox } from './support';

connectorContract('salesforce', async () => {
  const { emulator, connector, env } = await sandbox();
  let first: typeof connector | undefined = connector;
  return {
    // The sandbox's own connector first, then fresh ones on the same org.
    connect: () => {
      const next = first ?? connectorFor(env);
      first = undefined;
      return next;
    },
    inventory: async () =>
      Object.fromEntries(['Lead', 'Case', 'Contact', 'Task'].map((type) => [type, emulator.state.all(type).length] as const)),
    withoutCredentials: {
      connect: () => connectorFor({ ...env, SALESFORCE_CLIENT_SECRET: 'nope' }),
      item: 'login',
      detail: /invalid_client/,
    },
    failures: {
      // Salesforce's REST API says "too many" with 403 REQUEST_LIMIT_EXCEEDED and no Retry-After
      // (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
      rateLimited: { inject: () => emulator.faults.inject({ kind: 'limit' }), status: 403 },
      unavailable: { inject: () => emulator.faults.inject({ kind: 'status', status: 503 }) },
      // 401 even to a fresh session: the connector refreshes once, then gives up.
      unauthorized: {
        inject: () => {
          emulator.faults.rejectSessions = true;
        },
        names: /API Enabled/,
      },
      // No 409 on Salesforce's create: the org's duplicate rule refuses it (DUPLICATES_DETECTED), naming the Lead it matched
      // (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
      conflictOnCreate: {
        arrange: (c) => {
          emulator.state.duplicateRules = true;
          // Matched by phone: a Lead with the visitor's email the connector finds itself, before any create.
          const lead = emulator.state.seed('Lead', {
            LastName: 'Same',
            Company: 'Phone Co',
            Phone: '+1 (555) 010-0200',
            IsConverted: false,
          });
          return { existing: lead.Id, chat: { ...c, visitor: { ...c.visitor, phone: '15550100200' } } };
        },
      },
      refusedRecord: {
        arrange: () => {
          // A City this org's Lead cannot hold (STRING_TOO_LONG): only the record that has one is refused.
          emulator.state.schema.get('Lead')?.fields.set('City', { name: 'City', label: 'City', type: 'string', length: 3 });
          return { action: 'lead', conversation: conversation({ id: uniqueId('refused'), visitor: { name: 'Far Away', city: 'Lisbon' } }) };
        },
      },
    },
    stop: () => emulator.close(),
  };
});
