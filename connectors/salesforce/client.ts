/**
 * The only code that talks to Salesforce (with auth.ts): jsforce over a transport that bounds
 * every exchange, honours NO_PROXY, leaves retries to our worker, and a session that is
 * refreshed at most once per failed call.
 */
import * as t from 'io-ts';
import { Connection, type HttpRequest } from 'jsforce';
import { silentLog, type Log } from '../../src/domain/log';
import { fail, succeed, transient, type Outcome } from '../../src/domain/outcome';
import { createAuth, type Session } from './auth';
import type { SalesforceConfig } from './config';
import { BoundedTransport, networkProblem } from './transport';

export { networkProblem, proxyFor } from './transport';
import { ApiError, ApiErrors, CompositeResponse, SaveResult, fromSalesforceError, type SalesforceError } from './mappers';

const ThrownApiError = t.intersection([t.type({ errorCode: t.string, message: t.string }), t.partial({ data: t.unknown })]);
const WithFields = t.type({ fields: t.array(t.string) });
/** jsforce's errors carry no HTTP status; these codes have a fixed one (REST API errorcodes.htm). */
const STATUS_OF: Readonly<Record<string, number>> = {
  MULTIPLE_CHOICES: 300,
  INVALID_SESSION_ID: 401,
  REQUEST_LIMIT_EXCEEDED: 403,
  NOT_FOUND: 404,
};

/** A thrown jsforce error as one Salesforce error (jsforce keeps only the first of an array). */
const thrownError = (e: unknown): SalesforceError | undefined => {
  const decoded = ThrownApiError.decode(e);
  if (decoded._tag === 'Left') return undefined;
  const { errorCode, message } = decoded.right;
  const http = /^ERROR_HTTP_(\d{3})$/.exec(errorCode);
  const status = http !== null ? Number(http[1]) : STATUS_OF[errorCode];
  const data = decoded.right.data;
  const fields = WithFields.is(data) ? data.fields : undefined;
  return { errorCode, message, ...(fields === undefined ? {} : { fields }), ...(status === undefined ? {} : { status }) };
};

export interface Subrequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** Relative to `/services/data/vNN.N`. */
  readonly url: string;
  readonly referenceId: string;
  readonly body?: Readonly<Record<string, unknown>>;
  /** Such as `Sforce-Auto-Assign`; sent as the subrequest's `httpHeaders` (never Accept, Authorization or Content-Type). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SubResult {
  readonly referenceId: string;
  readonly status: number;
  readonly body: unknown;
}

export interface SalesforceClient {
  /**
   * One round trip: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
   * Where `/composite` is not served, the subrequests go one by one with the same answer shape.
   */
  composite(requests: readonly Subrequest[], allOrNone: boolean, sobject: string): Promise<Outcome<readonly SubResult[]>>;
  get(path: string, sobject: string): Promise<Outcome<unknown>>;
  /** Logs in (or reuses the session) and returns it. */
  session(): Promise<Outcome<Session>>;
  /** True once `/composite` answered 404: subrequests then go as plain REST calls, each URL on the HTTP request line. */
  sendsOneByOne(): boolean;
  /** The API versions the org serves, oldest first: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm */
  versions(): Promise<Outcome<readonly ApiVersionInfo[]>>;
}

// `GET /services/data/` answers `[{"label":"Winter '27","url":"/services/data/v68.0","version":"68.0"}, …]`.
const ApiVersionInfo = t.type({ version: t.string, label: t.string });
export type ApiVersionInfo = t.TypeOf<typeof ApiVersionInfo>;
const ApiVersions = t.array(ApiVersionInfo);

/** An exchange Salesforce answered, before it is classified: a body, or its error with the raw error data. */
type Answer =
  { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly error: SalesforceError; readonly data: unknown };

/** Salesforce's wording for what did not run, kept so the answers read the same with and without composite. */
const HALTED = 'The transaction was rolled back since another operation in the same transaction failed.';
const halted = (referenceId: string, message = HALTED): SubResult => ({
  referenceId,
  status: 400,
  body: [{ errorCode: 'PROCESSING_HALTED', message }],
});

const isList = (u: unknown): u is readonly unknown[] => Array.isArray(u);
const REFERENCE = /@\{([A-Za-z0-9_]+)\.([^}]+)\}/g;
class UnresolvedReference extends Error {}

/**
 * Composite's `@{refId.path}` (`@{lead.id}`, `@{q.records[0].Id}`), resolved against the bodies of
 * earlier successful subrequests as Salesforce does server-side.
 */
const resolveReferences = (value: unknown, bodies: ReadonlyMap<string, unknown>): unknown => {
  if (typeof value === 'string')
    return value.replace(REFERENCE, (whole, ref: string, path: string) => {
      const hit = path
        .split(/\.|\[(\d+)\]/)
        .filter((key): key is string => key !== undefined && key !== '')
        .reduce<unknown>((at, key) => (isList(at) ? at[Number(key)] : t.UnknownRecord.is(at) ? at[key] : undefined), bodies.get(ref));
      if (typeof hit === 'string' || typeof hit === 'number' || typeof hit === 'boolean') return String(hit);
      throw new UnresolvedReference(
        `Invalid reference specified. No value for ${ref}.${path} found in ${ref}. Provided referenceId ${whole} is invalid.`,
      );
    });
  if (isList(value)) return value.map((v) => resolveReferences(v, bodies));
  if (t.UnknownRecord.is(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, bodies)]));
  return value;
};

/**
 * jsforce hands back the body, not the status; for these resources the body fixes it
 * (dome_upsert.htm: 201 `created:true`, 200 `created:false`, 204 without a body; create: 201).
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
 */
const successStatus = (method: Subrequest['method'], body: unknown): number => {
  if (method === 'GET') return 200;
  if (method === 'POST') return 201;
  if (body === undefined || body === null || body === '') return 204;
  return SaveResult.is(body) && body.created === true ? 201 : 200;
};

/** A failed call as composite would report it: the error array Salesforce sent (jsforce keeps it in `data`), the URLs of a 300. */
const errorResult = (referenceId: string, error: SalesforceError, data: unknown): SubResult => {
  const status = error.status ?? 400;
  if (error.errorCode === 'MULTIPLE_CHOICES') return { referenceId, status, body: data };
  if (ApiErrors.is(data)) return { referenceId, status, body: data };
  if (ApiError.is(data)) return { referenceId, status, body: [data] };
  return {
    referenceId,
    status,
    body: [{ errorCode: error.errorCode, message: error.message, ...(error.fields === undefined ? {} : { fields: error.fields }) }],
  };
};

const sobjectIn = (url: string): string | undefined => /^\/sobjects\/([A-Za-z0-9_]+)/.exec(url)?.[1];

export interface SalesforceClientOptions {
  /** Told once when the org (or a proxy or emulator in front of it) does not serve `/composite`. */
  readonly log?: Log;
}

export const createSalesforceClient = (config: SalesforceConfig, options: SalesforceClientOptions = {}): SalesforceClient => {
  const log = options.log ?? silentLog;
  const transport = new BoundedTransport(config.timeoutMs);
  const network = (e: unknown) => networkProblem(e, config.timeoutMs)?.message;
  const auth = createAuth(config, transport, network);
  const base = `/services/data/v${config.apiVersion}`;
  const connections = new Map<string, Connection>();
  const connectionFor = (s: Session): Connection => {
    const known = connections.get(s.accessToken);
    if (known !== undefined) return known;
    // No oauth2/refreshToken/refreshFn here: jsforce then throws INVALID_SESSION_ID instead of looping.
    const conn = new Connection({ instanceUrl: s.instanceUrl, accessToken: s.accessToken, version: config.apiVersion });
    conn._transport = transport;
    connections.clear();
    connections.set(s.accessToken, conn);
    return conn;
  };

  type Attempt = { readonly expired: true } | { readonly expired: false; readonly outcome: Outcome<Answer> };
  const attempt = async (s: Session, request: HttpRequest): Promise<Attempt> => {
    try {
      return { expired: false, outcome: succeed({ ok: true, body: await connectionFor(s).request<unknown>(request) }) };
    } catch (e) {
      const down = networkProblem(e, config.timeoutMs);
      if (down !== undefined) return { expired: false, outcome: fail(down) };
      const api = thrownError(e);
      if (api === undefined) throw e;
      if (api.errorCode === 'INVALID_SESSION_ID') return { expired: true };
      const data = ThrownApiError.is(e) ? e.data : undefined;
      return { expired: false, outcome: succeed({ ok: false, error: api, data }) };
    }
  };

  /** Never more than one refresh per call: a second 401 with a fresh token is a permanent failure. */
  const exchange = async (request: HttpRequest, sobject: string): Promise<Outcome<Answer>> => {
    const s = await auth.session();
    if (!s.ok) return s;
    const first = await attempt(s.value, request);
    if (!first.expired) return first.outcome;
    const fresh = await auth.refresh(s.value.accessToken);
    if (!fresh.ok) return fresh;
    const second = await attempt(fresh.value, request);
    return second.expired
      ? fail(fromSalesforceError({ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid', status: 401 }, sobject, config))
      : second.outcome;
  };

  const send = async (request: HttpRequest, sobject: string): Promise<Outcome<unknown>> => {
    const answer = await exchange(request, sobject);
    if (!answer.ok) return answer;
    return answer.value.ok ? succeed(answer.value.body) : fail(fromSalesforceError(answer.value.error, sobject, config));
  };

  const json = (method: Subrequest['method'], url: string, body: unknown, headers: Readonly<Record<string, string>> = {}): HttpRequest =>
    body === undefined
      ? { method, url, headers: { ...headers } }
      : { method, url, body: JSON.stringify(body), headers: { ...headers, 'content-type': 'application/json' } };

  /**
   * The subrequests as plain REST calls, in order, answered as composite would answer them.
   * With allOrNone the first failure halts the rest, but what already ran stays: there is no
   * rollback outside composite. Our writes are upserts by external id and updates of a known Task,
   * so the worker's retry converges on the same records.
   */
  const oneByOne = async (requests: readonly Subrequest[], allOrNone: boolean, sobject: string): Promise<Outcome<readonly SubResult[]>> => {
    const bodies = new Map<string, unknown>();
    const results: SubResult[] = [];
    let failed = false;
    for (const r of requests) {
      if (failed && allOrNone) {
        results.push(halted(r.referenceId));
        continue;
      }
      let request: HttpRequest;
      try {
        request = json(
          r.method,
          `${base}${String(resolveReferences(r.url, bodies))}`,
          r.body === undefined ? undefined : resolveReferences(r.body, bodies),
          r.headers,
        );
      } catch (e) {
        if (!(e instanceof UnresolvedReference)) throw e;
        results.push(halted(r.referenceId, e.message));
        failed = true;
        continue;
      }
      const target = sobjectIn(r.url) ?? sobject;
      const answer = await exchange(request, target);
      if (!answer.ok) return answer;
      if (!answer.value.ok) {
        // Limits, 5xx and lock contention stay what they are with composite: the whole call is retried later.
        const failure = fromSalesforceError(answer.value.error, target, config);
        if (failure.kind === 'transient') return fail(failure);
      }
      const result = answer.value.ok
        ? { referenceId: r.referenceId, status: successStatus(r.method, answer.value.body), body: answer.value.body ?? null }
        : errorResult(r.referenceId, answer.value.error, answer.value.data);
      // A 300 (several records share the external id) halts too: a Task must not go on a guess.
      if (result.status >= 300) failed = true;
      else bodies.set(r.referenceId, result.body);
      results.push(result);
    }
    return succeed(results);
  };

  /** Unknown until Salesforce first answers a composite call; then kept for the life of the client. */
  let compositeServed: boolean | undefined;
  let firstComposite: Promise<unknown> | undefined;
  let warned = false;
  return {
    session: () => auth.session(),
    sendsOneByOne: () => compositeServed === false,
    get: (path, sobject) => send({ method: 'GET', url: `${base}${path}` }, sobject),
    async versions() {
      const answer = await send({ method: 'GET', url: '/services/data/' }, 'versions');
      if (!answer.ok) return answer;
      const decoded = ApiVersions.decode(answer.value);
      return decoded._tag === 'Right'
        ? succeed(decoded.right)
        : fail(transient('CRM_BAD_RESPONSE', 'Salesforce answered GET /services/data/ with something other than its list of API versions'));
    },
    async composite(requests, allOrNone, sobject) {
      // Calls made while the first is in flight wait for its answer rather than meet the same 404.
      if (compositeServed === undefined && firstComposite !== undefined) await firstComposite;
      if (compositeServed === false) return oneByOne(requests, allOrNone, sobject);
      const body = {
        allOrNone,
        compositeRequest: requests.map((r) => ({
          method: r.method,
          url: `${base}${r.url}`,
          referenceId: r.referenceId,
          ...(r.body === undefined ? {} : { body: r.body }),
          // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/requests_composite.htm (Composite Subrequest: httpHeaders)
          ...(r.headers === undefined ? {} : { httpHeaders: r.headers }),
        })),
      };
      const call = exchange(json('POST', `${base}/composite`, body), sobject);
      if (compositeServed === undefined)
        firstComposite ??= call.then(
          () => undefined,
          () => undefined,
        );
      const answer = await call;
      if (!answer.ok) return answer;
      if (!answer.value.ok) {
        // `/composite` itself is missing (some orgs' proxies, emulators); a 404 of a subrequest comes inside a 200.
        if (answer.value.error.status !== 404) {
          compositeServed = true;
          return fail(fromSalesforceError(answer.value.error, sobject, config));
        }
        if (!warned)
          log.warn(
            { status: 404, errorCode: answer.value.error.errorCode },
            'Salesforce does not serve /composite here: sending its subrequests one by one from now on',
          );
        warned = true;
        compositeServed = false;
        return oneByOne(requests, allOrNone, sobject);
      }
      compositeServed = true;
      const decoded = CompositeResponse.decode(answer.value.body);
      if (decoded._tag === 'Left') throw new Error('Salesforce composite answer has an unexpected shape');
      return succeed(decoded.right.compositeResponse.map((r) => ({ referenceId: r.referenceId, status: r.httpStatusCode, body: r.body })));
    },
  };
};
