/**
 * The built-in CRM: records kept in the service's own database and shown at
 * `PUBLIC_URL/records/:id`. Lets a team try chat2crm with no CRM account. Like HubSpot and
 * Salesforce it knows a person by email: a returning visitor's conversations go to the lead it
 * already has (src/domain/local-records.ts).
 */
import { right } from 'fp-ts/Either';
import type { Connector, ConnectorDefinition, ConnectorDeps, UpsertInput } from '../../src/domain/connector';
import { conversationKey } from '../../src/domain/conversation-key';
import type { LocalDelivery, LocalFieldsUpdate, LocalRecordStore } from '../../src/domain/local-records';
import type { Action } from '../../src/domain/event';
import { kindsFor, type MappedFields } from '../../src/domain/mapping';
import { succeed } from '../../src/domain/outcome';
import { visitorLabel } from '../../src/domain/conversation';
import { plural } from '../../src/domain/plural';

export const recordUrl = (publicUrl: string, id: string): string => `${publicUrl}/records/${encodeURIComponent(id)}`;

/**
 * The mapped fields of the kinds this record holds: a lead its `lead` fields; a case its `case`
 * fields and, as the local CRM keeps no separate contact, the `contact` fields beside them.
 * The local CRM accepts any field name.
 */
const fieldsUpdate = (action: Action, fields: MappedFields): LocalFieldsUpdate => {
  const values: Record<string, Readonly<Record<string, string>>> = {};
  for (const kind of kindsFor(action)) values[kind] = fields[kind];
  return { values, overwrite: fields.overwrite };
};

/** `records`: the service's own database, where this CRM keeps its records (and, through `inStore`, writes them in the intake's transaction). */
export const createLocalConnector = (deps: ConnectorDeps, records: LocalRecordStore): Connector => {
  const inStore = ({ action, conversation, fields }: UpsertInput): LocalDelivery => {
    const key = conversationKey(conversation);
    const update = fields === undefined ? undefined : fieldsUpdate(action, fields);
    const messages = plural(conversation.messages.length, 'message');
    return {
      upsert: {
        conversationKey: key,
        action,
        conversation,
        change: {
          created: `${action} created for ${visitorLabel(conversation.visitor)} with ${messages}`,
          added: `conversation ${key} added, with ${messages}`,
          updated: `transcript of ${key} updated: ${messages}`,
        },
        ...(update === undefined ? {} : { fields: update }),
      },
      toRecord: (id) => ({ crm: 'local', action, type: action, id, url: recordUrl(deps.publicUrl, id), refs: {} }),
    };
  };
  return {
    name: 'local',
    inStore,
    async upsert(input) {
      const delivery = inStore(input);
      const record = await records.upsertLocalRecord(delivery.upsert);
      return succeed(delivery.toRecord(record.id));
    },
    async findPerson(email) {
      const record = await records.findLocalRecordByEmail(email);
      if (record === undefined) return succeed(undefined);
      const { name, company } = record.conversation.visitor;
      return succeed({
        type: record.action,
        id: record.id,
        url: recordUrl(deps.publicUrl, record.id),
        ...(name === undefined ? {} : { name }),
        ...(company === undefined ? {} : { company }),
      });
    },
    async check() {
      return {
        ok: true,
        items: [
          { name: 'local CRM', ok: true, detail: `records are kept in the service's database and shown at ${deps.publicUrl}/records/:id` },
        ],
      };
    },
  };
};

/** The local CRM has no settings of its own; of the connectors, only it is given the service's database. */
export const localConnector: ConnectorDefinition = {
  name: 'local',
  configure: () => right(async ({ localRecords, ...deps }) => createLocalConnector(deps, localRecords)),
};
