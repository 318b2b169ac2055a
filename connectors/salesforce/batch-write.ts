/**
 * The writes of a batch as sObject Collections subrequests of one composite call, and their
 * answers read back per record. Collections answer 200 with one result per record in input order,
 * `{id, success, errors: [{statusCode, message, fields}], created}`, or an error array when the
 * request as a whole is refused:
 * - upsert by external id, one sObject type per call, up to 200 records (API 46.0+):
 *   https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html
 * - create, types may be mixed, up to 200:
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm
 * - update by `id`, up to 200:
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
 * `allOrNone: false` everywhere: a refused record fails that conversation alone.
 */
import * as t from 'io-ts';
import type { Subrequest, SubResult } from './client';
import { ApiErrors, type Fields, type SalesforceError } from './mappers';

const CollectionError = t.intersection([t.type({ statusCode: t.string, message: t.string }), t.partial({ fields: t.array(t.string) })]);
const CollectionResult = t.intersection([
  t.type({ success: t.boolean }),
  t.partial({ id: t.union([t.string, t.null]), created: t.boolean, errors: t.array(CollectionError) }),
]);
const CollectionResults = t.array(CollectionResult);

export type RecordResult =
  { readonly ok: true; readonly id: string; readonly created: boolean } | { readonly ok: false; readonly error: SalesforceError };

export type CollectionAnswer =
  | { readonly kind: 'each'; readonly results: readonly RecordResult[] }
  /** The subrequest was refused as a whole: every record in it fails with this. */
  | { readonly kind: 'all'; readonly error: SalesforceError }
  /** An answer we cannot read: a bug on one side or the other, retried later. */
  | { readonly kind: 'unreadable' };

type Headers = Readonly<Record<string, string>>;
const withHeaders = (headers: Headers | undefined) => (headers === undefined ? {} : { headers });

export const upsertCollection = (
  referenceId: string,
  type: string,
  ext: string,
  records: readonly Fields[],
  headers?: Headers,
): Subrequest => ({
  method: 'PATCH',
  url: `/composite/sobjects/${type}/${ext}`,
  referenceId,
  body: { allOrNone: false, records: records.map((r) => ({ attributes: { type }, ...r })) },
  ...withHeaders(headers),
});

export const createCollection = (referenceId: string, type: string, records: readonly Fields[]): Subrequest => ({
  method: 'POST',
  url: '/composite/sobjects',
  referenceId,
  body: { allOrNone: false, records: records.map((r) => ({ attributes: { type }, ...r })) },
});

export const updateCollection = (referenceId: string, type: string, records: readonly (Fields & { id: string })[]): Subrequest => ({
  method: 'PATCH',
  url: '/composite/sobjects',
  referenceId,
  body: { allOrNone: false, records: records.map((r) => ({ attributes: { type }, ...r })) },
});

/**
 * A collection result's error as the single path's errors read. `DUPLICATE_EXTERNAL_ID` (several
 * records hold this external id) is what a single upsert answers with HTTP 300, so it is classified
 * as that.
 */
const asError = (e: t.TypeOf<typeof CollectionError> | undefined): SalesforceError => {
  if (e === undefined) return { errorCode: 'UNKNOWN_EXCEPTION', message: 'Salesforce refused the record without saying why' };
  const errorCode = e.statusCode === 'DUPLICATE_EXTERNAL_ID' ? 'MULTIPLE_CHOICES' : e.statusCode;
  return { errorCode, message: e.message, ...(e.fields === undefined ? {} : { fields: e.fields }) };
};

export const collectionAnswer = (results: readonly SubResult[], referenceId: string, size: number): CollectionAnswer => {
  const hit = results.find((r) => r.referenceId === referenceId);
  if (hit === undefined) return { kind: 'unreadable' };
  if (hit.status >= 400) {
    const decoded = ApiErrors.decode(hit.body);
    const first = decoded._tag === 'Right' ? decoded.right.find((e) => e.errorCode !== 'PROCESSING_HALTED') : undefined;
    return {
      kind: 'all',
      error: { ...(first ?? { errorCode: `ERROR_HTTP_${hit.status}`, message: `HTTP ${hit.status}` }), status: hit.status },
    };
  }
  const decoded = CollectionResults.decode(hit.body);
  if (decoded._tag === 'Left' || decoded.right.length !== size) return { kind: 'unreadable' };
  return {
    kind: 'each',
    results: decoded.right.map((r): RecordResult =>
      r.success && typeof r.id === 'string'
        ? { ok: true, id: r.id, created: r.created === true }
        : { ok: false, error: asError(r.errors?.[0]) },
    ),
  };
};
