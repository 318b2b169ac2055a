/** The HubSpot connector's settings: the `HUBSPOT_*` keys, documented in .env.example and README.md. */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import type { Env } from '../../src/domain/connector';
import { HttpUrl, IntFromString, NonEmptyString, optional, withDefault } from '../../src/domain/codecs';
import { API_VERSIONS, DEFAULT_API_VERSION, isApiVersion, type ApiVersion } from './api-version';

export interface HubspotConfig {
  /** A service key's token, or a legacy private app's access token (`pat-…`): both are Bearer tokens. */
  readonly accessToken: string;
  /** API base; `https://api.hubapi.com` unless pointed at the emulator. */
  readonly baseUrl: string;
  /** The date version in every API path (api-version.ts). */
  readonly apiVersion: ApiVersion;
  /** Overrides `portalId` from the account details (for tokens that cannot read it). */
  readonly portalId?: number;
  /**
   * Where record links point, as an origin: `https://app.hubspot.com`, `https://app-eu1.hubspot.com`,
   * or the emulator's own pages (`http://localhost:4010`). Overrides the account details' `uiDomain`.
   */
  readonly uiOrigin?: string;
  /** Internal pipeline id for cases; unset: the default ticket pipeline. */
  readonly ticketPipeline?: string;
  /** Internal stage id for new cases; unset: the pipeline's first stage. */
  readonly ticketStage?: string;
  /** Upper bound for one HubSpot HTTP call. */
  readonly timeoutMs: number;
}

const Required = <A>(codec: t.Type<A, string, unknown>, hint: string) =>
  new t.Type<A, string, unknown>(
    codec.name,
    codec.is,
    (u, c) => (u === undefined || (typeof u === 'string' && u.trim() === '') ? t.failure(u, c, hint) : codec.validate(u, c)),
    codec.encode,
  );

const UI_ORIGIN_HINT =
  'must be a host name such as app.hubspot.com or app-eu1.hubspot.com, or an origin such as http://localhost:4010 (the emulator)';

/**
 * Where record links point. A bare host (what HubSpot's account details call `uiDomain`) means
 * https; a full origin may name http and a port, so a sandbox's links open the emulator's own
 * record pages. HubSpot's own hosts only over https. A pasted path is dropped.
 */
const UiOrigin = new t.Type<string, string, unknown>(
  'UiOrigin',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, UI_ORIGIN_HINT);
    const text = u.trim();
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      return t.failure(u, c, UI_ORIGIN_HINT);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return t.failure(u, c, UI_ORIGIN_HINT);
    if (url.username !== '' || url.password !== '') return t.failure(u, c, 'must not hold a user name or password');
    const host = url.hostname;
    if (!/^([a-z0-9-]+(\.[a-z0-9-]+)+|localhost|[a-z0-9-]+|\[[0-9a-f:.]+\])$/i.test(host)) return t.failure(u, c, UI_ORIGIN_HINT);
    if (url.protocol === 'http:' && /(^|\.)hubspot\.com$/i.test(host)) return t.failure(u, c, "must use https:// for HubSpot's own hosts");
    return t.success(url.origin);
  },
  String,
);

/** One of HubSpot's dated API versions we speak; the semantic ones (v1–v4) go unsupported in 2027. */
const ApiVersionCodec = new t.Type<ApiVersion, string, unknown>(
  'ApiVersion',
  (u): u is ApiVersion => typeof u === 'string' && isApiVersion(u),
  (u, c) => {
    const v = typeof u === 'string' ? u.trim() : '';
    return isApiVersion(v)
      ? t.success(v)
      : t.failure(
          u,
          c,
          `must be one of ${API_VERSIONS.map((x) => (x === DEFAULT_API_VERSION ? `${x} (the default)` : x)).join(', ')}: HubSpot's date-versioned APIs (v1–v4 are being retired)`,
        );
  },
  String,
);

/**
 * The token as HubSpot shows it. Service keys replace legacy private apps for new integrations
 * and their tokens need not look like `pat-…`, so no format is assumed
 * (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/account-service-keys).
 * What a paste adds is taken off (surrounding space or quotes, a `Bearer ` prefix); what could
 * not travel in an Authorization header is refused, without quoting the secret.
 */
const AccessToken = new t.Type<string, string, unknown>(
  'AccessToken',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'must be a token');
    const token = u
      .trim()
      .replace(/^(["'])(.*)\1$/s, '$2')
      .trim()
      .replace(/^bearer(\s+|$)/i, '');
    if (token === '') return t.failure(u, c, 'must not be empty');
    return /^[\x21-\x7e]+$/.test(token)
      ? t.success(token)
      : t.failure(
          u,
          c,
          'holds spaces or characters a token cannot have: copy it again from HubSpot (Development → Keys → Service keys → Show)',
        );
  },
  String,
);

const HubspotEnv = t.type({
  HUBSPOT_ACCESS_TOKEN: Required(
    AccessToken,
    'must be set when CRM=hubspot: the token of a HubSpot service key (Development → Keys → Service keys) or of a legacy private app (pat-…), see connectors/hubspot/README.md',
  ),
  HUBSPOT_BASE_URL: withDefault(HttpUrl, 'https://api.hubapi.com'),
  HUBSPOT_API_VERSION: withDefault(ApiVersionCodec, DEFAULT_API_VERSION),
  HUBSPOT_PORTAL_ID: optional(IntFromString('PortalId', 1, Number.MAX_SAFE_INTEGER)),
  HUBSPOT_UI_DOMAIN: optional(UiOrigin),
  HUBSPOT_TICKET_PIPELINE: optional(NonEmptyString),
  HUBSPOT_TICKET_STAGE: optional(NonEmptyString),
  HUBSPOT_TIMEOUT_MS: withDefault(IntFromString('Milliseconds', 100, 120_000), '10000'),
});

const toConfig = (e: t.TypeOf<typeof HubspotEnv>): HubspotConfig => ({
  accessToken: e.HUBSPOT_ACCESS_TOKEN,
  baseUrl: e.HUBSPOT_BASE_URL,
  apiVersion: e.HUBSPOT_API_VERSION,
  timeoutMs: e.HUBSPOT_TIMEOUT_MS,
  ...(e.HUBSPOT_PORTAL_ID === undefined ? {} : { portalId: e.HUBSPOT_PORTAL_ID }),
  ...(e.HUBSPOT_UI_DOMAIN === undefined ? {} : { uiOrigin: e.HUBSPOT_UI_DOMAIN }),
  ...(e.HUBSPOT_TICKET_PIPELINE === undefined ? {} : { ticketPipeline: e.HUBSPOT_TICKET_PIPELINE }),
  ...(e.HUBSPOT_TICKET_STAGE === undefined ? {} : { ticketStage: e.HUBSPOT_TICKET_STAGE }),
});

export const HubspotConfigCodec: t.Decoder<Env, HubspotConfig> = {
  name: 'HubspotConfig',
  validate: (env, c) => {
    const decoded = HubspotEnv.validate(env, c);
    return isLeft(decoded) ? decoded : t.success(toConfig(decoded.right));
  },
  decode: (env) => HubspotConfigCodec.validate(env, [{ key: '', type: HubspotEnv, actual: env }]),
};
