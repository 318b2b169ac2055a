/**
 * How jsforce reaches Salesforce: a transport that bounds every exchange, honours NO_PROXY and
 * leaves retries to our worker; and how a network failure reads.
 */
import * as t from 'io-ts';
import type { HttpRequest, HttpRequestOptions } from 'jsforce';
import { Transport } from 'jsforce/lib/transport';
import { StreamPromise } from 'jsforce/lib/util/promise';
import { PassThrough } from 'node:stream';
import { send as sendDirect } from '../../src/net/http-client';
import { transient, type CrmFailure } from '../../src/domain/outcome';

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
  return exempt.some((x) => x === '*' || host === x.replace(/^\./, '') || host.endsWith(x.startsWith('.') ? x : `.${x}`))
    ? undefined
    : proxy;
};

/**
 * Every exchange gets our deadline (jsforce's default is 30 minutes) and no jsforce retries: they
 * would repeat GETs for up to ~15 s (5 retries, 500 ms × 2^n: jsforce lib/request.js), while our worker retries transients on
 * its own schedule. A string or Buffer body that goes to Salesforce directly is sent over node:http
 * (src/net/http-client.ts): jsforce's own path runs every call through undici's fetch, web streams
 * and two PassThroughs. A proxied one, or a streamed body, takes jsforce's path, which tunnels.
 */
export class BoundedTransport extends Transport {
  constructor(private readonly timeoutMs: number) {
    super();
  }
  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}) {
    const proxy = proxyFor(req.url);
    const body = req.body;
    if (proxy === undefined && (body === undefined || body === null || typeof body === 'string' || Buffer.isBuffer(body))) {
      const direct = {
        method: req.method,
        url: req.url,
        headers: req.headers ?? {},
        ...(body === undefined || body === null ? {} : { body }),
      };
      const answer = sendDirect(direct, this.timeoutMs).then((a) => ({ statusCode: a.status, headers: { ...a.headers }, body: a.text }));
      return StreamPromise.create(() => ({ stream: new PassThrough(), promise: answer }));
    }
    // '' rather than undefined: jsforce merges our options over its import-time defaults and treats '' as "no proxy".
    return super.httpRequest(req, { ...options, timeout: this.timeoutMs, httpProxy: proxy ?? '', retry: { maxRetries: 0 } });
  }
}

const Cause = t.type({ code: t.string });
/** A network-level failure (timeout, refused, reset), described without personal data. */
export const networkProblem = (e: unknown, timeoutMs: number): CrmFailure | undefined => {
  if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError'))
    return transient('CRM_TIMEOUT', `Salesforce did not answer within ${timeoutMs} ms; retrying later`);
  const cause = e instanceof Error && Cause.is(e.cause) ? e.cause.code : e instanceof Error && Cause.is(e) ? e.code : undefined;
  if (cause !== undefined || (e instanceof TypeError && /fetch failed|other side closed/i.test(e.message)))
    return transient(
      'CRM_UNAVAILABLE',
      `Salesforce is unreachable (${cause ?? (e instanceof Error ? e.message : 'network error')}); retrying later`,
    );
  return undefined;
};
