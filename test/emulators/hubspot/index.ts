/**
 * A HubSpot API emulator on a real socket, for the connector's tests, the benchmark and as a
 * sandbox (`npm run emulator:hubspot`). It speaks HubSpot's date-versioned APIs (2026-03 and
 * 2026-09, https://developers.hubspot.com/docs/api-reference/2026-03/overview): bearer auth,
 * exact success codes, `application/json;charset=utf-8` bodies, HubSpot's error bodies, a
 * ten-secondly rolling rate limit, search that lags writes, 2026-09's portal rules on creates,
 * and injectable faults. By default it answers every legacy `/v1/`…`/v4/` path with 404 and its
 * `close()` fails naming them, so a test fails the moment any code still calls one. Its web
 * pages (pages.ts) show what it received.
 */
import type { IncomingMessage } from 'node:http';
import { faultQueue, listen, readBody, send, serve, type FaultKnobs, type LogEntry } from '../http';
import { HubspotError, internalError, missingScopes, notFound, rateLimited, unauthorized, validation, type Reply } from './errors';
import { batchRoutes } from './batch';
import { associationBatchRoutes } from './batch-associations';
import { pageFor } from './pages';
import { buildRoutes, type Account } from './routes';
import { PortalState } from './state';

export { PortalState, CHAT_CONVERSATION_ID, SEEDED_OWNERS, type ObjectType, type Owner, type StoredObject } from './state';

export interface HubspotEmulatorOptions {
  /** 0 (default): an ephemeral port. */
  readonly port?: number;
  readonly host?: string;
  /** Added to every response. */
  readonly latencyMs?: number;
  /** How long a write takes to show up in search results. Default 0. */
  readonly searchLagMs?: number;
  /** HubSpot's per-app burst limit; default 100 requests per 10 s (Free/Starter). Search is exempt. */
  readonly rateLimit?: { readonly max: number; readonly windowMs: number };
  /** Search's own limit; default 5 requests per second. */
  readonly searchRateLimit?: { readonly max: number; readonly windowMs: number };
  /** The only bearer token accepted. */
  readonly token?: string;
  /** Scopes granted to the token; default all. */
  readonly scopes?: readonly string[];
  readonly portalId?: number;
  /** `app.hubspot.com` (default) or e.g. `app-eu1.hubspot.com`. */
  readonly uiDomain?: string;
  /** Start with chat2crm's custom properties defined, as after `npm run setup`. Default true. */
  readonly customProperties?: boolean;
  /**
   * `refuse` (default): every legacy path (`/crm/v3/…`, `/crm/v4/…`, `/account-info/v3/…`, any
   * `/v1/`…`/v4/` segment) answers 404, is kept in `legacyRequests`, and makes `close()` fail.
   * `serve`: legacy paths are answered as their 2026-03 form, for a client not yet moved.
   */
  readonly legacyPaths?: 'refuse' | 'serve';
}

/** The date versions this emulator serves (https://developers.hubspot.com/docs/api-reference/2026-03/overview). */
export const SERVED_VERSIONS: readonly string[] = ['2026-03', '2026-09'];

/** Any semantic-version segment: what HubSpot stops supporting in 2027. */
const LEGACY_SEGMENT = /\/v[1-4](?=\/|$)/;

/** The legacy prefixes with a dated twin, for `legacyPaths: 'serve'` (the migration guide's table). */
const LEGACY_TO_DATED: readonly (readonly [RegExp, string])[] = [
  [/^\/crm\/v3\/objects(?=\/|$)/, '/crm/objects/2026-03'],
  [/^\/crm\/v4\/objects(?=\/|$)/, '/crm/objects/2026-03'],
  [/^\/crm\/v3\/properties(?=\/|$)/, '/crm/properties/2026-03'],
  [/^\/crm\/v3\/pipelines(?=\/|$)/, '/crm/pipelines/2026-03'],
  [/^\/account-info\/v3(?=\/|$)/, '/account-info/2026-03'],
];

export interface RecordedRequest extends LogEntry {
  readonly query: Readonly<Record<string, string[]>>;
  readonly body: unknown;
}

export interface Fault extends FaultKnobs {
  /** Answer with this status and HubSpot's body for it (or `body`). */
  readonly status?: number;
  readonly body?: Record<string, unknown>;
  /** `TEN_SECONDLY_ROLLING` (default) or `SECONDLY`, for a 429 without `body`. */
  readonly policy?: 'TEN_SECONDLY_ROLLING' | 'SECONDLY';
}

export interface Faults {
  inject(fault: Fault): void;
  /** Every request answers 401 until `clear()`. */
  revokeToken(): void;
  setLatency(ms: number): void;
  clear(): void;
}

export interface HubspotEmulator {
  /** Base URL to give the SDK as `basePath` / `HUBSPOT_BASE_URL`. */
  readonly url: string;
  readonly token: string;
  readonly portalId: number;
  readonly uiDomain: string;
  /** Every request in arrival order; `requests.length = 0` clears it. */
  readonly requests: RecordedRequest[];
  /** Requests to legacy paths (refused with 404 unless `legacyPaths: 'serve'`); never cleared. */
  readonly legacyRequests: RecordedRequest[];
  readonly faults: Faults;
  readonly state: PortalState;
  /** Rejects, after closing, when legacy paths were refused: a client still calls them. */
  close(): Promise<void>;
}

export const DEFAULT_EMULATOR_TOKEN = 'pat-na1-emulator-0000-0000-000000000000';

const ALL_SCOPES = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'tickets',
  'crm.objects.owners.read',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.companies.read',
];

/** A sliding window of request times. */
class Window {
  private readonly hits: number[] = [];
  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}
  private prune(now: number) {
    while (this.hits.length > 0 && (this.hits[0] ?? 0) <= now - this.windowMs) this.hits.shift();
  }
  /** True when the request fits; it is then counted. */
  take(now: number): boolean {
    this.prune(now);
    if (this.hits.length >= this.max) return false;
    this.hits.push(now);
    return true;
  }
  remaining(now: number): number {
    this.prune(now);
    return Math.max(0, this.max - this.hits.length);
  }
}

export const startHubspotEmulator = async (options: HubspotEmulatorOptions = {}): Promise<HubspotEmulator> => {
  const token = options.token ?? DEFAULT_EMULATOR_TOKEN;
  const scopes = new Set(options.scopes ?? ALL_SCOPES);
  const account: Account = {
    portalId: options.portalId ?? 24_681_357,
    uiDomain: options.uiDomain ?? 'app.hubspot.com',
    dataHostingLocation: (options.uiDomain ?? '').includes('eu1') ? 'eu1' : 'na1',
  };
  const state = new PortalState({ searchLagMs: options.searchLagMs ?? 0, customProperties: options.customProperties ?? true });
  const routes = [...batchRoutes(state), ...associationBatchRoutes(state), ...buildRoutes(state, account)];
  const burst = new Window(options.rateLimit?.max ?? 100, options.rateLimit?.windowMs ?? 10_000);
  const searchBurst = new Window(options.searchRateLimit?.max ?? 5, options.searchRateLimit?.windowMs ?? 1_000);
  const requests: RecordedRequest[] = [];
  const legacyRequests: RecordedRequest[] = [];
  const legacyPaths = options.legacyPaths ?? 'refuse';
  let latencyMs = options.latencyMs ?? 0;
  let revoked = false;
  const pending = faultQueue<Fault>();

  const faults: Faults = {
    inject: pending.inject,
    revokeToken: () => {
      revoked = true;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    clear: () => {
      pending.clear();
      revoked = false;
    },
  };

  /**
   * Sent with every answer the ten-secondly window counted, errors included, with the names and
   * meaning HubSpot documents (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines):
   * the window's length, its size, and what is left of it after this request.
   */
  const rateHeaders = (now: number): Record<string, string> => ({
    'X-HubSpot-RateLimit-Interval-Milliseconds': String(burst.windowMs),
    'X-HubSpot-RateLimit-Max': String(burst.max),
    'X-HubSpot-RateLimit-Remaining': String(burst.remaining(now)),
  });

  /** The path routes match: dated as sent, a legacy one moved to 2026-03 or refused. */
  const routedPath = (entry: RecordedRequest): string => {
    if (!LEGACY_SEGMENT.test(entry.path)) return entry.path;
    legacyRequests.push(entry);
    const twin = LEGACY_TO_DATED.find(([legacy]) => legacy.test(entry.path));
    if (legacyPaths === 'refuse' || twin === undefined)
      throw notFound(
        `${entry.method} ${entry.path} is a legacy API path, refused by this emulator: use the date-versioned path (${SERVED_VERSIONS.join(' or ')})`,
      );
    return entry.path.replace(twin[0], twin[1]);
  };

  const answer = async (req: IncomingMessage, entry: RecordedRequest, url: URL): Promise<Reply | 'drop'> => {
    const signature = `${entry.method} ${entry.path}`;
    const path = routedPath(entry);
    const fault = await pending.take(signature, entry);
    if (fault === 'drop') return 'drop';
    if (fault?.status !== undefined) {
      entry.fault = `status ${fault.status}`;
      const retryAfter: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
      const base =
        fault.status === 429
          ? rateLimited(fault.policy ?? 'TEN_SECONDLY_ROLLING')
          : fault.status === 401
            ? unauthorized()
            : fault.status === 403
              ? missingScopes(ALL_SCOPES)
              : internalError(fault.status);
      // An injected 429 stands for a window another app of the portal used up.
      const limits = fault.status === 429 ? { ...rateHeaders(Date.now()), 'X-HubSpot-RateLimit-Remaining': '0' } : {};
      return { status: fault.status, body: fault.body ?? base.body, headers: { ...limits, ...retryAfter } };
    }
    if (revoked || req.headers.authorization !== `Bearer ${token}`) throw unauthorized();

    for (const route of routes) {
      if (route.method !== entry.method) continue;
      const m = route.pattern.exec(path);
      if (m === null) continue;
      const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      const version = params.version ?? '';
      if (!SERVED_VERSIONS.includes(version))
        throw notFound(`API version ${version} is not served here; use ${SERVED_VERSIONS.join(' or ')}`);
      const missing = route.scopes(params).filter((s) => !scopes.has(s));
      if (missing.length > 0) throw missingScopes(missing);
      const now = Date.now();
      if (route.search === true) {
        if (!searchBurst.take(now)) throw rateLimited('SECONDLY');
        return route.handle({ version, method: entry.method, path, query: url.searchParams, body: entry.body, params });
      }
      if (!burst.take(now)) throw rateLimited('TEN_SECONDLY_ROLLING', rateHeaders(now));
      try {
        const reply = route.handle({ version, method: entry.method, path, query: url.searchParams, body: entry.body, params });
        return { ...reply, headers: { ...rateHeaders(now), ...reply.headers } };
      } catch (e) {
        if (e instanceof HubspotError) throw new HubspotError(e.status, e.body, { ...rateHeaders(now), ...e.headers });
        throw e;
      }
    }
    throw notFound(`No route for ${signature}`);
  };

  const server = serve(async (req, res) => {
    const startedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    // The portal's UI pages are not API calls: no token, no rate limit, not in the request log.
    const uiPage = pageFor({ state, portalId: account.portalId }, req.method ?? 'GET', url.pathname);
    if (uiPage !== undefined) {
      await send(req, res, uiPage);
      return;
    }
    const raw = await readBody(req);
    let body: unknown;
    let bodyError: HubspotError | undefined;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      bodyError = validation('Invalid input JSON on line 1');
    }
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const entry: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, body, status: 0, startedAt, endedAt: 0 };
    requests.push(entry);

    let reply: Reply | 'drop';
    try {
      if (bodyError !== undefined) throw bodyError;
      reply = await answer(req, entry, url);
    } catch (e) {
      if (!(e instanceof HubspotError)) throw e;
      reply = { status: e.status, body: e.body, headers: e.headers };
    }
    await send(req, res, reply, { contentType: 'application/json;charset=utf-8', latencyMs, log: entry });
  });
  const listening = await listen(server, options);

  return {
    url: listening.url,
    token,
    portalId: account.portalId,
    uiDomain: account.uiDomain,
    requests,
    legacyRequests,
    faults,
    state,
    close: async () => {
      await listening.close();
      if (legacyPaths === 'refuse' && legacyRequests.length > 0)
        throw new Error(
          `the HubSpot emulator refused ${legacyRequests.length} call(s) to legacy API paths: ${[...new Set(legacyRequests.map((r) => `${r.method} ${r.path}`))].join(', ')}`,
        );
    },
  };
};
