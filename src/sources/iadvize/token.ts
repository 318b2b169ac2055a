import { RATE_LIMITED, fail, permanent, succeed, transient, type Outcome } from '../../domain/outcome';
import type { Log } from '../../domain/log';
import { retryAfterMs } from '../../domain/retry-after';
import { call, parseJson } from './http';
import { OAuthError, TokenAnswer } from './wire.codec';

/**
 * iAdvize's OAuth password grant (https://github.com/iadvize/documentation/blob/master/docs/graphql-api.md,
 * "Authentication"): `POST {API}/oauth2/token` with form `username`, `password`,
 * `grant_type=password` → a bearer token valid `expires_in` seconds (86,400). iAdvize allows 10
 * logins a minute per user and 100 per IP, so one token serves every call of the process: one
 * login in flight at a time, the rest wait for it, and logins are counted on a rolling minute.
 */

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface TokenSourceOptions {
  readonly apiUrl: string;
  readonly credentials?: Credentials;
  readonly timeoutMs: number;
  readonly log: Log;
  readonly now?: () => number;
  /** Logins allowed per rolling minute; iAdvize's limit is 10, we keep a margin. */
  readonly loginsPerMinute?: number;
}

/** A token expires this much earlier on our side, so a call never starts with one about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;
/** When iAdvize does not say (it documents 86,400 s). */
const DEFAULT_LIFETIME_S = 3_600;
/** Bad credentials are remembered this long, so a queue of fetches does not spend the login budget on them. */
const REFUSAL_MEMORY_MS = 60_000;
const MINUTE = 60_000;

const badCredentials = (detail: string) =>
  permanent(
    'IADVIZE_BAD_CREDENTIALS',
    `iAdvize refused the login (${detail}): check IADVIZE_USERNAME and IADVIZE_PASSWORD (an iAdvize user allowed to use the API).`,
  );

export class TokenSource {
  private current: { readonly token: string; readonly expiresAt: number } | undefined;
  private inflight: Promise<Outcome<string>> | undefined;
  private refused: { readonly until: number; readonly outcome: Outcome<never> } | undefined;
  private readonly loginTimes: number[] = [];
  private readonly now: () => number;
  private readonly loginsPerMinute: number;
  /** Logins attempted by this process (for the bench and the tests). */
  logins = 0;

  constructor(private readonly options: TokenSourceOptions) {
    this.now = options.now ?? Date.now;
    this.loginsPerMinute = options.loginsPerMinute ?? 8;
  }

  /** A valid bearer token: the cached one, the one being fetched, or a fresh login. */
  token(): Promise<Outcome<string>> {
    const now = this.now();
    if (this.current !== undefined && this.current.expiresAt > now) return Promise.resolve(succeed(this.current.token));
    if (this.inflight !== undefined) return this.inflight;
    if (this.refused !== undefined && this.refused.until > now) return Promise.resolve(this.refused.outcome);
    const login = this.login().finally(() => {
      this.inflight = undefined;
    });
    this.inflight = login;
    return login;
  }

  /** iAdvize answered 401 to this token: forget it (unless a newer one already replaced it). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async login(): Promise<Outcome<string>> {
    const { credentials, apiUrl, timeoutMs, log } = this.options;
    if (credentials === undefined)
      return fail(
        permanent('IADVIZE_NOT_CONFIGURED', 'Set IADVIZE_USERNAME and IADVIZE_PASSWORD (the iAdvize user the GraphQL API is read as).'),
      );
    const now = this.now();
    while (this.loginTimes.length > 0 && (this.loginTimes[0] ?? 0) <= now - MINUTE) this.loginTimes.shift();
    if (this.loginTimes.length >= this.loginsPerMinute) {
      const wait = (this.loginTimes[0] ?? now) + MINUTE - now;
      return fail(
        transient(RATE_LIMITED, `${this.loginsPerMinute} iAdvize logins in the last minute; iAdvize allows 10 per user.`, {
          retryAfterMs: wait,
        }),
      );
    }
    this.loginTimes.push(now);
    this.logins += 1;
    const answer = await call(
      `${apiUrl}/oauth2/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ username: credentials.username, password: credentials.password, grant_type: 'password' }).toString(),
      },
      timeoutMs,
    );
    if (!answer.ok) return answer;
    const { status } = answer;
    if (status === 200) {
      const parsed = parseJson(answer.text);
      const token = parsed.ok ? TokenAnswer.decode(parsed.value) : undefined;
      if (token === undefined || token._tag === 'Left')
        return fail(
          permanent('IADVIZE_TOKEN_ANSWER', 'iAdvize answered the login without an access_token: check IADVIZE_API_URL.', { status }),
        );
      const lifetimeMs = (token.right.expires_in ?? DEFAULT_LIFETIME_S) * 1000;
      this.current = { token: token.right.access_token, expiresAt: this.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) };
      this.refused = undefined;
      log.info({ expiresInS: token.right.expires_in }, 'iAdvize login');
      return succeed(token.right.access_token);
    }
    if (status === 400 || status === 401 || status === 403) {
      const parsed = parseJson(answer.text);
      const body = parsed.ok ? OAuthError.decode(parsed.value) : undefined;
      const code = body !== undefined && body._tag === 'Right' ? body.right.error : undefined;
      const outcome = fail(badCredentials(code === undefined ? `HTTP ${status}` : `HTTP ${status} ${code.slice(0, 40)}`));
      this.refused = { until: this.now() + REFUSAL_MEMORY_MS, outcome };
      log.warn({ status, error: code }, 'iAdvize login refused');
      return outcome;
    }
    if (status === 404)
      return fail(permanent('IADVIZE_API_URL', `${apiUrl}/oauth2/token answered 404: check IADVIZE_API_URL.`, { status }));
    const wait = retryAfterMs(answer.headers['retry-after'], this.now());
    if (status === 429)
      return fail(transient(RATE_LIMITED, 'iAdvize limits logins (10 a minute per user).', { status, retryAfterMs: wait ?? MINUTE }));
    return fail(
      transient(
        'IADVIZE_UNAVAILABLE',
        `iAdvize login answered HTTP ${status}.`,
        wait === undefined ? { status } : { status, retryAfterMs: wait },
      ),
    );
  }
}
