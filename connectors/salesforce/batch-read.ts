/**
 * The read of a batch: what the single path reads per conversation (the record by external id,
 * the transcript Task by its Subject, people with the visitor's email, the owner), as one
 * `IN (…)` query per kind for the whole batch, packed into composite requests of at most five
 * queries each ("Up to 5 of these subrequests can be sObject Collections or query operations":
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite_post.htm).
 * For a batch of 200 that is one composite call (two when Leads, Cases and an owner look-up all
 * need reading at once).
 */
import type { UpsertInput } from '../../src/domain/connector';
import type { CrmFailure } from '../../src/domain/outcome';
import type { SalesforceClient, Subrequest, SubResult } from './client';
import { extraSelect, mappedFor } from './mapped';
import { ApiErrors, CASE_SELECT, LEAD_SELECT, taskSubject, type SalesforceError } from './mappers';
import type { OwnerLookup } from './owner';
import { byField, inQueries, rowsOf } from './soql-in';

type Row = Readonly<Record<string, unknown>>;

const PER_COMPOSITE = 5;

/** What Salesforce holds for the batch, keyed the way the inputs find it. */
export interface BatchView {
  /** By external id (exact: the field is unique and case-sensitive). */
  readonly leads: ReadonlyMap<string, Row>;
  readonly cases: ReadonlyMap<string, Row>;
  /** By Task Subject, lower-cased (SOQL compares text case-insensitively). */
  readonly tasks: ReadonlyMap<string, Row>;
  /** By email, lower-cased. */
  readonly contacts: ReadonlyMap<string, Row>;
  /** Open (not converted) Leads, by email lower-cased. */
  readonly people: ReadonlyMap<string, Row>;
  /** The raw answers, for the owner look-up. */
  readonly results: readonly SubResult[];
}

/** A query that failed, with the sObject it read. */
export interface ReadFailure {
  readonly error: SalesforceError;
  readonly sobject: string;
}

const SOBJECT_OF: Readonly<Record<string, string>> = { lead: 'Lead', person: 'Lead', case: 'Case', task: 'Task', contact: 'Contact' };

const firstError = (results: readonly SubResult[]): ReadFailure | undefined => {
  for (const r of results) {
    if (r.status < 400 || r.referenceId.startsWith('owners_')) continue;
    const decoded = ApiErrors.decode(r.body);
    const first = decoded._tag === 'Right' ? decoded.right.find((e) => e.errorCode !== 'PROCESSING_HALTED') : undefined;
    const error = first ?? { errorCode: `ERROR_HTTP_${r.status}`, message: `HTTP ${r.status}` };
    return { error: { ...error, status: r.status }, sobject: SOBJECT_OF[r.referenceId.split('_')[0] ?? ''] ?? 'Lead' };
  }
  return undefined;
};

/** The batch's view; a whole call that failed (every input fails with it); or a query Salesforce refused. */
export type ReadAnswer =
  | ({ readonly kind: 'view' } & BatchView)
  | { readonly kind: 'failed'; readonly failure: CrmFailure }
  | { readonly kind: 'refused'; readonly read: ReadFailure };

export const readBatch = async (
  client: SalesforceClient,
  ext: string,
  inputs: readonly UpsertInput[],
  owners: OwnerLookup,
): Promise<ReadAnswer> => {
  const leads = inputs.filter((i) => i.action !== 'case');
  const cases = inputs.filter((i) => i.action === 'case');
  const emailsOf = (list: readonly UpsertInput[]) =>
    list.flatMap((i) => (i.conversation.visitor.email === undefined ? [] : [i.conversation.visitor.email]));
  const columns = (base: readonly string[], kind: 'lead' | 'case', list: readonly UpsertInput[]) => {
    const withExt = [...base, ext];
    const mapped = Object.fromEntries(list.flatMap((i) => Object.entries(mappedFor(i.fields, kind))));
    return [
      ...withExt.filter((c, n) => withExt.findIndex((d) => d.toLowerCase() === c.toLowerCase()) === n),
      ...extraSelect(withExt, mapped),
    ].join(', ');
  };
  const inUri = client.sendsOneByOne();
  const queries: Subrequest[] = [
    ...inQueries(
      'lead',
      `SELECT ${columns(LEAD_SELECT, 'lead', leads)} FROM Lead WHERE`,
      ext,
      leads.map((i) => i.conversation.id),
      inUri,
    ),
    ...inQueries(
      'case',
      `SELECT ${columns(CASE_SELECT, 'case', cases)} FROM Case WHERE`,
      ext,
      cases.map((i) => i.conversation.id),
      inUri,
    ),
    ...inQueries(
      'task',
      'SELECT Id, WhoId, Subject FROM Task WHERE',
      'Subject',
      inputs.map((i) => taskSubject(i.action, i.conversation)),
      inUri,
    ),
    ...inQueries('contact', 'SELECT Id, AccountId, Email FROM Contact WHERE', 'Email', emailsOf(inputs), inUri),
    ...inQueries('person', 'SELECT Id, Email FROM Lead WHERE IsConverted = false AND', 'Email', emailsOf(leads), inUri),
    ...owners.requests,
  ];
  const results: SubResult[] = [];
  for (let at = 0; at < queries.length; at += PER_COMPOSITE) {
    const answer = await client.composite(queries.slice(at, at + PER_COMPOSITE), false, leads.length > 0 ? 'Lead' : 'Case');
    if (!answer.ok) return { kind: 'failed', failure: answer.failure };
    results.push(...answer.value);
  }
  const failed = firstError(results);
  if (failed !== undefined) return { kind: 'refused', read: failed };
  const rows = (prefix: string): readonly Row[] => {
    const expected = queries.filter((q) => new RegExp(`^${prefix}_\\d+$`).test(q.referenceId)).length;
    const found = expected === 0 ? [] : rowsOf(results, prefix, expected);
    if (found === undefined) throw new Error(`Salesforce query answer "${prefix}" has an unexpected shape`);
    return found;
  };
  const lower = (v: string) => v.toLowerCase();
  return {
    kind: 'view',
    leads: byField(rows('lead'), ext),
    cases: byField(rows('case'), ext),
    tasks: byField(rows('task'), 'Subject', lower),
    contacts: byField(rows('contact'), 'Email', lower),
    people: byField(rows('person'), 'Email', lower),
    results,
  };
};
