/**
 * A HubSpot API emulator on a real socket, for the connector's tests, the benchmark and as a
 * sandbox (`npm run emulator:hubspot`). It speaks the wire contract of research/hubspot.md §1:
 * bearer auth, exact success codes, `application/json;charset=utf-8` bodies, HubSpot's error
 * bodies, a ten-secondly rolling rate limit, search that lags writes, and injectable faults.
 */
import type { IncomingMessage } from 'node:http';
import { faultQueue, listen, readBody, send, serve, type FaultKnobs, type LogEntry } from '../http';
import { HubspotError, internalError, missingScopes, notFound, rateLimited, unauthorized, validation, type Reply } from './errors';
import { buildRoutes, type Account } from './routes';
import { PortalState } from './state';

export { PortalState, CHAT_CONVERSATION_ID, type ObjectType, type StoredObject } from './state';

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
}

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
  readonly faults: Faults;
  readonly state: PortalState;
  close(): Promise<void>;
}

export const DEFAULT_EMULATOR_TOKEN = 'pat-na1-emulator-0000-0000-000000000000';

const ALL_SCOPES = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write', 'tickets'];

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
  const routes = buildRoutes(state, account);
  const burst = new Window(options.rateLimit?.max ?? 100, options.rateLimit?.windowMs ?? 10_000);
  const searchBurst = new Window(options.searchRateLimit?.max ?? 5, options.searchRateLimit?.windowMs ?? 1_000);
  const requests: RecordedRequest[] = [];
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
   * meaning of research/hubspot.md §1.4 (https://developers.hubspot.com/docs/api/usage-details):
   * the window's length, its size, and what is left of it after this request.
   */
  const rateHeaders = (now: number): Record<string, string> => ({
    'X-HubSpot-RateLimit-Interval-Milliseconds': String(burst.windowMs),
    'X-HubSpot-RateLimit-Max': String(burst.max),
    'X-HubSpot-RateLimit-Remaining': String(burst.remaining(now)),
  });

  const answer = async (req: IncomingMessage, entry: RecordedRequest, url: URL): Promise<Reply | 'drop'> => {
    const signature = `${entry.method} ${entry.path}`;
    const fault = await pending.take(signature, entry);
    if (fault === 'drop') return 'drop';
    if (fault?.status !== undefined) {
      entry.fault = `status ${fault.status}`;
      const retryAfter: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
      const base =
        fault.status === 429 ? rateLimited(fault.policy ?? 'TEN_SECONDLY_ROLLING') : fault.status === 401 ? unauthorized() : fault.status === 403 ? missingScopes(ALL_SCOPES) : internalError(fault.status);
      // An injected 429 stands for a window another app of the portal used up.
      const limits = fault.status === 429 ? { ...rateHeaders(Date.now()), 'X-HubSpot-RateLimit-Remaining': '0' } : {};
      return { status: fault.status, body: fault.body ?? base.body, headers: { ...limits, ...retryAfter } };
    }
    if (revoked || req.headers.authorization !== `Bearer ${token}`) throw unauthorized();

    for (const route of routes) {
      if (route.method !== entry.method) continue;
      const m = route.pattern.exec(entry.path);
      if (m === null) continue;
      const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      const missing = route.scopes(params).filter((s) => !scopes.has(s));
      if (missing.length > 0) throw missingScopes(missing);
      const now = Date.now();
      if (route.search === true) {
        if (!searchBurst.take(now)) throw rateLimited('SECONDLY');
        return route.handle({ method: entry.method, path: entry.path, query: url.searchParams, body: entry.body, params });
      }
      if (!burst.take(now)) throw rateLimited('TEN_SECONDLY_ROLLING', rateHeaders(now));
      try {
        const reply = route.handle({ method: entry.method, path: entry.path, query: url.searchParams, body: entry.body, params });
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
    faults,
    state,
    close: listening.close,
  };
};
