/**
 * `SALESFORCE_*` keys → a typed configuration. The OAuth grant is chosen from which keys are
 * set; a combination that fits no grant is reported naming the keys that are missing.
 */
import * as t from 'io-ts';
import { chain } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { Env } from '../../src/domain/connector';
import { HttpUrl, IntFromString, NonEmptyString, optional, withDefault } from '../../src/domain/codecs';

/** How we obtain an access token; see README.md "Setup in Salesforce". Never SOAP `login()`. */
export type Grant =
  | { readonly kind: 'client_credentials'; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'refresh_token'; readonly clientId: string; readonly clientSecret?: string; readonly refreshToken: string }
  | {
      readonly kind: 'password';
      readonly clientId: string;
      readonly clientSecret: string;
      readonly username: string;
      readonly password: string;
    }
  | {
      readonly kind: 'jwt';
      readonly clientId: string;
      readonly username: string;
      readonly privateKeyFile: string;
      readonly audience: string;
    };

export const GRANT_NAMES: Readonly<Record<Grant['kind'], string>> = {
  client_credentials: 'client credentials',
  refresh_token: 'refresh token',
  password: 'username-password',
  jwt: 'JWT bearer',
};

/**
 * "Connected apps … will no longer support the OAuth 2.0 Username-Password Flow" from this day,
 * with "no extension or exception process": https://help.salesforce.com/s/articleView?id=005461976
 * External Client Apps never offered it. Migration guide ("Migrate from OAuth Username-Password to
 * Client Credentials Flow"): https://help.salesforce.com/s/articleView?id=000886201
 */
export const PASSWORD_GRANT_END = '20 February 2027';

export interface SalesforceConfig {
  readonly loginUrl: string;
  /** Overrides the `instance_url` of the token answer. */
  readonly instanceUrl?: string;
  readonly grant: Grant;
  readonly apiVersion: string;
  readonly externalIdField: string;
  readonly caseOrigin: string;
  readonly leadSource: string;
  /** Base of record links; default: the instance URL. */
  readonly recordUrlBase?: string;
  /** Upper bound of one HTTP exchange with Salesforce, token calls included. */
  readonly timeoutMs: number;
  /** SALESFORCE_PASSWORD is set while another grant is used: a leftover to remove (see notices.ts). */
  readonly passwordUnused: boolean;
}

const pattern = (name: string, re: RegExp, hint: string) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && re.test(u),
    (u, c) => (typeof u === 'string' && re.test(u.trim()) ? t.success(u.trim()) : t.failure(u, c, hint)),
    String,
  );

/**
 * jsforce's own default is 50.0 (lib/connection.js `defaultConnectionConfig`), so we always pass
 * ours. 67.0 is Summer '26, served by every org since mid-2026; `npm run setup` shows the org's
 * newest beside it (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm).
 */
export const DEFAULT_API_VERSION = '67.0';

// `created` in upsert answers needs API 46.0 or later (dome_upsert.htm: "present in API version 46.0 and later").
const ApiVersion = new t.Type<string, string, unknown>(
  'ApiVersion',
  (u): u is string => typeof u === 'string' && /^\d{2,3}\.0$/.test(u),
  (u, c) => {
    const m = typeof u === 'string' ? /^\s*v?(\d{2,3})(?:\.0)?\s*$/.exec(u) : null;
    return m?.[1] !== undefined && Number(m[1]) >= 46
      ? t.success(`${m[1]}.0`)
      : t.failure(
          u,
          c,
          `must be a Salesforce API version such as ${DEFAULT_API_VERSION} (46.0 or later; \`npm run setup\` shows the newest your org serves)`,
        );
  },
  String,
);

const CustomFieldName = pattern(
  'CustomFieldName',
  /^[A-Za-z][A-Za-z0-9_]*__c$/,
  'must be the API name of a custom field, such as Chat_Conversation_Id__c',
);
const PicklistValue = pattern('PicklistValue', /^[^\n]{1,255}$/, 'must be a picklist value (one line, at most 255 characters)');

const RawEnv = t.type({
  SALESFORCE_LOGIN_URL: withDefault(HttpUrl, 'https://login.salesforce.com'),
  SALESFORCE_INSTANCE_URL: optional(HttpUrl),
  SALESFORCE_CLIENT_ID: optional(NonEmptyString),
  SALESFORCE_CLIENT_SECRET: optional(NonEmptyString),
  SALESFORCE_USERNAME: optional(NonEmptyString),
  SALESFORCE_PASSWORD: optional(NonEmptyString),
  SALESFORCE_REFRESH_TOKEN: optional(NonEmptyString),
  SALESFORCE_PRIVATE_KEY_FILE: optional(NonEmptyString),
  SALESFORCE_JWT_AUDIENCE: optional(HttpUrl),
  SALESFORCE_API_VERSION: withDefault(ApiVersion, DEFAULT_API_VERSION),
  SALESFORCE_EXTERNAL_ID_FIELD: withDefault(CustomFieldName, 'Chat_Conversation_Id__c'),
  SALESFORCE_CASE_ORIGIN: withDefault(PicklistValue, 'Web'),
  SALESFORCE_LEAD_SOURCE: withDefault(PicklistValue, 'Web'),
  SALESFORCE_RECORD_URL_BASE: optional(HttpUrl),
  SALESFORCE_TIMEOUT_MS: withDefault(IntFromString('Milliseconds', 100, 120_000), '10000'),
});
type RawEnv = t.TypeOf<typeof RawEnv>;

const GRANTS_HELP =
  'set one of: SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET of an External Client App with the client credentials flow, and SALESFORCE_LOGIN_URL = your My Domain URL (recommended); ' +
  'SALESFORCE_CLIENT_ID + SALESFORCE_USERNAME + SALESFORCE_PRIVATE_KEY_FILE (JWT bearer); SALESFORCE_CLIENT_ID + SALESFORCE_REFRESH_TOKEN (refresh token). See connectors/salesforce/README.md';

/** The grant the keys describe, or the first missing key and why it is needed. */
export const chooseGrant = (env: RawEnv): Grant | { readonly missing: string; readonly message: string } => {
  const clientId = env.SALESFORCE_CLIENT_ID;
  const secret = env.SALESFORCE_CLIENT_SECRET;
  const username = env.SALESFORCE_USERNAME;
  const needs = (grant: string, trigger: string, keys: Record<string, string | undefined>) => {
    const missing = Object.entries(keys)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    const first = missing[0];
    return first === undefined
      ? undefined
      : { missing: first, message: `the ${grant} grant (chosen because ${trigger} is set) also needs ${missing.join(' and ')}` };
  };
  if (env.SALESFORCE_PRIVATE_KEY_FILE !== undefined) {
    const gap = needs('JWT bearer', 'SALESFORCE_PRIVATE_KEY_FILE', { SALESFORCE_CLIENT_ID: clientId, SALESFORCE_USERNAME: username });
    return (
      gap ?? {
        kind: 'jwt',
        clientId: clientId ?? '',
        username: username ?? '',
        privateKeyFile: env.SALESFORCE_PRIVATE_KEY_FILE,
        audience: env.SALESFORCE_JWT_AUDIENCE ?? jwtAudience(env.SALESFORCE_LOGIN_URL),
      }
    );
  }
  if (env.SALESFORCE_REFRESH_TOKEN !== undefined) {
    const gap = needs('refresh token', 'SALESFORCE_REFRESH_TOKEN', { SALESFORCE_CLIENT_ID: clientId });
    return (
      gap ?? {
        kind: 'refresh_token',
        clientId: clientId ?? '',
        refreshToken: env.SALESFORCE_REFRESH_TOKEN,
        ...(secret === undefined ? {} : { clientSecret: secret }),
      }
    );
  }
  if (username !== undefined || env.SALESFORCE_PASSWORD !== undefined) {
    // Only the OAuth username-password flow, never SOAP login() (which jsforce's Connection#login
    // falls back to without a client id and secret): https://developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-login.html
    const gap = needs('username-password', username !== undefined ? 'SALESFORCE_USERNAME' : 'SALESFORCE_PASSWORD', {
      SALESFORCE_CLIENT_ID: clientId,
      SALESFORCE_CLIENT_SECRET: secret,
      SALESFORCE_USERNAME: username,
      SALESFORCE_PASSWORD: env.SALESFORCE_PASSWORD,
    });
    if (gap !== undefined)
      return {
        ...gap,
        message: `${gap.message}. Salesforce retires the username-password grant on ${PASSWORD_GRANT_END}; rather ${GRANTS_HELP}`,
      };
    return {
      kind: 'password',
      clientId: clientId ?? '',
      clientSecret: secret ?? '',
      username: username ?? '',
      password: env.SALESFORCE_PASSWORD ?? '',
    };
  }
  if (clientId !== undefined && secret !== undefined) return { kind: 'client_credentials', clientId, clientSecret: secret };
  return { missing: clientId === undefined ? 'SALESFORCE_CLIENT_ID' : 'SALESFORCE_CLIENT_SECRET', message: GRANTS_HELP };
};

/** JWT `aud`: the login host for production and sandboxes, the site URL for Experience Cloud. */
const jwtAudience = (loginUrl: string): string =>
  /\.sandbox\.my\.salesforce\.com$|test\.salesforce\.com$/.test(new URL(loginUrl).host)
    ? 'https://test.salesforce.com'
    : /\.my\.salesforce\.com$/.test(new URL(loginUrl).host)
      ? 'https://login.salesforce.com'
      : loginUrl;

const toConfig = (env: RawEnv, grant: Grant): SalesforceConfig => ({
  loginUrl: env.SALESFORCE_LOGIN_URL,
  grant,
  apiVersion: env.SALESFORCE_API_VERSION,
  externalIdField: env.SALESFORCE_EXTERNAL_ID_FIELD,
  caseOrigin: env.SALESFORCE_CASE_ORIGIN,
  leadSource: env.SALESFORCE_LEAD_SOURCE,
  timeoutMs: env.SALESFORCE_TIMEOUT_MS,
  passwordUnused: grant.kind !== 'password' && env.SALESFORCE_PASSWORD !== undefined,
  ...(env.SALESFORCE_INSTANCE_URL === undefined ? {} : { instanceUrl: env.SALESFORCE_INSTANCE_URL }),
  ...(env.SALESFORCE_RECORD_URL_BASE === undefined ? {} : { recordUrlBase: env.SALESFORCE_RECORD_URL_BASE }),
});

export const SalesforceConfigCodec: t.Decoder<Env, SalesforceConfig> = new t.Type<SalesforceConfig, Env, Env>(
  'SalesforceConfig',
  (u): u is SalesforceConfig => typeof u === 'object' && u !== null && 'grant' in u,
  (u, c) =>
    pipe(
      RawEnv.validate(u, c),
      chain((env) => {
        const grant = chooseGrant(env);
        return 'kind' in grant
          ? t.success(toConfig(env, grant))
          : t.failure(u[grant.missing], t.appendContext(c, grant.missing, NonEmptyString, u[grant.missing]), grant.message);
      }),
    ),
  () => ({}),
);
