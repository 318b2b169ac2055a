/**
 * Our outside calls (chat platforms, Salesforce, alerts) over node:http(s) with keep-alive
 * agents: one exchange, its answer read whole, within a deadline. Node's global fetch (undici)
 * spent several times the CPU per call in its web streams, and loading it cost about 20 MB of
 * memory (bench sections 2 and 5). The HubSpot SDK reaches node:http through its own
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
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !/^content-(type|length|encoding|language|location)$/i.test(name)));
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
 * Rejects with the socket's error (an `Error` with a `code`: ECONNREFUSED, ECONNRESET, ...;
 * E_ANSWER_TOO_LARGE past `maxAnswerBytes`), or an `AbortError` once `timeoutMs` has passed
 * since the call began, redirects included.
 */
export const send = async (req: OutboundRequest, timeoutMs: number, maxAnswerBytes = MAX_ANSWER_BYTES): Promise<OutboundAnswer> => {
  const signal = AbortSignal.timeout(timeoutMs);
  let current = req;
  for (let redirects = 0; ; redirects++) {
    const answer = await once(current, signal, maxAnswerBytes);
    const location = answer.headers['location'];
    if (!REDIRECTS.has(answer.status) || location === undefined) return answer;
    if (redirects >= MAX_REDIRECTS) throw Object.assign(new Error(`more than ${MAX_REDIRECTS} redirects`), { code: 'E_TOO_MANY_REDIRECTS' });
    current = redirected(current, answer.status, location);
  }
};

const once = (req: OutboundRequest, signal: AbortSignal, maxAnswerBytes: number): Promise<OutboundAnswer> =>
  new Promise<OutboundAnswer>((resolve, reject) => {
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
    // Our own length, of the bytes sent: a caller's Content-Length, in any case, is dropped.
    const headers: Record<string, string> = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
    if (body !== undefined) headers['content-length'] = String(body.length);
    const exchange = secure ? httpsRequest : httpRequest;
    const outgoing = exchange(url, { method: req.method, headers, agent: secure ? agents.https : agents.http, signal }, (incoming) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      incoming.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxAnswerBytes) outgoing.destroy(Object.assign(new Error(`answer larger than ${maxAnswerBytes} bytes`), { code: 'E_ANSWER_TOO_LARGE' }));
        else chunks.push(chunk);
      });
      incoming.on('error', reject);
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: toHeaders(incoming.headers), text: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });

/** What kept a `send` from answering: its deadline, or the network (with the socket's code); `undefined` for anything else, which is a bug. */
export const sendProblem = (e: unknown): { readonly kind: 'timeout' } | { readonly kind: 'network'; readonly code: string } | undefined => {
  if (!(e instanceof Error)) return undefined;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return { kind: 'timeout' };
  const code = 'code' in e && typeof e.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code) ? e.code : undefined;
  if (code !== undefined) return { kind: 'network', code };
  // A socket closed mid-answer ("aborted") carries its code on the response's error.
  if (/^(aborted|socket hang up)$/.test(e.message)) return { kind: 'network', code: 'ECONNRESET' };
  return undefined;
};
