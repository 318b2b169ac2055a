/**
 * The built-in CRM: records kept in the service's own database and shown at
 * `PUBLIC_URL/records/:id`. Lets a team try chat2crm with no CRM account.
 */
import * as t from 'io-ts';
import { defineConnector, type Connector, type ConnectorDeps } from '../../src/domain/connector';
import { succeed } from '../../src/domain/outcome';
import { visitorLabel } from '../../src/domain/conversation';

export const recordUrl = (publicUrl: string, id: string): string => `${publicUrl}/records/${encodeURIComponent(id)}`;

export const createLocalConnector = (deps: ConnectorDeps): Connector => ({
  name: 'local',
  async upsert({ action, conversation, previous }) {
    const key = `${conversation.source}:${conversation.id}`;
    const change =
      previous === undefined
        ? `${action} created for ${visitorLabel(conversation.visitor)} with ${conversation.messages.length} message(s)`
        : `transcript updated: ${conversation.messages.length} message(s)`;
    const record = await deps.localRecords.upsertLocalRecord({ conversationKey: key, action, conversation, change });
    return succeed({ crm: 'local', action, type: action, id: record.id, url: recordUrl(deps.publicUrl, record.id), refs: {} });
  },
  async findPerson(email) {
    const record = await deps.localRecords.findLocalRecordByEmail(email);
    return succeed(record === undefined ? undefined : { type: record.action, id: record.id, url: recordUrl(deps.publicUrl, record.id) });
  },
  async check() {
    return { ok: true, items: [{ name: 'local CRM', ok: true, detail: `records are kept in the service's database and shown at ${deps.publicUrl}/records/:id` }] };
  },
});

/** The local CRM has no settings of its own. */
export const localConnector = defineConnector('local', t.unknown, async () => (_config: unknown, deps: ConnectorDeps) => createLocalConnector(deps));
