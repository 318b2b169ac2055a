/**
 * What one conversation of a batch needs written, decided from the batch's read exactly as the
 * single path (connector.ts) decides from its own: the same fields for a new record, blanks filled
 * and typed values kept on a repeat, mapped fields and the owner on creation only, a person reused
 * instead of a new Lead, a converted Lead followed to its Contact.
 */
import type { UpsertInput } from '../../src/domain/connector';
import type { MappedFields } from '../../src/domain/mapping';
import type { CrmRecord } from '../../src/domain/record';
import type { SalesforceConfig } from './config';
import { mappedFor, mappedWrite } from './mapped';
import { taskSubject, toCaseFields, toLeadFields, toLeadUpdate, transcriptDescription, type Fields } from './mappers';
import type { BatchView } from './batch-read';

type Row = Readonly<Record<string, unknown>>;
export type Refs = Record<string, string | undefined>;
type Person = { readonly type: 'Lead' | 'Contact'; readonly id: string };

export const str = (row: Row | undefined, field: string): string | undefined => {
  const value = row?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** What one conversation needs written, decided from the read exactly as the single path decides. */
export type Plan =
  | { readonly kind: 'person'; readonly target: Person; readonly refs: Refs; readonly taskId: string | undefined }
  | {
      readonly kind: 'lead' | 'case';
      readonly fields: Fields;
      /** Sent with `Sforce-Auto-Assign: FALSE`: an update, or a creation that sets OwnerId. */
      readonly keepOwner: boolean;
      readonly existingId: string | undefined;
      readonly contactId: string | undefined;
      readonly taskId: string | undefined;
    };

const reusablePerson = (previous: CrmRecord | undefined): Person | undefined => {
  const id = previous?.refs['personId'];
  if (id === undefined || previous === undefined) return undefined;
  return previous.type === 'Contact' || previous.type === 'Lead' ? { type: previous.type, id } : undefined;
};
const person = (type: Person['type'], row: Row | undefined): Person | undefined => {
  const id = str(row, 'Id');
  return id === undefined ? undefined : { type, id };
};

export const planLead = (
  config: Pick<SalesforceConfig, 'leadSource'>,
  input: UpsertInput,
  view: BatchView,
  ownerId: string | undefined,
): Plan => {
  const { conversation, previous } = input;
  const mapping: MappedFields | undefined = input.fields;
  const mapped = mappedFor(mapping, 'lead');
  const lead = view.leads.get(conversation.id);
  const taskId = str(view.tasks.get(taskSubject('lead', conversation).toLowerCase()), 'Id');
  const email = conversation.visitor.email?.toLowerCase();
  // Converted since the last delivery: the Contact it became carries the activity now.
  const convertedTo = lead?.['IsConverted'] === true ? str(lead, 'ConvertedContactId') : undefined;
  if (convertedTo !== undefined)
    return { kind: 'person', target: { type: 'Contact', id: convertedTo }, refs: { leadId: str(lead, 'Id') }, taskId };
  if (lead === undefined) {
    const reused =
      reusablePerson(previous) ??
      person('Contact', email === undefined ? undefined : view.contacts.get(email)) ??
      person('Lead', email === undefined ? undefined : view.people.get(email));
    if (reused !== undefined) return { kind: 'person', target: reused, refs: {}, taskId };
  }
  const overwrite = mapping?.overwrite ?? new Set<string>();
  const fields: Fields =
    lead === undefined
      ? {
          ...toLeadFields(conversation, config),
          ...mappedWrite(mapped, undefined, overwrite),
          ...(ownerId === undefined ? {} : { OwnerId: ownerId }),
        }
      : { ...toLeadUpdate(conversation, lead), ...mappedWrite(mapped, lead, overwrite) };
  return {
    kind: 'lead',
    fields,
    keepOwner: lead !== undefined || ownerId !== undefined,
    existingId: str(lead, 'Id'),
    contactId: undefined,
    taskId,
  };
};

export const planCase = (
  config: Pick<SalesforceConfig, 'caseOrigin'>,
  input: UpsertInput,
  view: BatchView,
  owner: string | undefined,
): Plan => {
  const { conversation } = input;
  const mapped = mappedFor(input.fields, 'case');
  const overwrite = input.fields?.overwrite ?? new Set<string>();
  const existing = view.cases.get(conversation.id);
  const taskId = str(view.tasks.get(taskSubject('case', conversation).toLowerCase()), 'Id');
  const email = conversation.visitor.email?.toLowerCase();
  const contact = email === undefined ? undefined : view.contacts.get(email);
  const contactId = str(existing, 'ContactId') ?? str(contact, 'Id');
  // The Case goes with its Contact's Account (README.md, "Mapped fields, owner and company").
  const accountId = str(contact, 'Id') === contactId ? str(contact, 'AccountId') : undefined;
  const ownerId = existing === undefined ? owner : undefined;
  const fields: Fields =
    existing === undefined
      ? {
          ...toCaseFields(conversation, config, contactId),
          ...(accountId === undefined ? {} : { AccountId: accountId }),
          ...mappedWrite(mapped, undefined, overwrite),
          ...(ownerId === undefined ? {} : { OwnerId: ownerId }),
        }
      : {
          Description: transcriptDescription(conversation),
          ...(str(existing, 'ContactId') === undefined && contactId !== undefined ? { ContactId: contactId } : {}),
          ...(str(existing, 'AccountId') === undefined && accountId !== undefined ? { AccountId: accountId } : {}),
          ...mappedWrite(mapped, existing, overwrite),
        };
  return {
    kind: 'case',
    fields,
    keepOwner: existing !== undefined || ownerId !== undefined,
    existingId: str(existing, 'Id'),
    contactId,
    taskId,
  };
};
