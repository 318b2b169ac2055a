/**
 * `SALESFORCE_*` keys → a typed configuration. The OAuth grant is chosen from which keys are
 * set; a combination that fits no grant is reported naming the keys that are missing.
 */
import * as t from 'io-ts';
import { chain } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { Env } from '../../src/domain/connector';
import { HttpUrl, IntFromString, NonEmptyString, optional, withDefault } from '../../src/domain/codecs';

/** How we obtain an access token; see README.md "Connected App". */
export type Grant =
  | { readonly kind: 'client_credentials'; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'refresh_token'; readonly clientId: string; readonly clientSecret?: string; readonly refreshToken: string }
  | { readonly kind: 'password'; readonly clientId: string; readonly clientSecret: string; readonly username: string; readonly password: string }
  | { readonly kind: 'jwt'; readonly clientId: string; readonly username: string; readonly privateKeyFile: string; readonly audience: string };

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
}

const pattern = (name: string, re: RegExp, hint: string) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && re.test(u),
    (u, c) => (typeof u === 'string' && re.test(u.trim()) ? t.success(u.trim()) : t.failure(u, c, hint)),
    String,
  );

// `created` in upsert answers needs API 46.0 or later (research/salesforce.md §1.2).
const ApiVersion = new t.Type<string, string, unknown>(
  'ApiVersion',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    const m = typeof u === 'string' ? /^\s*v?(\d{2,3})(?:\.0)?\s*$/.exec(u) : null;
    return m?.[1] !== undefined && Number(m[1]) >= 46 ? t.success(`${m[1]}.0`) : t.failure(u, c, 'must be an API version such as 62.0 (46.0 or later)');
  },
  String,
);

const CustomFieldName = pattern('CustomFieldName', /^[A-Za-z][A-Za-z0-9_]*__c$/, 'must be the API name of a custom field, such as Chat_Conversation_Id__c');
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
  SALESFORCE_API_VERSION: withDefault(ApiVersion, '62.0'),
  SALESFORCE_EXTERNAL_ID_FIELD: withDefault(CustomFieldName, 'Chat_Conversation_Id__c'),
  SALESFORCE_CASE_ORIGIN: withDefault(PicklistValue, 'Web'),
  SALESFORCE_LEAD_SOURCE: withDefault(PicklistValue, 'Web'),
  SALESFORCE_RECORD_URL_BASE: optional(HttpUrl),
  SALESFORCE_TIMEOUT_MS: withDefault(IntFromString('Milliseconds', 100, 120_000), '10000'),
});
type RawEnv = t.TypeOf<typeof RawEnv>;

const GRANTS_HELP =
  'set one of: SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET (client credentials); those two + SALESFORCE_USERNAME + SALESFORCE_PASSWORD (username-password); ' +
  'SALESFORCE_CLIENT_ID + SALESFORCE_REFRESH_TOKEN (refresh token); SALESFORCE_CLIENT_ID + SALESFORCE_USERNAME + SALESFORCE_PRIVATE_KEY_FILE (JWT bearer)';

/** The grant the keys describe, or the first missing key and why it is needed. */
export const chooseGrant = (env: RawEnv): Grant | { readonly missing: string; readonly message: string } => {
  const clientId = env.SALESFORCE_CLIENT_ID;
  const secret = env.SALESFORCE_CLIENT_SECRET;
  const username = env.SALESFORCE_USERNAME;
  const needs = (grant: string, trigger: string, keys: Record<string, string | undefined>) => {
    const missing = Object.entries(keys).filter(([, v]) => v === undefined).map(([k]) => k);
    const first = missing[0];
    return first === undefined ? undefined : { missing: first, message: `the ${grant} grant (chosen because ${trigger} is set) also needs ${missing.join(' and ')}` };
  };
  if (env.SALESFORCE_PRIVATE_KEY_FILE !== undefined) {
    const gap = needs('JWT bearer', 'SALESFORCE_PRIVATE_KEY_FILE', { SALESFORCE_CLIENT_ID: clientId, SALESFORCE_USERNAME: username });
    return gap ?? { kind: 'jwt', clientId: clientId ?? '', username: username ?? '', privateKeyFile: env.SALESFORCE_PRIVATE_KEY_FILE, audience: env.SALESFORCE_JWT_AUDIENCE ?? jwtAudience(env.SALESFORCE_LOGIN_URL) };
  }
  if (env.SALESFORCE_REFRESH_TOKEN !== undefined) {
    const gap = needs('refresh token', 'SALESFORCE_REFRESH_TOKEN', { SALESFORCE_CLIENT_ID: clientId });
    return gap ?? { kind: 'refresh_token', clientId: clientId ?? '', refreshToken: env.SALESFORCE_REFRESH_TOKEN, ...(secret === undefined ? {} : { clientSecret: secret }) };
  }
  if (username !== undefined || env.SALESFORCE_PASSWORD !== undefined) {
    const gap = needs('username-password', username !== undefined ? 'SALESFORCE_USERNAME' : 'SALESFORCE_PASSWORD', {
      SALESFORCE_CLIENT_ID: clientId,
      SALESFORCE_CLIENT_SECRET: secret,
      SALESFORCE_USERNAME: username,
      SALESFORCE_PASSWORD: env.SALESFORCE_PASSWORD,
    });
    return gap ?? { kind: 'password', clientId: clientId ?? '', clientSecret: secret ?? '', username: username ?? '', password: env.SALESFORCE_PASSWORD ?? '' };
  }
  if (clientId !== undefined && secret !== undefined) return { kind: 'client_credentials', clientId, clientSecret: secret };
  return { missing: clientId === undefined ? 'SALESFORCE_CLIENT_ID' : 'SALESFORCE_CLIENT_SECRET', message: GRANTS_HELP };
};

/** JWT `aud`: the login host for production and sandboxes, the site URL for Experience Cloud. */
const jwtAudience = (loginUrl: string): string => (/\.sandbox\.my\.salesforce\.com$|test\.salesforce\.com$/.test(new URL(loginUrl).host) ? 'https://test.salesforce.com' : /\.my\.salesforce\.com$/.test(new URL(loginUrl).host) ? 'https://login.salesforce.com' : loginUrl);

const toConfig = (env: RawEnv, grant: Grant): SalesforceConfig => ({
  loginUrl: env.SALESFORCE_LOGIN_URL,
  grant,
  apiVersion: env.SALESFORCE_API_VERSION,
  externalIdField: env.SALESFORCE_EXTERNAL_ID_FIELD,
  caseOrigin: env.SALESFORCE_CASE_ORIGIN,
  leadSource: env.SALESFORCE_LEAD_SOURCE,
  timeoutMs: env.SALESFORCE_TIMEOUT_MS,
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
        return 'kind' in grant ? t.success(toConfig(env, grant)) : t.failure(u[grant.missing], t.appendContext(c, grant.missing, NonEmptyString, u[grant.missing]), grant.message);
      }),
    ),
  () => ({}),
);
