/**
 * HubSpot's batch endpoints through the SDK, each one paced call (client.ts `timed`), up to 100
 * inputs (https://developers.hubspot.com/docs/api-reference/2026-03/crm/objects/contacts/batch/upsert-contacts
 * and the create, read, update pages beside it; v4 association batches
 * https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/get-associations).
 *
 * A 200/201 answers every input; a 207 Multi-Status has `results` and `errors`. Creates and
 * updates carry an `objectWriteTraceId` per input, which is what turns a refused input into an
 * error of a 207 naming it (`context.objectWriteTraceId`) instead of failing the whole batch
 * ("Multi-status errors", https://developers.hubspot.com/docs/api-reference/error-handling); ids
 * HubSpot does not know are named in `context.ids`. Results come in no documented order, so
 * they are paired with inputs by trace id (or id, or idProperty value), never by position.
 * A whole-batch failure (400, 409, 429, 5xx, timeout) is thrown like any single call's.
 */
import type { Client } from '@hubspot/api-client';
import {
  AssociationSpecAssociationCategoryEnum as CompanyCategory,
  FilterOperatorEnum,
} from '@hubspot/api-client/lib/codegen/crm/companies';
import { AssociationSpecAssociationCategoryEnum as ContactCategory } from '@hubspot/api-client/lib/codegen/crm/contacts';
import { AssociationSpecAssociationCategoryEnum as NoteCategory } from '@hubspot/api-client/lib/codegen/crm/objects/notes';
import { AssociationSpecAssociationCategoryEnum as TicketCategory } from '@hubspot/api-client/lib/codegen/crm/tickets';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import type { Properties, ReadProperties } from './mappers';

export type BatchType = 'contacts' | 'tickets' | 'notes';
export type CreateType = BatchType | 'companies';

/** The most inputs one batch call takes (every batch endpoint used here). */
export const BATCH_MAX = 100;

export interface BatchTarget {
  readonly id: string;
  readonly associationTypeId: number;
}

export interface BatchObject {
  readonly id: string;
  readonly properties: ReadProperties;
}

/**
 * One input's refusal inside a 207, shaped like the SDK's ApiException (`code`, `body`,
 * `headers`) so that `fromHubspotError` classifies it as it would the same refusal of a single
 * call: the status stands for the error's category.
 */
export interface InputRefusal {
  readonly code: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

const BatchError = t.partial({ category: t.string, message: t.string, context: t.record(t.string, t.array(t.string)) });
const Result = t.intersection([t.type({ id: t.string }), t.partial({ objectWriteTraceId: t.string })]);
const PropertyValues = t.record(t.string, t.union([t.string, t.null]));
const AssociationResult = t.type({
  _from: t.type({ id: t.string }),
  to: t.array(t.type({ toObjectId: t.union([t.string, t.number]) })),
});

/** The HTTP status a single call answers for the same refusal (https://developers.hubspot.com/docs/api-reference/error-handling). */
const STATUS_OF: Readonly<Record<string, number>> = {
  VALIDATION_ERROR: 400,
  CONFLICT: 409,
  OBJECT_ALREADY_EXISTS: 409,
  OBJECT_NOT_FOUND: 404,
  MISSING_SCOPES: 403,
  RATE_LIMITS: 429,
};

const errorsOf = (answer: unknown): t.TypeOf<typeof BatchError>[] => {
  if (typeof answer !== 'object' || answer === null || !('errors' in answer)) return [];
  const decoded = t.array(BatchError).decode(answer.errors);
  return isLeft(decoded) ? [] : decoded.right;
};

const resultsOf = (answer: { readonly results: readonly unknown[] }): t.TypeOf<typeof Result>[] =>
  answer.results.flatMap((r) => {
    const decoded = Result.decode(r);
    return isLeft(decoded) ? [] : [decoded.right];
  });

const propertiesOf = (value: unknown): ReadProperties => {
  const decoded = PropertyValues.decode(value);
  if (isLeft(decoded)) throw new TypeError('HubSpot returned object properties that are not strings');
  return decoded.right;
};

const refusalOf = (e: t.TypeOf<typeof BatchError>): InputRefusal => ({
  code: STATUS_OF[e.category ?? ''] ?? 400,
  body: e,
  headers: {},
});

/** What a batch write did to each input, by its key (trace id, or id for updates). */
export interface BatchWrite {
  /** key → the object's id. */
  readonly done: ReadonlyMap<string, string>;
  /** Keys whose object HubSpot does not have (updates only). */
  readonly missing: ReadonlySet<string>;
  /** key → why HubSpot refused that input. */
  readonly refused: ReadonlyMap<string, InputRefusal>;
}

const writeOutcome = (
  answer: { readonly results: readonly unknown[] },
  sentKeys: readonly string[],
  keyOfResult: (r: t.TypeOf<typeof Result>) => string | undefined,
): BatchWrite => {
  const done = new Map<string, string>();
  for (const r of resultsOf(answer)) {
    const key = keyOfResult(r);
    if (key !== undefined) done.set(key, r.id);
  }
  const missing = new Set<string>();
  const refused = new Map<string, InputRefusal>();
  for (const e of errorsOf(answer)) {
    const traced = e.context?.objectWriteTraceId ?? [];
    for (const key of traced) refused.set(key, refusalOf(e));
    if (traced.length === 0) for (const id of e.context?.ids ?? []) missing.add(id);
  }
  // An input neither answered nor refused was not written: say so rather than guess.
  for (const key of sentKeys)
    if (!done.has(key) && !missing.has(key) && !refused.has(key))
      refused.set(key, { code: 500, body: { message: 'HubSpot answered the batch without this input' }, headers: {} });
  return { done, missing, refused };
};

type Timed = <A>(operation: string, run: () => Promise<A>) => Promise<A>;

export const batchCallsOf = (hs: Client, timed: Timed) => {
  const objects = (type: BatchType) =>
    type === 'contacts' ? hs.crm.contacts.batchApi : type === 'tickets' ? hs.crm.tickets.batchApi : hs.crm.objects.notes.batchApi;

  return {
    /**
     * Objects by id, or by a unique property's value (`idProperty`, which is then read too so that
     * results can be paired with values). Unknown ones are left out (207 with `context.ids`).
     */
    batchRead: (type: BatchType, ids: readonly string[], properties: readonly string[], idProperty?: string) =>
      timed(`batch read ${type}`, async (): Promise<BatchObject[]> => {
        if (ids.length === 0) return [];
        const wanted = idProperty === undefined ? [...properties] : [...new Set([...properties, idProperty])];
        const res = await objects(type).read({
          inputs: ids.map((id) => ({ id })),
          properties: wanted,
          propertiesWithHistory: [],
          ...(idProperty === undefined ? {} : { idProperty }),
        });
        return res.results.map((r) => ({ id: r.id, properties: propertiesOf(r.properties) }));
      }),

    /** New objects with their associations inline; keyed by the trace id given with each. */
    batchCreate: (
      type: CreateType,
      inputs: readonly { readonly traceId: string; readonly properties: Properties; readonly to: readonly BatchTarget[] }[],
    ) =>
      timed(`batch create ${type}`, async (): Promise<BatchWrite> => {
        const body = <C>(category: C) => ({
          inputs: inputs.map((i) => ({
            properties: { ...i.properties },
            objectWriteTraceId: i.traceId,
            associations: i.to.map((a) => ({
              to: { id: a.id },
              types: [{ associationCategory: category, associationTypeId: a.associationTypeId }],
            })),
          })),
        });
        const res =
          type === 'contacts'
            ? await hs.crm.contacts.batchApi.create(body(ContactCategory.HubspotDefined))
            : type === 'tickets'
              ? await hs.crm.tickets.batchApi.create(body(TicketCategory.HubspotDefined))
              : type === 'companies'
                ? await hs.crm.companies.batchApi.create(body(CompanyCategory.HubspotDefined))
                : await hs.crm.objects.notes.batchApi.create(body(NoteCategory.HubspotDefined));
        return writeOutcome(
          res,
          inputs.map((i) => i.traceId),
          (r) => r.objectWriteTraceId,
        );
      }),

    /** Property changes by object id; keyed by id. Each input is traced by its id. */
    batchUpdate: (type: BatchType, inputs: readonly { readonly id: string; readonly properties: Properties }[]) =>
      timed(`batch update ${type}`, async (): Promise<BatchWrite> => {
        if (inputs.length === 0) return { done: new Map(), missing: new Set(), refused: new Map() };
        const res = await objects(type).update({
          inputs: inputs.map((i) => ({ id: i.id, properties: { ...i.properties }, objectWriteTraceId: i.id })),
        });
        return writeOutcome(
          res,
          inputs.map((i) => i.id),
          (r) => r.id,
        );
      }),

    /** Ids of `to` objects associated with each `from` object; an object with none is absent. */
    associationsOf: (from: BatchType, to: 'notes' | 'contacts' | 'companies', ids: readonly string[]) =>
      timed(`batch read ${from} associations with ${to}`, async (): Promise<Map<string, string[]>> => {
        const found = new Map<string, string[]>();
        if (ids.length === 0) return found;
        const res = await hs.crm.associations.v4.batchApi.getPage(from, to, { inputs: ids.map((id) => ({ id })) });
        for (const r of res.results) {
          const decoded = AssociationResult.decode(r);
          if (isLeft(decoded)) continue;
          found.set(decoded.right._from.id, [
            ...(found.get(decoded.right._from.id) ?? []),
            ...decoded.right.to.map((x) => String(x.toObjectId)),
          ]);
        }
        return found;
      }),

    /**
     * The oldest company (lowest id) of each of these domains, in one search (`IN`, at most 100
     * values; https://developers.hubspot.com/docs/api/crm/search). Search lags writes by seconds,
     * which is why directory.ts remembers what it made.
     */
    companiesByDomains: (domains: readonly string[]) =>
      timed('search companies by domains', async (): Promise<Map<string, string>> => {
        const found = new Map<string, string>();
        if (domains.length === 0) return found;
        const res = await hs.crm.companies.searchApi.doSearch({
          filterGroups: [{ filters: [{ propertyName: 'domain', operator: FilterOperatorEnum.In, values: [...domains] }] }],
          properties: ['domain'],
          limit: 200,
        });
        const byId = [...res.results].sort((a, b) => Number(a.id) - Number(b.id));
        for (const r of byId) {
          const domain = propertiesOf(r.properties).domain?.trim().toLowerCase();
          if (domain !== undefined && !found.has(domain)) found.set(domain, r.id);
        }
        return found;
      }),

    /** Default (unlabelled) associations, idempotent: associating twice leaves one. */
    associateDefaults: (from: BatchType, to: 'contacts' | 'companies', pairs: readonly { readonly from: string; readonly to: string }[]) =>
      timed(`batch associate ${from} with ${to}`, async (): Promise<void> => {
        if (pairs.length === 0) return;
        await hs.crm.associations.v4.batchApi.createDefault(from, to, {
          inputs: pairs.map((p) => ({ _from: { id: p.from }, to: { id: p.to } })),
        });
      }),
  };
};

export type BatchCalls = ReturnType<typeof batchCallsOf>;
