/**
 * Our outside calls (chat platforms, Salesforce, alerts) over node:http(s) with keep-alive
 * agents: one exchange, its answer read whole, within a deadline. Node's global fetch (undici)
 * spent several times the CPU per call in its web streams, and loading it cost about 20 MB of
 * memory (bench sections 2 and 5). The HubSpot SDK sends through the same agents, given as its
 * `httpAgent` option (connectors/hubspot/client.ts).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface OutboundRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface OutboundAnswer {
  readonly status: number;
  /** Lower-cased names; a repeated header's values joined with ", " as fetch joins them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** The keep-alive agent for `url`'s protocol, shared by every outside call (the HubSpot SDK's too). */
export const agentFor = (url: URL | string): HttpAgent =>
  (typeof url === 'string' ? new URL(url) : url).protocol === 'https:' ? agents.https : agents.http;

const toHeaders = (raw: IncomingHttpHeaders): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
};

/** Followed as fetch follows them (https://fetch.spec.whatwg.org/#http-redirect-fetch), at most 10 times. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

const redirected = (req: OutboundRequest, status: number, location: string): OutboundRequest => {
  const url = new URL(location, req.url).href;
  // 303, and 301/302 after a POST, become a GET without the body; 307 and 308 repeat the request.
  if (status === 303 || ((status === 301 || status === 302) && req.method === 'POST')) {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !/^content-(type|length|encoding|language|location)$/i.test(name)),
    );
    return { method: req.method === 'HEAD' ? 'HEAD' : 'GET', url, headers };
  }
  return { ...req, url };
};

/**
 * An answer is read whole, so one that never ends would take the process's memory with it; the
 * largest we read (a LiveChat chat or an iAdvize page) is a few MB.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * A call that failed on its way, whatever the layer: the connection (ECONNREFUSED, ECONNRESET,
 * ENOTFOUND), TLS (CERT_HAS_EXPIRED, ERR_SSL_WRONG_VERSION_NUMBER), the answer's framing
 * (HPE_INVALID_CONSTANT), or our own limits (E_ANSWER_TOO_LARGE, E_TOO_MANY_REDIRECTS). What
 * `http.request` throws before anything is sent (a header it refuses) is not one: that is a bug.
 */
export class SendFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}

const codeOf = (e: Error): string => ('code' in e && typeof e.code === 'string' ? e.code : 'ECONNRESET');

/** The request's and the answer's `error` events: the deadline's abort as is, anything else a SendFailure. */
const failureOf = (e: Error, signal: AbortSignal): Error =>
  signal.aborted || e instanceof SendFailure ? e : new SendFailure(codeOf(e), e.message);

/**
 * Rejects with a `SendFailure` (see there), or an `AbortError` once `timeoutMs` has passed since
 * the call began, redirects included.
 */
export const send = async (req: OutboundRequest, timeoutMs: number, maxAnswerBytes = MAX_ANSWER_BYTES): Promise<OutboundAnswer> => {
  const signal = AbortSignal.timeout(timeoutMs);
  let current = req;
  for (let redirects = 0; ; redirects++) {
    const answer = await once(current, signal, maxAnswerBytes);
    const location = answer.headers['location'];
    if (!REDIRECTS.has(answer.status) || location === undefined) return answer;
    if (redirects >= MAX_REDIRECTS) throw new SendFailure('E_TOO_MANY_REDIRECTS', `more than ${MAX_REDIRECTS} redirects`);
    current = redirected(current, answer.status, location);
  }
};

const once = (req: OutboundRequest, signal: AbortSignal, maxAnswerBytes: number): Promise<OutboundAnswer> =>
  new Promise<OutboundAnswer>((resolve, reject) => {
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
    // Our own length, of the bytes sent: a caller's Content-Length, in any case, is dropped.
    const headers: Record<string, string> = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
    );
    if (body !== undefined) headers['content-length'] = String(body.length);
    const exchange = secure ? httpsRequest : httpRequest;
    const outgoing = exchange(url, { method: req.method, headers, agent: agentFor(url), signal }, (incoming) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      incoming.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxAnswerBytes) outgoing.destroy(new SendFailure('E_ANSWER_TOO_LARGE', `answer larger than ${maxAnswerBytes} bytes`));
        else chunks.push(chunk);
      });
      incoming.on('error', (e) => reject(failureOf(e, signal)));
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, headers: toHeaders(incoming.headers), text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    outgoing.on('error', (e) => reject(failureOf(e, signal)));
    outgoing.end(body);
  });

/** What kept a `send` from answering: its deadline, or the way there (with the failure's code); `undefined` for anything else, which is a bug. */
export const sendProblem = (e: unknown): { readonly kind: 'timeout' } | { readonly kind: 'network'; readonly code: string } | undefined => {
  if (e instanceof SendFailure) return { kind: 'network', code: e.code };
  if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) return { kind: 'timeout' };
  return undefined;
};
