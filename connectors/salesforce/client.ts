/**
 * The only code that talks to Salesforce (with auth.ts): jsforce over a transport that bounds
 * every exchange, honours NO_PROXY, leaves retries to our worker, and a session that is
 * refreshed at most once per failed call.
 */
import * as t from 'io-ts';
import { Connection, type HttpRequest, type HttpRequestOptions } from 'jsforce';
import { Transport } from 'jsforce/lib/transport';
import { fail, succeed, transient, type CrmFailure, type Outcome } from '../../src/domain/outcome';
import { createAuth, type Session } from './auth';
import type { SalesforceConfig } from './config';
import { CompositeResponse, fromSalesforceError, type SalesforceError } from './mappers';

/**
 * jsforce reads HTTP(S)_PROXY once at import and ignores NO_PROXY (jsforce#1741), so a proxy set
 * for the internet also captured loopback traffic. We decide per request instead.
 */
export const proxyFor = (url: string, env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const proxy = env['https_proxy'] ?? env['HTTPS_PROXY'] ?? env['http_proxy'] ?? env['HTTP_PROXY'];
  if (proxy === undefined || proxy === '') return undefined;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) return undefined;
  const exempt = (env['no_proxy'] ?? env['NO_PROXY'] ?? '')
    .split(',')
    .map((x) => x.trim().toLowerCase().replace(/:\d+$/, ''))
    .filter((x) => x !== '');
  return exempt.some((x) => x === '*' || host === x.replace(/^\./, '') || host.endsWith(x.startsWith('.') ? x : `.${x}`)) ? undefined : proxy;
};

/**
 * Every exchange gets our deadline (jsforce's default is 30 minutes) and no jsforce retries: they
 * would repeat GETs for up to ~15 s (research/salesforce.md §1.4), while our worker retries transients on
 * its own schedule.
 */
class BoundedTransport extends Transport {
  constructor(private readonly timeoutMs: number) {
    super();
  }
  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}) {
    // '' rather than undefined: jsforce merges our options over its import-time defaults and treats '' as "no proxy".
    return super.httpRequest(req, { ...options, timeout: this.timeoutMs, httpProxy: proxyFor(req.url) ?? '', retry: { maxRetries: 0 } });
  }
}

const Cause = t.type({ code: t.string });
/** A network-level failure (timeout, refused, reset), described without personal data. */
export const networkProblem = (e: unknown, timeoutMs: number): CrmFailure | undefined => {
  if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) return transient('CRM_TIMEOUT', `Salesforce did not answer within ${timeoutMs} ms; retrying later`);
  const cause = e instanceof Error && Cause.is(e.cause) ? e.cause.code : e instanceof Error && Cause.is(e) ? e.code : undefined;
  if (cause !== undefined || (e instanceof TypeError && /fetch failed|other side closed/i.test(e.message)))
    return transient('CRM_UNAVAILABLE', `Salesforce is unreachable (${cause ?? (e instanceof Error ? e.message : 'network error')}); retrying later`);
  return undefined;
};

const ThrownApiError = t.intersection([t.type({ errorCode: t.string, message: t.string }), t.partial({ data: t.unknown })]);
const WithFields = t.type({ fields: t.array(t.string) });
/** jsforce's errors carry no HTTP status; these codes have a fixed one (REST API errorcodes.htm). */
const STATUS_OF: Readonly<Record<string, number>> = { MULTIPLE_CHOICES: 300, INVALID_SESSION_ID: 401, REQUEST_LIMIT_EXCEEDED: 403, NOT_FOUND: 404 };

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
}

export interface SubResult {
  readonly referenceId: string;
  readonly status: number;
  readonly body: unknown;
}

export interface SalesforceClient {
  /** One round trip: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm */
  composite(requests: readonly Subrequest[], allOrNone: boolean, sobject: string): Promise<Outcome<readonly SubResult[]>>;
  get(path: string, sobject: string): Promise<Outcome<unknown>>;
  /** Logs in (or reuses the session) and returns it. */
  session(): Promise<Outcome<Session>>;
}

export const createSalesforceClient = (config: SalesforceConfig): SalesforceClient => {
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

  type Attempt = { readonly expired: true } | { readonly expired: false; readonly outcome: Outcome<unknown> };
  const attempt = async (s: Session, request: HttpRequest, sobject: string): Promise<Attempt> => {
    try {
      return { expired: false, outcome: succeed(await connectionFor(s).request<unknown>(request)) };
    } catch (e) {
      const down = networkProblem(e, config.timeoutMs);
      if (down !== undefined) return { expired: false, outcome: fail(down) };
      const api = thrownError(e);
      if (api === undefined) throw e;
      if (api.errorCode === 'INVALID_SESSION_ID') return { expired: true };
      return { expired: false, outcome: fail(fromSalesforceError(api, sobject, config)) };
    }
  };

  /** Never more than one refresh per call: a second 401 with a fresh token is a permanent failure. */
  const send = async (request: HttpRequest, sobject: string): Promise<Outcome<unknown>> => {
    const s = await auth.session();
    if (!s.ok) return s;
    const first = await attempt(s.value, request, sobject);
    if (!first.expired) return first.outcome;
    const fresh = await auth.refresh(s.value.accessToken);
    if (!fresh.ok) return fresh;
    const second = await attempt(fresh.value, request, sobject);
    return second.expired ? fail(fromSalesforceError({ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid', status: 401 }, sobject, config)) : second.outcome;
  };

  return {
    session: () => auth.session(),
    get: (path, sobject) => send({ method: 'GET', url: `${base}${path}` }, sobject),
    async composite(requests, allOrNone, sobject) {
      const body = {
        allOrNone,
        compositeRequest: requests.map((r) => ({ method: r.method, url: `${base}${r.url}`, referenceId: r.referenceId, ...(r.body === undefined ? {} : { body: r.body }) })),
      };
      const answer = await send({ method: 'POST', url: `${base}/composite`, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }, sobject);
      if (!answer.ok) return answer;
      const decoded = CompositeResponse.decode(answer.value);
      if (decoded._tag === 'Left') throw new Error('Salesforce composite answer has an unexpected shape');
      return succeed(decoded.right.compositeResponse.map((r) => ({ referenceId: r.referenceId, status: r.httpStatusCode, body: r.body })));
    },
  };
};
