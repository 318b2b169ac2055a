/**
 * The subscription handshake. When a webhook is added, the ASP.NET WebHooks sender GETs the
 * callback URL with its query replaced by `echo=<32 hex>` and wants a 2xx whose body is exactly
 * that value (`WebHookManager.VerifyEcho`); LiveSupporti's guide also asks for `text/plain` and
 * CORS for its own domain (https://support.livesupporti.com/forums/10/topics/20024;
 * https://github.com/aspnet/WebHooks/blob/master/src/Microsoft.AspNet.WebHooks.Custom/WebHooks/WebHookManager.cs).
 */
import { reject, type Rejection, type SourceRequest, type SourceResponse, type SourceRoute } from '../../domain/source';

export const LIVESUPPORTI_ORIGIN = 'https://livesupporti.com';

/**
 * The guide names the domain, not an origin: `https://livesupporti.com` and its subdomains
 * (`www.`) are answered with their own origin, anything else with the apex.
 */
const allowedOrigin = (origin: string | undefined): string =>
  origin !== undefined && /^https:\/\/([a-z0-9-]+\.)*livesupporti\.com$/i.test(origin.trim()) ? origin.trim() : LIVESUPPORTI_ORIGIN;

const corsHeaders = (request: SourceRequest): Record<string, string> => ({
  'Access-Control-Allow-Origin': allowedOrigin(request.header('origin')),
  Vary: 'Origin',
});

/** A header list a browser may ask for: tokens and commas only, so it is safe to echo. */
const requestedHeaders = (value: string | undefined): string =>
  value !== undefined && /^[A-Za-z0-9\-_, ]{1,512}$/.test(value) ? value : 'Content-Type, ms-signature';

export const answerEcho = (request: SourceRequest): SourceResponse | Rejection => {
  // `echo` missing or empty → 400, as the reference receiver answers (`CustomWebHookReceiver.WebHookVerification`).
  const echo = new URLSearchParams(request.rawQuery).get('echo');
  if (echo === null || echo === '')
    return reject('INVALID_QUERY', 'LiveSupporti verifies the URL with ?echo=<value>; this GET has no echo');
  return {
    status: 200,
    body: echo,
    contentType: 'text/plain; charset=utf-8',
    headers: { ...corsHeaders(request), 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' },
  };
};

export const answerPreflight = (request: SourceRequest): SourceResponse => ({
  status: 204,
  body: '',
  contentType: 'text/plain; charset=utf-8',
  headers: {
    ...corsHeaders(request),
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': requestedHeaders(request.header('access-control-request-headers')),
    'Access-Control-Max-Age': '86400',
  },
});

export const livesupportiRoutes: readonly SourceRoute[] = [
  { method: 'GET', path: '', handle: async (request) => answerEcho(request) },
  { method: 'OPTIONS', path: '', handle: async (request) => answerPreflight(request) },
];
