/**
 * A LiveChat emulator on a real socket, for the source's tests, the benchmark and as a sandbox
 * (`npm run emulator:livechat`). It speaks LiveChat's wire contract
 * (https://platform.text.com/docs/messaging/agent-chat-api,
 * https://developers.livechat.com/docs/rest-api/v2): the Agent Chat API v3.x actions chat2crm calls
 * (Basic `account_id:pat` or Bearer auth, `X-Region` with `misdirected_request`, scopes, LiveChat's
 * error bodies, chats with threads, customers with session fields, the membership rule of
 * `send_event`), the v2 visitor-details call, injectable faults and a request log. With `webhooks`,
 * it also posts the v3 webhooks a real account would. `GET /` is a page of what the service wrote
 * (page.ts).
 */
import type { IncomingMessage } from 'node:http';
import { faultQueue, listen, readBody, send, serve, type FaultKnobs, type LogEntry, type Reply as HttpReply } from '../http';
import { ACTIONS, SCOPE_OF, type Requester } from './actions';
import { apiError, LiveChatApiError, STATUS_OF_TYPE } from './errors';
import { livechatPage } from './page';
import { LiveChatState } from './state';
import { isPageRequest, pageReply } from '../received-page';

export { LiveChatState, livechatId, type EmulatedChat, type EmulatedCustomer, type EmulatedEvent, type EmulatedThread } from './state';

export interface EmulatedAccount {
  /** PAT login: Basic `base64(accountId:pat)`. */
  readonly accountId: string;
  readonly pat: string;
  /** The chat user the account acts as (an agent's email). */
  readonly agentId: string;
  /** The data centre the account lives in; requests to another answer `misdirected_request`. Default `dal`. */
  readonly region?: string;
  /** Default: every scope chat2crm needs. */
  readonly scopes?: readonly string[];
}

export interface EmulatedAccessToken {
  /** OAuth access token (`fra:…` for Frankfurt accounts). */
  readonly token: string;
  readonly agentId: string;
  readonly region?: string;
  readonly scopes?: readonly string[];
}

export interface LiveChatEmulatorOptions {
  readonly port?: number;
  readonly host?: string;
  readonly latencyMs?: number;
  readonly accounts?: readonly EmulatedAccount[];
  readonly accessTokens?: readonly EmulatedAccessToken[];
  /** LiveChat's rate limit (its figures are not published): at most `requests` Agent Chat API calls per `windowMs`. */
  readonly rateLimit?: RateLimit;
}

export interface RateLimit {
  readonly requests: number;
  readonly windowMs: number;
}

export interface RecordedRequest extends LogEntry {
  /** The Agent Chat API action, when the path names one. */
  readonly action: string | undefined;
  readonly body: unknown;
  readonly authorization: string | undefined;
  readonly region: string | undefined;
  readonly apiVersion: string | undefined;
  /** The error type answered, if any. */
  errorType?: string;
}

export interface Fault extends FaultKnobs {
  /** An HTTP status: 5xx → `internal`/`service_unavailable`, 429 → `too_many_requests`, 401 → `authentication`. */
  readonly status?: number;
  /** An error type to answer (its status from the emulator's table), e.g. `service_unavailable`. */
  readonly type?: string;
  /** Only requests whose action (or v2 path) matches. */
  readonly match?: RegExp;
}

export interface Faults {
  inject(fault: Fault): void;
  /** Every Agent Chat API request answers `authentication` until `clear()`. */
  revokeCredentials(): void;
  /** Every account and token now lives in `region`: calls elsewhere are misdirected. */
  moveToRegion(region: string): void;
  setLatency(ms: number): void;
  /** Calls beyond the limit answer 429 `too_many_requests` with `Retry-After` (seconds to the window's end); undefined lifts it. */
  setRateLimit(limit: RateLimit | undefined): void;
  clear(): void;
}

export interface LiveChatEmulator {
  /** `LIVECHAT_API_URL`. */
  readonly url: string;
  readonly state: LiveChatState;
  /** Every request in arrival order; `requests.length = 0` clears it. */
  readonly requests: RecordedRequest[];
  readonly faults: Faults;
  readonly account: EmulatedAccount;
  /** Agent Chat API calls recorded, optionally only of one action. */
  calls(action?: string): RecordedRequest[];
  close(): Promise<void>;
}

export const DEFAULT_ACCOUNT: EmulatedAccount = {
  accountId: '8c4a1d2e-5b6f-4a7c-9d8e-0f1a2b3c4d5e',
  pat: 'dal:emulator-pat-0000000000000000',
  agentId: 'chat2crm-bot@example.com',
};

const ALL_SCOPES = [...new Set(Object.values(SCOPE_OF))];

interface Identity extends Requester {
  region: string;
  readonly scopes: ReadonlySet<string>;
}

type Reply = HttpReply | 'drop';

const ACTION_PATH = /^\/v3\.\d+\/agent\/action\/([a-z_]+)$/;
const DETAILS_PATH = /^\/visitors\/([^/]+)\/details$/;

export const startLiveChatEmulator = async (options: LiveChatEmulatorOptions = {}): Promise<LiveChatEmulator> => {
  const state = new LiveChatState();
  const accounts = options.accounts ?? [DEFAULT_ACCOUNT];
  const account = accounts[0] ?? DEFAULT_ACCOUNT;
  const identities = new Map<string, Identity>();
  for (const a of accounts) {
    identities.set(`Basic ${Buffer.from(`${a.accountId}:${a.pat}`).toString('base64')}`, {
      agentId: a.agentId,
      region: a.region ?? 'dal',
      scopes: new Set(a.scopes ?? ALL_SCOPES),
    });
    state.addAgent(a.agentId, 'chat2crm');
  }
  for (const tk of options.accessTokens ?? []) {
    identities.set(`Bearer ${tk.token}`, { agentId: tk.agentId, region: tk.region ?? 'dal', scopes: new Set(tk.scopes ?? ALL_SCOPES) });
    state.addAgent(tk.agentId, 'chat2crm');
  }
  const requests: RecordedRequest[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let revoked = false;
  const pending = faultQueue<Fault>();
  let rateLimit = options.rateLimit;
  let windowStart = 0;
  let windowCalls = 0;
  /** The seconds to wait when this call is over the limit, else undefined (the call counts). */
  const overLimit = (now: number): number | undefined => {
    if (rateLimit === undefined) return undefined;
    if (now - windowStart >= rateLimit.windowMs) {
      windowStart = now;
      windowCalls = 0;
    }
    windowCalls++;
    return windowCalls > rateLimit.requests ? Math.max(1, Math.ceil((windowStart + rateLimit.windowMs - now) / 1000)) : undefined;
  };

  const faults: Faults = {
    inject: pending.inject,
    revokeCredentials: () => {
      revoked = true;
    },
    moveToRegion: (region) => {
      for (const identity of identities.values()) identity.region = region;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setRateLimit: (limit) => {
      rateLimit = limit;
      windowCalls = 0;
    },
    clear: () => {
      pending.clear();
      revoked = false;
    },
  };

  const faultReply = (fault: Fault): Reply | undefined => {
    const headers = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
    if (fault.type !== undefined)
      return {
        status: fault.status ?? STATUS_OF_TYPE[fault.type] ?? 500,
        body: apiError(fault.type, `Injected ${fault.type}`).body,
        headers,
      };
    if (fault.status === undefined) return undefined;
    const type =
      fault.status === 429
        ? 'too_many_requests'
        : fault.status === 401
          ? 'authentication'
          : fault.status === 503
            ? 'service_unavailable'
            : fault.status >= 500
              ? 'internal'
              : 'validation';
    return { status: fault.status, body: new LiveChatApiError(type, `Injected ${fault.status}`, undefined, fault.status).body, headers };
  };

  const agentAction = (req: IncomingMessage, entry: RecordedRequest, action: string, body: unknown): Reply => {
    const identity = revoked ? undefined : identities.get(req.headers.authorization ?? '');
    if (identity === undefined) throw apiError('authentication', 'Invalid access token');
    // "Misdirected request … data.region": the account lives in another data centre
    // (https://platform.text.com/docs/messaging/agent-chat-api#errors).
    if ((entry.region ?? 'dal') !== identity.region) throw apiError('misdirected_request', 'Wrong region', { region: identity.region });
    if (!Object.hasOwn(ACTIONS, action)) throw apiError('not_found', `Unknown action ${action}`);
    const handler = ACTIONS[action];
    if (handler === undefined) throw apiError('not_found', `Unknown action ${action}`);
    const scope = SCOPE_OF[action];
    if (scope !== undefined && !identity.scopes.has(scope)) throw apiError('missing_access', `Scope ${scope} is required`);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiError('validation', 'The body must be a JSON object');
    return { status: 200, body: handler(state, identity, Object.fromEntries(Object.entries(body))) };
  };

  /** v2: no Authorization; the webhook's `license_id` + `token` are the credentials (https://developers.livechat.com/docs/rest-api/v2 "Visitors"). */
  const visitorDetails = (req: IncomingMessage, visitorId: string, raw: string, body: unknown): Reply => {
    if (req.headers['x-api-version'] !== '2') return { status: 400, body: { error: 'X-API-Version: 2 is required' } };
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(raw))
      : undefined;
    const fields: Record<string, unknown> =
      form ?? (typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.fromEntries(Object.entries(body)) : {});
    const licenseId: unknown = fields.license_id;
    const token: unknown = fields.token;
    if ((typeof licenseId !== 'number' && typeof licenseId !== 'string') || typeof token !== 'string')
      return { status: 400, body: { error: 'license_id and token are required' } };
    if (state.v2Tokens.get(String(licenseId))?.has(token) !== true) return { status: 401, body: { error: 'Invalid license_id or token' } };
    if (typeof fields.id !== 'string' || (form === undefined && !Array.isArray(fields.fields)))
      return { status: 400, body: { error: 'id and fields are required' } };
    const list = state.visitorDetails.get(visitorId) ?? [];
    list.push(fields);
    state.visitorDetails.set(visitorId, list);
    return { status: 200, body: { result: 'Visitor details added' } };
  };

  const answer = async (req: IncomingMessage, entry: RecordedRequest, raw: string): Promise<Reply> => {
    const fault = await pending.take(entry.action ?? entry.path, entry);
    if (fault === 'drop') return 'drop';
    const injected = fault === undefined ? undefined : faultReply(fault);
    if (injected !== undefined) {
      entry.fault = fault?.type ?? `status ${fault?.status ?? ''}`;
      if (fault?.type !== undefined) entry.errorType = fault.type;
      return injected;
    }
    let body: unknown;
    try {
      body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      if (entry.action !== undefined) throw apiError('validation', 'Invalid JSON');
    }
    const details = DETAILS_PATH.exec(entry.path);
    if (entry.method === 'POST' && details?.[1] !== undefined) return visitorDetails(req, decodeURIComponent(details[1]), raw, body);
    if (entry.method === 'POST' && entry.action !== undefined) {
      const waitSeconds = overLimit(Date.now());
      if (waitSeconds !== undefined) {
        entry.errorType = 'too_many_requests';
        return {
          status: 429,
          body: apiError('too_many_requests', 'Too many requests').body,
          headers: { 'Retry-After': String(waitSeconds) },
        };
      }
      return agentAction(req, entry, entry.action, body);
    }
    throw new LiveChatApiError('not_found', `No route for ${entry.method} ${entry.path}`, undefined, 404);
  };

  const header = (req: IncomingMessage, name: string): string | undefined => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };

  const server = serve(async (req, res) => {
    const startedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    // The page for people: not part of LiveChat's API, so not in the request log.
    if (isPageRequest(req.method, url.pathname)) return send(req, res, pageReply(livechatPage(state, requests)));
    const raw = await readBody(req);
    let parsed: unknown;
    try {
      parsed = raw === '' ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      parsed = raw;
    }
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      action: ACTION_PATH.exec(url.pathname)?.[1],
      body: parsed,
      authorization: header(req, 'authorization'),
      region: header(req, 'x-region'),
      apiVersion: header(req, 'x-api-version'),
      status: 0,
      startedAt,
      endedAt: 0,
    };
    requests.push(entry);
    let reply: Reply;
    try {
      reply = await answer(req, entry, raw);
    } catch (e) {
      if (!(e instanceof LiveChatApiError)) throw e;
      entry.errorType = e.type;
      reply = { status: e.status, body: e.body };
    }
    await send(req, res, reply, { latencyMs, log: entry });
  });
  const listening = await listen(server, options);

  return {
    url: listening.url,
    state,
    requests,
    faults,
    account,
    calls: (action) => requests.filter((r) => r.action !== undefined && (action === undefined || r.action === action)),
    close: listening.close,
  };
};
