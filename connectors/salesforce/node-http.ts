/**
 * One exchange over node:http(s) with keep-alive agents, in the shape jsforce's transport
 * answers with (`{ statusCode, headers, body }`, jsforce/lib/request.js). jsforce's own path
 * runs every call through undici's fetch, web streams and two PassThrough streams: for a new
 * lead at 0 ms per call that was most of our CPU. Proxied requests keep jsforce's path
 * (client.ts), which tunnels through the proxy.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** jsforce's headers: lower-cased names, repeated ones joined as fetch joins them. */
const toHeaders = (raw: IncomingHttpHeaders): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** jsforce's limit (request-helper.js). */
const MAX_REDIRECTS = 10;

/**
 * Rejects with the socket's error (its `code`), or an AbortError after `timeoutMs` (for each
 * exchange of a redirect chain). A redirect is followed as jsforce follows it: a GET of the
 * Location with the same headers, at most 10 times.
 */
export const exchange = async (req: Exchange, timeoutMs: number): Promise<Answer> => {
  let current = req;
  for (let redirects = 0; ; redirects++) {
    const answer = await once(current, timeoutMs);
    const location = answer.headers['location'];
    if (!REDIRECTS.has(answer.statusCode) || location === undefined) return answer;
    if (redirects >= MAX_REDIRECTS) throw new Error('Reached to maximum redirect count');
    current = { method: 'GET', url: new URL(location, current.url).href, headers: current.headers };
  }
};

const once = (req: Exchange, timeoutMs: number): Promise<Answer> =>
  new Promise<Answer>((resolve, reject) => {
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
    // Our own length, of the bytes sent: a caller's Content-Length, in any case, is dropped.
    const headers: Record<string, string> = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
    if (body !== undefined) headers['content-length'] = String(body.length);
    const send = secure ? httpsRequest : httpRequest;
    const outgoing = send(url, { method: req.method, headers, agent: secure ? agents.https : agents.http, signal: AbortSignal.timeout(timeoutMs) }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => resolve({ statusCode: incoming.statusCode ?? 0, headers: toHeaders(incoming.headers), body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
