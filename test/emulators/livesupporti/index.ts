/**
 * A LiveSupporti emulator on a real socket: the visitor-details API ("send visitor data",
 * https://support.livesupporti.com/forums/10/topics/20024) with Basic auth, 200 when taken and 400
 * with ASP.NET's `{"Message": …}` otherwise, injectable faults (latency, 5xx, 429, dropped
 * connections) and a request log. `sender.ts` beside it plays LiveSupporti's side of the webhook.
 * `GET /` is a page of the visitor details pushed (page.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as t from 'io-ts';
import { faultQueue, listen, readBody, send, serve, sleep, type FaultKnobs } from '../http';
import { isPageRequest, pageReply } from '../received-page';
import { livesupportiPage } from './page';

export {
  buildBody,
  chatStarted,
  createLiveSupportiSender,
  newWorkItemId,
  signBody,
  type Delivery,
  type LiveSupportiSender,
  type Notification,
} from './sender';

export interface LiveSupportiEmulatorOptions {
  /** 0 (default): an ephemeral port. */
  readonly port?: number;
  readonly host?: string;
  /** The only Basic credentials accepted. */
  readonly user?: string;
  readonly apiKey?: string;
  /** Added before every answer. */
  readonly latencyMs?: number;
  /** Only these accounts exist; default: any account id. */
  readonly accounts?: readonly string[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The Basic user name sent, if any (never the key). */
  readonly user: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
  status: number;
  readonly at: number;
  /** Set when an injected fault answered. */
  fault?: string;
}

export interface Fault extends FaultKnobs {
  /** Answer with this status (and `body`, sent as it is; default an ASP.NET-style message). */
  readonly status?: number;
  readonly body?: string;
}

export interface Faults {
  inject(fault: Fault): void;
  setLatency(ms: number): void;
  clear(): void;
}

export interface LiveSupportiEmulator {
  /** Base URL to give chat2crm as LIVESUPPORTI_API_URL. */
  readonly url: string;
  readonly user: string;
  readonly apiKey: string;
  /** Every request in arrival order; `requests.length = 0` clears it. */
  readonly requests: RecordedRequest[];
  /** The fields last taken per visitor id. */
  readonly details: Map<string, readonly { readonly name: string; readonly value: string }[]>;
  readonly faults: Faults;
  close(): Promise<void>;
}

export const EMULATOR_USER = 'chat2crm@example.com';
export const EMULATOR_API_KEY = 'emulator-livesupporti-api-key-000000';

const DetailsBody = t.intersection([
  t.type({
    AccountId: t.string,
    VisitorId: t.string,
    Fields: t.array(t.type({ name: t.string, value: t.string })),
  }),
  t.partial({ AgentId: t.string }),
]);

const basicUser = (header: string | undefined): { user: string; key: string } | undefined => {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (m?.[1] === undefined) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const at = text.indexOf(':');
  return at < 0 ? undefined : { user: text.slice(0, at), key: text.slice(at + 1) };
};

const message = (text: string) => JSON.stringify({ Message: text });

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

export const startLiveSupportiEmulator = async (options: LiveSupportiEmulatorOptions = {}): Promise<LiveSupportiEmulator> => {
  const user = options.user ?? EMULATOR_USER;
  const apiKey = options.apiKey ?? EMULATOR_API_KEY;
  const requests: RecordedRequest[] = [];
  const details = new Map<string, readonly { readonly name: string; readonly value: string }[]>();
  const pending = faultQueue<Fault>();
  let latencyMs = options.latencyMs ?? 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // The page for people: not part of LiveSupporti's API, so not in the request log.
    if (isPageRequest(req.method, path)) return send(req, res, pageReply(livesupportiPage(details, requests)));
    const text = await readBody(req);
    const credentials = basicUser(req.headers.authorization);
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      user: credentials?.user,
      contentType: req.headers['content-type'],
      body: parseJson(text) ?? text,
      status: 0,
      at: Date.now(),
    };
    requests.push(entry);
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      entry.status = status;
      return send(req, res, { status, text, headers });
    };

    if (latencyMs > 0) await sleep(latencyMs);
    const fault = await pending.take(`${entry.method} ${path}`, entry);
    if (fault === 'drop') return send(req, res, 'drop');
    if (fault?.status !== undefined) {
      entry.fault = String(fault.status);
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      return answer(fault.status, fault.body ?? message(fault.status === 429 ? 'Too many requests.' : 'An error has occurred.'), headers);
    }

    const route = /^\/api\/visitors\/([^/]+)\/details$/.exec(path);
    if (route?.[1] === undefined) return answer(404, message(`No HTTP resource was found that matches the request URI '${path}'.`));
    if (req.method !== 'POST') return answer(405, message(`The requested resource does not support http method '${req.method ?? ''}'.`));
    if (credentials === undefined || credentials.user !== user || credentials.key !== apiKey)
      return answer(401, message('Authorization has been denied for this request.'), { 'www-authenticate': 'Basic realm="LiveSupporti"' });
    if (!/^application\/json/i.test(req.headers['content-type'] ?? ''))
      return answer(415, message("The request entity's media type is not supported for this resource."));
    const decoded = DetailsBody.decode(parseJson(text));
    if (decoded._tag === 'Left')
      return answer(400, message('Invalid visitor details: AccountId, VisitorId and Fields [{name, value}] are required.'));
    const visitorId = decodeURIComponent(route[1]);
    if (decoded.right.VisitorId !== visitorId) return answer(400, message('VisitorId does not match the URL.'));
    if (options.accounts !== undefined && !options.accounts.includes(decoded.right.AccountId))
      return answer(400, message('Unknown account.'));
    details.set(visitorId, decoded.right.Fields);
    return answer(200, JSON.stringify({ Success: true }));
  };

  const server = serve(handle, () => ({ status: 500, text: message('An error has occurred.') }));
  const listening = await listen(server, options);

  return {
    url: listening.url,
    user,
    apiKey,
    requests,
    details,
    faults: {
      inject: pending.inject,
      setLatency: (ms) => {
        latencyMs = ms;
      },
      clear: () => {
        pending.clear();
        latencyMs = options.latencyMs ?? 0;
      },
    },
    close: listening.close,
  };
};
