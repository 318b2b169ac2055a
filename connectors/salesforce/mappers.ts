/**
 * Pure translations between chat2crm and Salesforce: conversation → field maps, Salesforce
 * answers → our values, Salesforce errors → transient or permanent failures.
 */
import * as t from 'io-ts';
import type { Conversation, Visitor } from '../../src/domain/conversation';
import type { Action } from '../../src/domain/event';
import { permanent, transient, type CrmFailure } from '../../src/domain/outcome';
import { chatLines, transcriptTextWithin, trimMiddle } from '../../src/domain/transcript';
import type { SalesforceConfig } from './config';
import { companyDomainOf } from '../../src/domain/mapping';

/** The Lead columns a delivery reads before it writes (fill blanks, converted Leads): single and batched paths alike. */
export const LEAD_SELECT: readonly string[] = [
  'Id',
  'IsConverted',
  'ConvertedContactId',
  'FirstName',
  'LastName',
  'Company',
  'Email',
  'Phone',
  'City',
  'State',
  'Country',
];
/** The Case columns a delivery reads before it writes. */
export const CASE_SELECT: readonly string[] = ['Id', 'ContactId', 'AccountId'];

/** Long Text Area limit of Lead, Case and Task Description (sObject reference: "Limit: 32 KB"). */
export const DESCRIPTION_LIMIT = 32_000;
/** Required Lead fields get these when the visitor left them blank. */
export const LAST_NAME_FALLBACK = '[not provided]';
export const COMPANY_FALLBACK = '[not provided]';

export type Fields = Record<string, string | boolean | null>;

/** SOQL string literal: backslash first, then quote (jsforce escapes only the quote). */
export const soqlString = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

export const recordUrl = (base: string, type: string, id: string): string => `${base}/lightning/r/${type}/${encodeURIComponent(id)}/view`;

const clip = (value: string | undefined, max: number): string | undefined =>
  value === undefined ? undefined : Array.from(value.trim()).slice(0, max).join('') || undefined;

/** `Ada Lovelace` → first `Ada`, last `Lovelace`; one word is the last name. */
export const splitName = (name: string | undefined): { first?: string; last?: string } => {
  const words = (name ?? '')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return {};
  if (words.length === 1) return { last: words[0] ?? '' };
  return { first: words.slice(0, -1).join(' '), last: words[words.length - 1] ?? '' };
};

const defined = (entries: Record<string, string | undefined>): Fields =>
  Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));

export const transcriptDescription = (conversation: Conversation): string =>
  transcriptTextWithin(conversation, DESCRIPTION_LIMIT, `Chat transcript (${conversation.source} ${conversation.id})\n\n`);

/** What the visitor told us, as Lead fields (limits from the Lead object reference). */
export const visitorLeadFields = (v: Visitor): Fields => {
  const { first, last } = splitName(v.name);
  return defined({
    FirstName: clip(first, 40),
    LastName: clip(last, 80),
    Company: clip(v.company, 255),
    Email: clip(v.email, 80),
    Phone: clip(v.phone, 40),
    City: clip(v.city, 40),
    State: clip(v.region, 80),
    Country: clip(v.country ?? v.countryCode, 80),
  });
};

/**
 * Lead `Company` (required): what the visitor said, else the domain of a work email (free-mail
 * domains say nothing of an employer), else `[not provided]`.
 */
export const leadCompany = (v: Visitor): string => clip(v.company, 255) ?? clip(companyDomainOf(v.email), 255) ?? COMPANY_FALLBACK;

/** A new Lead: what the visitor gave, the fallbacks for required fields, source and transcript. */
export const toLeadFields = (conversation: Conversation, config: Pick<SalesforceConfig, 'leadSource'>): Fields => {
  const given = visitorLeadFields(conversation.visitor);
  return {
    ...given,
    LastName: given['LastName'] ?? LAST_NAME_FALLBACK,
    Company: leadCompany(conversation.visitor),
    LeadSource: config.leadSource,
    Description: transcriptDescription(conversation),
  };
};

/**
 * A Lead seen again: the transcript is replaced, visitor fields fill only what is blank (or
 * still our fallback) in Salesforce, so values a salesperson set are never overwritten.
 */
export const toLeadUpdate = (conversation: Conversation, current: Readonly<Record<string, unknown>>): Fields => {
  const blank = (field: string) => {
    const value = current[field];
    return value === null || value === undefined || value === '' || value === LAST_NAME_FALLBACK || value === COMPANY_FALLBACK;
  };
  const company = leadCompany(conversation.visitor);
  const known = { ...visitorLeadFields(conversation.visitor), ...(company === COMPANY_FALLBACK ? {} : { Company: company }) };
  const fills = Object.entries(known).filter(([field]) => blank(field));
  return { ...Object.fromEntries(fills), Description: transcriptDescription(conversation) };
};

export const caseSubject = (conversation: Conversation): string => {
  const who = conversation.visitor.name ?? conversation.visitor.email ?? 'a visitor';
  const first = chatLines(conversation).length > 0 ? conversation.messages.find((m) => m.role === 'visitor')?.body : undefined;
  return trimMiddle(`Chat with ${who}${first === undefined ? '' : `: ${first.replace(/\s+/g, ' ')}`}`, 255, '…');
};

export const toCaseFields = (
  conversation: Conversation,
  config: Pick<SalesforceConfig, 'caseOrigin'>,
  contactId: string | undefined,
): Fields => {
  const v = conversation.visitor;
  return {
    Subject: caseSubject(conversation),
    Description: transcriptDescription(conversation),
    Origin: config.caseOrigin,
    ...defined({
      SuppliedName: clip(v.name, 80),
      SuppliedEmail: clip(v.email, 80),
      SuppliedPhone: clip(v.phone, 40),
      ContactId: contactId,
    }),
  };
};

/** Stable per conversation and action, so the Task is found again when we lost its id. */
export const taskSubject = (action: Action, conversation: Conversation): string =>
  trimMiddle(`Chat transcript${action === 'case' ? ' (case)' : ''}: ${conversation.source} ${conversation.id}`, 255, '…');

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/** The transcript as one completed activity (Task fields: sObject reference, Task). */
export const toTaskFields = (action: Action, conversation: Conversation, link: { whoId?: string; whatId?: string }): Fields => ({
  Subject: taskSubject(action, conversation),
  Description: transcriptDescription(conversation),
  Status: 'Completed',
  Priority: 'Normal',
  ActivityDate: isoDate(conversation.messages[conversation.messages.length - 1]?.at ?? new Date()),
  ...defined({ WhoId: link.whoId, WhatId: link.whatId }),
});

// ---- Salesforce answers ---------------------------------------------------------------------

export const ApiError = t.intersection([t.type({ errorCode: t.string, message: t.string }), t.partial({ fields: t.array(t.string) })]);
export type ApiError = t.TypeOf<typeof ApiError>;
export const ApiErrors = t.array(ApiError);

export const QueryResult = t.type({ totalSize: t.number, records: t.array(t.UnknownRecord) });
export const SaveResult = t.intersection([t.type({ id: t.string, success: t.boolean }), t.partial({ created: t.boolean })]);
export const CompositeResponse = t.type({
  compositeResponse: t.array(t.type({ body: t.unknown, httpStatusCode: t.number, referenceId: t.string })),
});

/** `duplicateResut` is Salesforce's own spelling; some orgs' proxies fix it, so both are read. */
const MatchRecords = t.type({
  matchResults: t.array(t.type({ entityType: t.string, matchRecords: t.array(t.type({ record: t.type({ Id: t.string }) })) })),
});
const DuplicateError = t.union([t.type({ duplicateResut: MatchRecords }), t.type({ duplicateResult: MatchRecords })]);

/** The record a `DUPLICATES_DETECTED` error points to, if any. */
export const duplicateMatch = (error: unknown): { type: string; id: string } | undefined => {
  const decoded = DuplicateError.decode(error);
  if (decoded._tag === 'Left') return undefined;
  const result = 'duplicateResut' in decoded.right ? decoded.right.duplicateResut : decoded.right.duplicateResult;
  for (const match of result.matchResults) {
    const id = match.matchRecords[0]?.record.Id;
    if (id !== undefined && (match.entityType === 'Lead' || match.entityType === 'Contact')) return { type: match.entityType, id };
  }
  return undefined;
};

// ---- Failures --------------------------------------------------------------------------------

/** One Salesforce error, from an error array, a composite subrequest or a thrown jsforce error. */
export interface SalesforceError {
  readonly errorCode: string;
  readonly message: string;
  readonly fields?: readonly string[];
  readonly status?: number;
}

const fieldList = (e: SalesforceError) => (e.fields !== undefined && e.fields.length > 0 ? e.fields.join(', ') : 'a field');

/**
 * Classifies once: limits, 5xx and lock contention are transient; everything a person must fix
 * is permanent and says what to do. Salesforce messages can quote record values, so only codes,
 * field names and schema messages are passed on.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 */
export const fromSalesforceError = (
  e: SalesforceError,
  sobject: string,
  config: Pick<SalesforceConfig, 'externalIdField' | 'caseOrigin' | 'leadSource' | 'apiVersion'>,
): CrmFailure => {
  const status = e.status === undefined ? {} : { status: e.status };
  const ext = config.externalIdField;
  switch (e.errorCode) {
    case 'REQUEST_LIMIT_EXCEEDED':
      return transient('CRM_RATE_LIMITED', `Salesforce API request limit exceeded (${e.message}); retrying later`, status);
    case 'UNABLE_TO_LOCK_ROW':
    case 'SERVER_UNAVAILABLE':
    case 'UNKNOWN_EXCEPTION':
      return transient('CRM_UNAVAILABLE', `Salesforce could not complete the request (${e.errorCode}); retrying later`, status);
    case 'DUPLICATE_VALUE':
      // Two deliveries raced to insert the same external id; the next try updates the winner.
      return transient(
        'CRM_CONFLICT',
        `another request created this ${sobject} at the same time (DUPLICATE_VALUE on ${ext}); retrying as an update`,
        { ...status, retryAfterMs: 1000 },
      );
    case 'REQUIRED_FIELD_MISSING':
      return permanent(
        'CRM_VALIDATION',
        `Salesforce requires ${fieldList(e)} on ${sobject}, which chat2crm does not fill: make the field optional or give it a default value for the integration user's record type`,
        status,
      );
    case 'STRING_TOO_LONG':
      return permanent(
        'CRM_VALIDATION',
        `${sobject}.${fieldList(e)} in this org is shorter than the standard length chat2crm writes: restore the field's standard length in Setup → Object Manager → ${sobject}`,
        status,
      );
    case 'INVALID_FIELD':
    case 'INVALID_FIELD_FOR_INSERT_UPDATE':
      return permanent(
        'CRM_MISSING_FIELD',
        `${sobject}: ${e.message.trim().split('\n').pop() ?? e.errorCode}. Create the field, or give the integration user Edit access to it (field-level security)`,
        status,
      );
    case 'NOT_FOUND':
      // An upsert names the field ("Provided external ID field does not exist or is not accessible", dome_upsert.htm);
      // any other NOT_FOUND may be a version the org does not serve, which makes every resource NOT_FOUND.
      if (!/external ID field/i.test(e.message))
        return permanent(
          'CRM_CONFIG',
          `Salesforce answered NOT_FOUND for ${sobject}: check that the org serves API version ${config.apiVersion} (SALESFORCE_API_VERSION; \`npm run setup\` shows the newest it serves), and that ${sobject}.${ext} exists, marked External ID, visible to the integration user`,
          status,
        );
      return permanent(
        'CRM_MISSING_FIELD',
        `the external-id field ${ext} is missing on ${sobject} or not marked External ID (or the integration user cannot see it): create ${sobject}.${ext} as Text(255) with "External ID" and "Unique (case sensitive)" checked, and grant the integration user Edit access (see connectors/salesforce/README.md)`,
        status,
      );
    case 'MULTIPLE_CHOICES':
      return permanent(
        'CRM_DUPLICATE_EXTERNAL_ID',
        `several ${sobject} records share one ${ext} value: merge them and mark ${sobject}.${ext} "Unique"`,
        status,
      );
    case 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST':
    case 'INVALID_PICKLIST_VALUE':
      return permanent(
        'CRM_VALIDATION',
        `${sobject}.${fieldList(e)} does not accept the value chat2crm sends (SALESFORCE_CASE_ORIGIN=${config.caseOrigin}, SALESFORCE_LEAD_SOURCE=${config.leadSource}, Task Status Completed, Priority Normal): add the value to the picklist or change the setting`,
        status,
      );
    case 'INSUFFICIENT_ACCESS_OR_READONLY':
    case 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY':
    case 'INSUFFICIENT_ACCESS':
      return permanent(
        'CRM_FORBIDDEN',
        `the integration user may not write this ${sobject} (${e.errorCode}): give it Create/Edit on ${sobject} and Task, and sharing access to the records (see connectors/salesforce/README.md)`,
        status,
      );
    case 'API_DISABLED_FOR_ORG':
    case 'API_CURRENTLY_DISABLED':
      return permanent(
        'CRM_FORBIDDEN',
        `the Salesforce API is not enabled for this org or user (${e.errorCode}): the integration user needs the "API Enabled" permission`,
        status,
      );
    case 'INVALID_SESSION_ID':
      return permanent(
        'CRM_UNAUTHORIZED',
        'Salesforce rejected a freshly issued session: check that the integration user has "API Enabled", that no IP restriction or session policy of the Connected App blocks it, and that its profile allows the REST API',
        status,
      );
    default:
      if (e.status !== undefined && e.status >= 500)
        return transient('CRM_UNAVAILABLE', `Salesforce answered HTTP ${e.status}; retrying later`, status);
      return permanent(
        'CRM_REJECTED',
        `Salesforce rejected the ${sobject} (${e.errorCode}${e.fields !== undefined && e.fields.length > 0 ? ` on ${e.fields.join(', ')}` : ''})`,
        status,
      );
  }
};
