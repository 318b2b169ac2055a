/**
 * Salesforce: a conversation becomes a Lead or a Case upserted by the external-id field, plus one
 * completed Task holding the transcript. Each upsert is two composite round trips: one that reads
 * (the record by external id, the Task, people with the visitor's email), one that writes (or,
 * where `/composite` is not served, the same subrequests one by one: client.ts). Batches of up to
 * 200 conversations take three calls with sObject Collections (batch.ts).
 * Setup and behaviour: README.md beside this file.
 */
import * as t from 'io-ts';
import type { Connector, ConnectorDeps, UpsertInput } from '../../src/domain/connector';
import type { Conversation } from '../../src/domain/conversation';
import type { Action } from '../../src/domain/event';
import { fail, succeed, type Outcome } from '../../src/domain/outcome';
import type { CrmPerson, CrmRecord } from '../../src/domain/record';
import { createSalesforceClient, type Subrequest, type SubResult } from './client';
import { checkOrg } from './checks';
import type { SalesforceConfig } from './config';
import type { MappedFields } from '../../src/domain/mapping';
import { extraSelect, mappedFieldFailure, mappedFor, mappedWrite } from './mapped';
import { NO_AUTO_ASSIGN, createOwners, ownerWanted } from './owner';
import { configurationNotices } from './notices';
import { SALESFORCE_BATCH_LIMIT, createBatchUpsert } from './batch';
import {
  ApiErrors,
  CASE_SELECT,
  LEAD_SELECT,
  QueryResult,
  duplicateMatch,
  fromSalesforceError,
  recordUrl,
  soqlString,
  taskSubject,
  toCaseFields,
  toLeadFields,
  toLeadUpdate,
  toTaskFields,
  transcriptDescription,
  type Fields,
  type SalesforceError,
} from './mappers';

type Row = Readonly<Record<string, unknown>>;
const str = (row: Row | undefined, field: string): string | undefined => {
  const value = row?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const isArray = (u: unknown): u is readonly unknown[] => Array.isArray(u);

/** The first real error of a composite answer (not the PROCESSING_HALTED echoes of a rollback), with its raw object. */
const firstError = (results: readonly SubResult[]): { error: SalesforceError; raw: unknown; referenceId: string } | undefined => {
  for (const r of results) {
    if (r.status < 400 && r.status !== 300) continue;
    if (r.status === 300)
      return {
        error: { errorCode: 'MULTIPLE_CHOICES', message: 'several records match', status: 300 },
        raw: r.body,
        referenceId: r.referenceId,
      };
    const decoded = ApiErrors.decode(r.body);
    const first = decoded._tag === 'Right' ? decoded.right.find((e) => e.errorCode !== 'PROCESSING_HALTED') : undefined;
    const raw = isArray(r.body)
      ? r.body.find((e: unknown) => ApiErrors.is([e]) && !t.type({ errorCode: t.literal('PROCESSING_HALTED') }).is(e))
      : undefined;
    if (first !== undefined) return { error: { ...first, status: r.status }, raw, referenceId: r.referenceId };
  }
  return undefined;
};

const rows = (results: readonly SubResult[], referenceId: string): readonly Row[] => {
  const hit = results.find((r) => r.referenceId === referenceId);
  if (hit === undefined || hit.status >= 400) return [];
  const decoded = QueryResult.decode(hit.body);
  if (decoded._tag === 'Left') throw new Error(`Salesforce query answer "${referenceId}" has an unexpected shape`);
  return decoded.right.records;
};

/** The person an earlier delivery logged on instead of creating a Lead: stays the same even if the email changes. */
const reusablePerson = (previous: CrmRecord | undefined): Person | undefined => {
  const id = previous?.refs['personId'];
  if (id === undefined || previous === undefined) return undefined;
  return previous.type === 'Contact' || previous.type === 'Lead' ? { type: previous.type, id } : undefined;
};

type Person = { readonly type: 'Lead' | 'Contact'; readonly id: string };
const person = (type: Person['type'], row: Row | undefined): Person | undefined => {
  const id = str(row, 'Id');
  return id === undefined ? undefined : { type, id };
};

const idOf = (results: readonly SubResult[], referenceId: string): string | undefined => {
  const body = results.find((r) => r.referenceId === referenceId)?.body;
  return t.type({ id: t.string }).is(body) ? body.id : undefined;
};

export const createSalesforceConnector = (config: SalesforceConfig, deps: ConnectorDeps): Connector => {
  const log = deps.log.child({ connector: 'salesforce' });
  // Once per process: the connector is made once at start (and once by `npm run setup`).
  for (const notice of configurationNotices(config)) log.warn({ grant: config.grant.kind }, notice);
  const client = createSalesforceClient(config, { log });
  const owners = createOwners(log);
  const ext = config.externalIdField;
  const query = (soql: string) => `/query?q=${encodeURIComponent(soql)}`;
  const get = (referenceId: string, soql: string): Subrequest => ({ method: 'GET', url: query(soql), referenceId });
  // jsforce joins an upsert's external-id value into the path raw (lib/sobject.js upsert); we encode it ourselves.
  const upsertPath = (type: string, conversation: Conversation) => `/sobjects/${type}/${ext}/${encodeURIComponent(conversation.id)}`;

  const link = async (type: string, id: string): Promise<string> => {
    const session = await client.session();
    return recordUrl(config.recordUrlBase ?? (session.ok ? session.value.instanceUrl : config.loginUrl), type, id);
  };
  const record = async (
    action: Action,
    type: 'Lead' | 'Contact' | 'Case',
    id: string,
    refs: Record<string, string | undefined>,
  ): Promise<Outcome<CrmRecord>> =>
    succeed({
      crm: 'salesforce',
      action,
      type,
      id,
      url: await link(type, id),
      refs: Object.fromEntries(Object.entries(refs).filter((e): e is [string, string] => e[1] !== undefined)),
    });

  /** Create or update the transcript Task; `who`/`what` may be composite references such as `@{lead.id}`. */
  const taskWrite = (
    action: Action,
    conversation: Conversation,
    taskId: string | undefined,
    who: { whoId?: string; whatId?: string },
  ): Subrequest =>
    taskId === undefined
      ? { method: 'POST', url: '/sobjects/Task', referenceId: 'task', body: toTaskFields(action, conversation, who) }
      : {
          method: 'PATCH',
          url: `/sobjects/Task/${taskId}`,
          referenceId: 'task',
          body: {
            Description: transcriptDescription(conversation),
            ActivityDate: toTaskFields(action, conversation, {})['ActivityDate'] ?? null,
          },
        };

  /** A refusal of a mapped field names the field (mapped.ts); any other error is classified as always. */
  const failureOf = (
    error: SalesforceError,
    sobject: string,
    mapped?: { kind: 'lead' | 'case'; fields: Readonly<Record<string, string>> },
  ) =>
    (mapped === undefined || sobject === 'Task' ? undefined : mappedFieldFailure(error, sobject, mapped.kind, mapped.fields)) ??
    fromSalesforceError(error, sobject, config);

  /**
   * One composite request whose first failing subrequest becomes the outcome, named for its sObject.
   * The owner lookup may fail (a profile without read on User) without failing the delivery: no owner then.
   */
  const compositeOrFail = async (
    requests: readonly Subrequest[],
    allOrNone: boolean,
    sobject: string,
    sobjectOf: (referenceId: string) => string = () => sobject,
    mapped?: { kind: 'lead' | 'case'; fields: Readonly<Record<string, string>> },
  ): Promise<Outcome<readonly SubResult[]>> => {
    const answer = await client.composite(requests, allOrNone, sobject);
    if (!answer.ok) return answer;
    const failed = firstError(answer.value.filter((r) => allOrNone || r.referenceId !== 'owner'));
    return failed === undefined ? answer : fail(failureOf(failed.error, sobjectOf(failed.referenceId), mapped));
  };

  /**
   * The write of a Lead or Case. `Sforce-Auto-Assign: FALSE` when it sets OwnerId (only ever on
   * creation), so an active assignment rule does not replace it, and on every update of a record
   * that exists: without the header the REST API runs the active rules "for created or updated"
   * Leads and Cases, which would reassign a record sales may have reassigned by hand
   * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_autoassign.htm).
   * A creation without OwnerId sends no header: the org's rules assign it.
   */
  const recordWrite = (
    type: 'Lead' | 'Case',
    conversation: Conversation,
    referenceId: string,
    body: Fields,
    exists: boolean,
  ): Subrequest => ({
    method: 'PATCH',
    url: upsertPath(type, conversation),
    referenceId,
    body,
    ...(exists || typeof body['OwnerId'] === 'string' ? { headers: NO_AUTO_ASSIGN } : {}),
  });

  /** The transcript logged on a person we reuse instead of creating a Lead. */
  const logOnPerson = async (
    conversation: Conversation,
    target: Person,
    taskId: string | undefined,
    extra: Record<string, string | undefined>,
  ) => {
    const written = await compositeOrFail([taskWrite('lead', conversation, taskId, { whoId: target.id })], true, 'Task');
    if (!written.ok) return written;
    return record('lead', target.type, target.id, { ...extra, personId: target.id, taskId: idOf(written.value, 'task') ?? taskId });
  };

  const upsertLead = async (
    conversation: Conversation,
    previous: CrmRecord | undefined,
    mapping: MappedFields | undefined,
    again = false,
  ): Promise<Outcome<CrmRecord>> => {
    const email = conversation.visitor.email;
    const mapped = { kind: 'lead' as const, fields: mappedFor(mapping, 'lead') };
    const wanted = ownerWanted(mapping);
    const select = LEAD_SELECT;
    const read = await compositeOrFail(
      [
        get(
          'lead',
          `SELECT ${[...select, ...extraSelect(select, mapped.fields)].join(', ')} FROM Lead WHERE ${ext} = ${soqlString(conversation.id)} LIMIT 1`,
        ),
        get('task', `SELECT Id, WhoId FROM Task WHERE Subject = ${soqlString(taskSubject('lead', conversation))} LIMIT 1`),
        ...(email === undefined
          ? []
          : [
              get('contact', `SELECT Id FROM Contact WHERE Email = ${soqlString(email)} LIMIT 1`),
              get('person', `SELECT Id FROM Lead WHERE Email = ${soqlString(email)} AND IsConverted = false LIMIT 1`),
            ]),
        ...owners.reads(wanted),
      ],
      false,
      'Lead',
      undefined,
      mapped,
    );
    if (!read.ok) return read;
    const lead = rows(read.value, 'lead')[0];
    const taskId = str(rows(read.value, 'task')[0], 'Id');

    // Converted since the last delivery: the Contact it became carries the activity now.
    const convertedTo = lead?.['IsConverted'] === true ? str(lead, 'ConvertedContactId') : undefined;
    if (convertedTo !== undefined)
      return logOnPerson(conversation, { type: 'Contact', id: convertedTo }, taskId, { leadId: str(lead, 'Id') });

    if (lead === undefined) {
      const reused =
        reusablePerson(previous) ?? person('Contact', rows(read.value, 'contact')[0]) ?? person('Lead', rows(read.value, 'person')[0]);
      if (reused !== undefined) return logOnPerson(conversation, reused, taskId, {});
    }

    const owner = owners.resolve(wanted, read.value);
    const ownerId = lead === undefined ? owner : undefined;
    const fields: Fields =
      lead === undefined
        ? {
            ...toLeadFields(conversation, config),
            ...mappedWrite(mapped.fields, undefined, mapping?.overwrite ?? new Set()),
            ...(ownerId === undefined ? {} : { OwnerId: ownerId }),
          }
        : { ...toLeadUpdate(conversation, lead), ...mappedWrite(mapped.fields, lead, mapping?.overwrite ?? new Set()) };
    const written = await client.composite(
      [
        recordWrite('Lead', conversation, 'lead', fields, lead !== undefined),
        taskWrite('lead', conversation, taskId, { whoId: '@{lead.id}' }),
      ],
      true,
      'Lead',
    );
    if (!written.ok) return written;
    const failed = firstError(written.value);
    if (failed === undefined) {
      const leadId = idOf(written.value, 'lead') ?? str(lead, 'Id');
      if (leadId === undefined) throw new Error('Salesforce upsert answered without a Lead id');
      return record('lead', 'Lead', leadId, { leadId, taskId: idOf(written.value, 'task') ?? taskId });
    }
    const sobject = failed.referenceId === 'task' ? 'Task' : 'Lead';
    if (failed.error.errorCode === 'DUPLICATES_DETECTED') {
      // A duplicate rule matched someone our email lookup did not: that person gets the transcript.
      const match = duplicateMatch(failed.raw);
      log.info({ duplicateOf: match?.type }, 'duplicate rule matched an existing person');
      if (match !== undefined)
        return logOnPerson(conversation, { type: match.type === 'Contact' ? 'Contact' : 'Lead', id: match.id }, taskId, {});
    }
    if (failed.error.errorCode === 'CANNOT_UPDATE_CONVERTED_LEAD' && !again) return upsertLead(conversation, previous, mapping, true);
    return fail(failureOf(failed.error, sobject, mapped));
  };

  const upsertCase = async (conversation: Conversation, mapping: MappedFields | undefined): Promise<Outcome<CrmRecord>> => {
    const email = conversation.visitor.email;
    const mapped = { kind: 'case' as const, fields: mappedFor(mapping, 'case') };
    const overwrite = mapping?.overwrite ?? new Set<string>();
    const wanted = ownerWanted(mapping);
    const select = CASE_SELECT;
    const read = await compositeOrFail(
      [
        get(
          'case',
          `SELECT ${[...select, ...extraSelect(select, mapped.fields)].join(', ')} FROM Case WHERE ${ext} = ${soqlString(conversation.id)} LIMIT 1`,
        ),
        get('task', `SELECT Id FROM Task WHERE Subject = ${soqlString(taskSubject('case', conversation))} LIMIT 1`),
        ...(email === undefined ? [] : [get('contact', `SELECT Id, AccountId FROM Contact WHERE Email = ${soqlString(email)} LIMIT 1`)]),
        ...owners.reads(wanted),
      ],
      false,
      'Case',
      undefined,
      mapped,
    );
    if (!read.ok) return read;
    const existing = rows(read.value, 'case')[0];
    const taskId = str(rows(read.value, 'task')[0], 'Id');
    const contact = rows(read.value, 'contact')[0];
    const contactId = str(existing, 'ContactId') ?? str(contact, 'Id');
    // The Case goes with its Contact's Account (README.md, "Mapped fields, owner and company").
    const accountId = str(contact, 'Id') === contactId ? str(contact, 'AccountId') : undefined;
    const owner = owners.resolve(wanted, read.value);
    const ownerId = existing === undefined ? owner : undefined;
    const fields: Fields =
      existing === undefined
        ? {
            ...toCaseFields(conversation, config, contactId),
            ...(accountId === undefined ? {} : { AccountId: accountId }),
            ...mappedWrite(mapped.fields, undefined, overwrite),
            ...(ownerId === undefined ? {} : { OwnerId: ownerId }),
          }
        : {
            Description: transcriptDescription(conversation),
            ...(str(existing, 'ContactId') === undefined && contactId !== undefined ? { ContactId: contactId } : {}),
            ...(str(existing, 'AccountId') === undefined && accountId !== undefined ? { AccountId: accountId } : {}),
            ...mappedWrite(mapped.fields, existing, overwrite),
          };
    const written = await compositeOrFail(
      [
        recordWrite('Case', conversation, 'case', fields, existing !== undefined),
        taskWrite('case', conversation, taskId, { whatId: '@{case.id}', ...(contactId === undefined ? {} : { whoId: contactId }) }),
      ],
      true,
      'Case',
      (referenceId) => (referenceId === 'task' ? 'Task' : 'Case'),
      mapped,
    );
    if (!written.ok) return written;
    const caseId = idOf(written.value, 'case') ?? str(existing, 'Id');
    if (caseId === undefined) throw new Error('Salesforce upsert answered without a Case id');
    return record('case', 'Case', caseId, { caseId, contactId, taskId: idOf(written.value, 'task') ?? taskId });
  };

  const findPerson = async (email: string): Promise<Outcome<CrmPerson | undefined>> => {
    const read = await compositeOrFail(
      [
        get('contact', `SELECT Id FROM Contact WHERE Email = ${soqlString(email)} LIMIT 1`),
        get('lead', `SELECT Id FROM Lead WHERE Email = ${soqlString(email)} AND IsConverted = false LIMIT 1`),
      ],
      false,
      'Contact',
      (referenceId) => (referenceId === 'lead' ? 'Lead' : 'Contact'),
    );
    if (!read.ok) return read;
    const contact = str(rows(read.value, 'contact')[0], 'Id');
    const lead = str(rows(read.value, 'lead')[0], 'Id');
    if (contact !== undefined) return succeed({ type: 'Contact', id: contact, url: await link('Contact', contact) });
    if (lead !== undefined) return succeed({ type: 'Lead', id: lead, url: await link('Lead', lead) });
    return succeed(undefined);
  };

  const upsert = ({ action, conversation, previous, fields }: UpsertInput): Promise<Outcome<CrmRecord>> =>
    action === 'case' ? upsertCase(conversation, fields) : upsertLead(conversation, previous, fields);
  return {
    name: 'salesforce',
    upsert,
    upsertBatch: createBatchUpsert({ config, client, owners, record, single: upsert }),
    batchLimit: SALESFORCE_BATCH_LIMIT,
    findPerson,
    check: () => checkOrg(config, client, deps.mapping),
  };
};
