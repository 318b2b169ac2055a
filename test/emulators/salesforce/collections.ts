/**
 * sObject Collections, as the REST API documents them:
 * - `POST /composite/sobjects`: create up to 200 records, types may be mixed
 *   (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm);
 * - `PATCH /composite/sobjects`: update up to 200 records by `id`
 *   (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm);
 * - `PATCH /composite/sobjects/{Type}/{ExternalIdField}`: upsert up to 200 records of that one
 *   type by external id, answering `created` per record (API 46.0 and later)
 *   (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html).
 * Each answers 200 with one result per record in input order (`{id, success, errors: [{statusCode,
 * message, fields}], created}`), or 400 when the request as a whole is malformed: more than 200
 * records is `EXCEEDED_ID_LIMIT` ("record limit reached. cannot submit more than 200 records into
 * this call"). `allOrNone: true` rolls every record back when one fails: the others then answer
 * `ALL_OR_NONE_OPERATION_ROLLED_BACK`. A test scripts per-record refusals with `collectionFaults`.
 * Whole-call faults (5xx, REQUEST_LIMIT_EXCEEDED, dropped sockets) come from the emulator's queue.
 */
import type { OrgStore, SaveError, WriteResult } from './store';

export const COLLECTION_LIMIT = 200;

export interface CollectionReply {
  readonly status: number;
  readonly body?: unknown;
}

export interface RecordFaultInput {
  /** 'create', 'update' or 'upsert'. */
  readonly operation: 'create' | 'update' | 'upsert';
  readonly type: string;
  /** The record as sent, `attributes` left out. */
  readonly record: Readonly<Record<string, unknown>>;
  readonly index: number;
}

/** Per-record refusals a test scripts: return an error to refuse that record (the others go on). */
export class CollectionFaults {
  failRecord: ((input: RecordFaultInput) => SaveError | undefined) | undefined;
  /** Collection calls answered so far (outside composite and inside it), by operation. */
  readonly calls: { operation: RecordFaultInput['operation']; type?: string; records: number; autoAssign?: string }[] = [];
  reset(): void {
    this.failRecord = undefined;
    this.calls.length = 0;
  }
}

const registry = new WeakMap<OrgStore, CollectionFaults>();
/** The collection knobs of an emulated org (`emulator.state`). */
export const collectionFaults = (state: OrgStore): CollectionFaults => {
  const known = registry.get(state);
  if (known !== undefined) return known;
  const made = new CollectionFaults();
  registry.set(state, made);
  return made;
};

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const malformed = (errorCode: string, message: string): CollectionReply => ({ status: 400, body: [{ errorCode, message }] });

interface RecordResult {
  readonly id?: string | null;
  readonly success: boolean;
  readonly errors: readonly Record<string, unknown>[];
  readonly created?: boolean;
}

/** A store error as a collection result's error: `statusCode` where single-record answers say `errorCode`. */
const asResultError = ({ errorCode, message, fields, ...extra }: SaveError): Record<string, unknown> => ({
  ...extra,
  statusCode: errorCode,
  message,
  fields: fields ?? [],
});
const failed = (errors: readonly SaveError[], id?: string): RecordResult => ({
  ...(id === undefined ? {} : { id }),
  success: false,
  errors: errors.map(asResultError),
});

const ROLLED_BACK: Record<string, unknown> = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

export interface CollectionRequest {
  readonly state: OrgStore;
  readonly version: string;
  readonly method: string;
  /** The path after `/composite/sobjects`: empty, or `[Type, ExternalIdField]`. */
  readonly segments: readonly string[];
  readonly body: unknown;
  readonly autoAssign: string | undefined;
}

export const collections = ({ state, version, method, segments, body, autoAssign }: CollectionRequest): CollectionReply => {
  if (Number(version) < 42) return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
  const [uriType, extField, ...rest] = segments;
  const operation = uriType === undefined ? (method === 'POST' ? 'create' : method === 'PATCH' ? 'update' : undefined) : 'upsert';
  if (rest.length > 0 || (uriType !== undefined && (extField === undefined || method !== 'PATCH')) || operation === undefined)
    return {
      status: 405,
      body: [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are POST,PATCH,DELETE` }],
    };
  if (operation === 'upsert' && Number(version) < 46)
    return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
  if (!isObject(body) || !Array.isArray(body['records']))
    return malformed('JSON_PARSER_ERROR', 'The request body must be an object with a records array');
  const records: unknown[] = body['records'];
  if (records.length > COLLECTION_LIMIT)
    return malformed('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${COLLECTION_LIMIT} records into this call`);
  const allOrNone = body['allOrNone'] === true;
  const items: { type: string; fields: Record<string, unknown> }[] = [];
  for (const record of records) {
    const attributes = isObject(record) ? record['attributes'] : undefined;
    const type = isObject(attributes) && typeof attributes['type'] === 'string' ? attributes['type'] : undefined;
    if (!isObject(record) || type === undefined)
      return malformed('INVALID_TYPE', 'Each record must have an attributes map with a type (emulator wording)');
    if (state.schema.get(type) === undefined) return malformed('INVALID_TYPE', `sObject type '${type}' is not supported.`);
    // "The list can contain objects only of the type indicated in the request URI."
    if (uriType !== undefined && type !== uriType)
      return malformed('INVALID_TYPE', `Record of type ${type} in an upsert of ${uriType}: one sObject type per call (emulator wording)`);
    const fields = Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'attributes'));
    items.push({ type, fields });
  }
  if (uriType !== undefined) {
    const field = state.schema.get(uriType)?.fields.get(extField ?? '');
    if (field === undefined || field.externalId !== true)
      return {
        status: 404,
        body: [{ errorCode: 'NOT_FOUND', message: `Provided external ID field does not exist or is not accessible: ${extField}` }],
      };
  }
  const faults = collectionFaults(state);
  faults.calls.push({
    operation,
    ...(uriType === undefined ? {} : { type: uriType }),
    records: items.length,
    ...(autoAssign === undefined ? {} : { autoAssign }),
  });
  const restore = state.snapshot();
  const extValues = items.map((item) => (extField === undefined ? undefined : item.fields[extField]));
  const results = items.map((item, index): RecordResult => {
    const scripted = faults.failRecord?.({ operation, type: item.type, record: item.fields, index });
    if (scripted !== undefined) return failed([scripted]);
    if (operation === 'create') {
      if ('id' in item.fields || 'Id' in item.fields)
        return failed([{ errorCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] }]);
      return saved(state.insert(item.type, item.fields, version, undefined, autoAssign), false);
    }
    if (operation === 'update') {
      const { id, Id, ...fields } = item.fields;
      const target = typeof id === 'string' ? id : typeof Id === 'string' ? Id : undefined;
      if (target === undefined)
        return failed([{ errorCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }]);
      if (state.get(item.type, target) === undefined)
        return failed([{ errorCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }], target);
      return saved(state.update(item.type, target, fields, undefined, autoAssign), false);
    }
    // Upsert by the external id in the record (never by record id: "Only external ids are supported").
    const ext = extField ?? '';
    const value = extValues[index];
    if (typeof value !== 'string' || value === '')
      return failed([{ errorCode: 'MISSING_ARGUMENT', message: `${ext} not specified`, fields: [ext] }]);
    if (extValues.filter((v) => v === value).length > 1)
      return failed([{ errorCode: 'DUPLICATE_EXTERNAL_ID', message: `Duplicate external id specified: ${value}`, fields: [ext] }]);
    const spec = state.schema.get(item.type)?.fields.get(ext);
    const same = (r: Record<string, unknown>) =>
      typeof r[ext] === 'string' &&
      (spec?.caseSensitive === true ? r[ext] === value : String(r[ext]).toLowerCase() === value.toLowerCase());
    const found = state.all(item.type).filter(same);
    if (found.length > 1)
      return failed([
        {
          errorCode: 'DUPLICATE_EXTERNAL_ID',
          message: `${ext}: more than one record found for external id field: ${value}`,
          fields: [ext],
        },
      ]);
    const existing = found[0];
    return existing === undefined
      ? saved(state.insert(item.type, item.fields, version, ext, autoAssign), true)
      : saved(state.update(item.type, existing.Id, item.fields, ext, autoAssign), false);
  });
  const anyFailed = results.some((r) => !r.success);
  if (allOrNone && anyFailed) {
    restore();
    return {
      status: 200,
      body: results.map((r) => (r.success ? { id: null, success: false, errors: [ROLLED_BACK] } : r)),
    };
  }
  return { status: 200, body: operation === 'upsert' ? results : results.map(({ created: _created, ...r }) => r) };
};

const saved = (result: WriteResult, created: boolean): RecordResult =>
  result.ok ? { id: result.record.Id, success: true, errors: [], created } : failed(result.errors);

/**
 * "Up to 5 of these subrequests can be sObject Collections or query operations"
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite_post.htm):
 * the error for a composite request holding more (the wording is the emulator's own), else undefined.
 */
export const COMPOSITE_QUERY_LIMIT = 5;
export const compositeQueryLimitExceeded = (subrequests: readonly unknown[]): SaveError[] | undefined => {
  const heavy = subrequests.filter((item) => {
    const url = isObject(item) && typeof item['url'] === 'string' ? item['url'] : '';
    return /^\/services\/data\/v\d+\.\d\/(query|queryAll|composite\/sobjects)(\/|\?|$)/.test(url);
  }).length;
  return heavy > COMPOSITE_QUERY_LIMIT
    ? [
        {
          errorCode: 'INVALID_API_INPUT',
          message: `A composite request may hold up to ${COMPOSITE_QUERY_LIMIT} query or sObject Collections subrequests; it held ${heavy}`,
        },
      ]
    : undefined;
};
