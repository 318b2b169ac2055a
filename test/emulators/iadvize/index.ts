/**
 * An iAdvize API emulator on a real socket, for the source's tests, the benchmark and as a sandbox
 * (`npm run emulator:iadvize`): the OAuth token endpoint (password grant, expiry, login counting
 * and iAdvize's 10 logins a minute), `/graphql` executed by graphql-js against the schema we code
 * against, seeded conversations served in small pages, fault knobs and a request log. `GET /` is a
 * page of the conversations and of the calls the sandbox made to chat2crm (page.ts). Wire details:
 * https://github.com/iadvize/documentation/blob/master/docs/graphql-api.md; where iAdvize's bodies
 * are not documented, RFC 6749 and standard GraphQL answers are used.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { faultQueue, listen, readBody, send, serve, type FaultKnobs, type LogEntry, type Reply } from '../http';
import { executeQuery, type GraphQLRequestBody } from './graphql';
import { iadvizePage } from './page';
import type { OutgoingCall } from './play';
import { isPageRequest, pageReply } from '../received-page';

export { SCHEMA_SDL } from './graphql';
import type { SeedConversation } from './seed';

export { makeConversation, type ConversationSpec, type SeedConversation, type SeedMessage } from './seed';
export { callPlugin, sendWebhook, sign, toForm } from './webhook';
export { conversationClosed, playConversationClosed, sandboxConversations, type OutgoingCall, type Played, type PlayOptions } from './play';

export interface IAdvizeEmulatorOptions {
  /** 0 (default): an ephemeral port. */
  readonly port?: number;
  readonly host?: string;
  readonly username?: string;
  readonly password?: string;
  /** `expires_in` of issued tokens, in seconds; default 86,400 as iAdvize documents. */
  readonly tokenLifetimeS?: number;
  /** Largest page of messages served, whatever `first` asks; default 20 (forces paging). */
  readonly pageSize?: number;
  /** Added to every answer. */
  readonly latencyMs?: number;
  /** HTTP status of answers whose query fails validation; default 200 (GraphQL errors in a 200). */
  readonly validationStatus?: 200 | 400;
  /** Logins per user per rolling minute before 429; default 10. */
  readonly loginsPerMinute?: number;
  readonly conversations?: readonly SeedConversation[];
  /** SDL served instead of test/fixtures/iadvize/schema.graphql (an iAdvize whose schema differs from our assumptions). */
  readonly schema?: string;
}

export interface RecordedRequest extends LogEntry {
  readonly query: string;
  /** The parsed body; the password of a login is replaced by `***`. */
  readonly body: unknown;
}

export interface Fault extends FaultKnobs {
  /** Answer with this status (and `body`, else a plain error body). */
  readonly status?: number;
  readonly body?: unknown;
  /** Answer 200 with these GraphQL errors. */
  readonly graphqlErrors?: readonly { readonly message: string; readonly extensions?: Record<string, unknown> }[];
}

export interface IAdvizeEmulator {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly requests: RecordedRequest[];
  readonly conversations: Map<string, SeedConversation>;
  /** Logins attempted (good and bad credentials). */
  readonly logins: number;
  /** GraphQL calls received. */
  readonly graphqlCalls: number;
  /** GraphQL reads per conversation id (the query's `id` variable). */
  readonly reads: ReadonlyMap<string, number>;
  /** Calls this sandbox made to chat2crm (webhooks, plugin), shown on its page: add them here. */
  readonly outgoing: OutgoingCall[];
  seed(...conversations: readonly SeedConversation[]): void;
  readonly faults: {
    inject(fault: Fault): void;
    /** Every token issued so far answers 401 from now on (as after its `expires_in`). */
    expireTokens(): void;
    setLatency(ms: number): void;
    clear(): void;
  };
  close(): Promise<void>;
}

const parseJson = (text: string): unknown => {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return undefined;
  }
};

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * `{"error_description":"access token not valid","error":"invalid_token"}`
 * (https://github.com/iadvize/documentation/blob/master/docs/graphql-api.md, `/_authenticated`).
 */
const invalidToken: Reply = { status: 401, body: { error: 'invalid_token', error_description: 'access token not valid' } };

export const startIAdvizeEmulator = async (options: IAdvizeEmulatorOptions = {}): Promise<IAdvizeEmulator> => {
  const username = options.username ?? 'api-user@example.com';
  const password = options.password ?? 'emulator-password';
  const lifetimeS = options.tokenLifetimeS ?? 86_400;
  const pageSize = options.pageSize ?? 20;
  const loginsPerMinute = options.loginsPerMinute ?? 10;
  const conversations = new Map<string, SeedConversation>((options.conversations ?? []).map((c) => [c.id, c]));
  const tokens = new Map<string, number>();
  const loginTimes: number[] = [];
  const requests: RecordedRequest[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let logins = 0;
  let graphqlCalls = 0;
  const reads = new Map<string, number>();
  const outgoing: OutgoingCall[] = [];
  const pending = faultQueue<Fault>();

  const login = (form: URLSearchParams): Reply => {
    logins += 1;
    const now = Date.now();
    while (loginTimes.length > 0 && (loginTimes[0] ?? 0) <= now - 60_000) loginTimes.shift();
    loginTimes.push(now);
    if (loginTimes.length > loginsPerMinute) return { status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': '60' } };
    if (form.get('grant_type') !== 'password') return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (form.get('username') !== username || form.get('password') !== password)
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid username and password combination' } };
    const token = randomUUID();
    tokens.set(token, now + lifetimeS * 1000);
    return { status: 200, body: { refresh_token: randomUUID(), token_type: 'bearer', expires_in: lifetimeS, access_token: token } };
  };

  const authorized = (req: IncomingMessage): boolean => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  };

  const answer = async (req: IncomingMessage, entry: RecordedRequest, raw: string): Promise<Reply | 'drop'> => {
    const signature = `${entry.method} ${entry.path}`;
    const fault = await pending.take(signature, entry);
    if (fault === 'drop') return 'drop';
    if (fault?.status !== undefined) {
      entry.fault = `status ${fault.status}`;
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      return {
        status: fault.status,
        body: fault.body ?? (fault.status === 401 ? invalidToken.body : { error: 'emulated failure' }),
        headers,
      };
    }
    if (fault?.graphqlErrors !== undefined) {
      entry.fault = 'graphql errors';
      return { status: 200, body: { data: null, errors: fault.graphqlErrors } };
    }
    if (entry.method === 'POST' && entry.path === '/oauth2/token') return login(new URLSearchParams(raw));
    if (entry.method === 'GET' && entry.path === '/_authenticated')
      return authorized(req) ? { status: 200, body: { authenticated: true } } : invalidToken;
    if (entry.method === 'POST' && entry.path === '/graphql') {
      graphqlCalls += 1;
      if (!authorized(req)) return invalidToken;
      const body = entry.body;
      if (!isRecord(body) || typeof body['query'] !== 'string')
        return { status: 400, body: { errors: [{ message: 'Must provide query string.' }] } };
      const variables = isRecord(body['variables']) ? body['variables'] : null;
      const operationName = typeof body['operationName'] === 'string' ? body['operationName'] : null;
      const request: GraphQLRequestBody = { query: body['query'], variables, operationName };
      const id = variables?.['id'];
      if (typeof id === 'string') reads.set(id, (reads.get(id) ?? 0) + 1);
      const result = await executeQuery(request, conversations, pageSize, options.schema);
      const invalid = result.data === undefined && (result.errors?.length ?? 0) > 0;
      return { status: invalid ? (options.validationStatus ?? 200) : 200, body: result };
    }
    return { status: 404, body: { error: 'not_found' } };
  };

  const server = serve(async (req, res) => {
    const startedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    // The page for people: not part of iAdvize's API, so not in the request log.
    if (isPageRequest(req.method, url.pathname)) return send(req, res, pageReply(iadvizePage(conversations, reads, outgoing)));
    const raw = await readBody(req);
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const body =
      raw === ''
        ? undefined
        : form
          ? Object.fromEntries([...new URLSearchParams(raw)].map(([k, v]) => [k, k === 'password' ? '***' : v]))
          : parseJson(raw);
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      body,
      status: 0,
      startedAt,
      endedAt: 0,
    };
    requests.push(entry);
    await send(req, res, await answer(req, entry, raw), { latencyMs, log: entry });
  });
  const listening = await listen(server, options);

  return {
    url: listening.url,
    username,
    password,
    requests,
    conversations,
    get logins() {
      return logins;
    },
    get graphqlCalls() {
      return graphqlCalls;
    },
    reads,
    outgoing,
    seed: (...seeded) => {
      for (const c of seeded) conversations.set(c.id, c);
    },
    faults: {
      inject: pending.inject,
      expireTokens: () => tokens.clear(),
      setLatency: (ms) => {
        latencyMs = ms;
      },
      clear: pending.clear,
    },
    close: listening.close,
  };
};
