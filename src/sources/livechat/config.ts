import * as t from 'io-ts';
import { map } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { HttpUrl, NonEmptyString, optional, withDefault } from '../../domain/codecs';
import type { Env } from '../../domain/connector';

/**
 * The `LIVECHAT_*` keys (the README's key table). Missing credentials are not an error:
 * webhooks are still taken and stored, and the steps that need the API wait with a failure that
 * names the missing key (`credentialsProblem`).
 */

/** `dal` (Dallas) or `fra` (Frankfurt) today; other data centres may appear, so any short code is taken. */
const Region = new t.Type<string, string, unknown>(
  'Region',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    const v = typeof u === 'string' ? u.trim().toLowerCase() : undefined;
    return v !== undefined && /^[a-z]{2,8}$/.test(v) ? t.success(v) : t.failure(u, c, 'must be a region code such as dal or fra');
  },
  String,
);

const LiveChatEnv = t.type({
  /** The `secret_key` chosen when registering the v3 webhooks; v3 webhooks are refused until it is set. */
  LIVECHAT_WEBHOOK_SECRET: optional(NonEmptyString),
  LIVECHAT_ACCOUNT_ID: optional(NonEmptyString),
  /** Personal access token (Basic `account_id:pat`). */
  LIVECHAT_PAT: optional(NonEmptyString),
  /** OAuth access token (Bearer); `fra:` tokens live in Frankfurt. */
  LIVECHAT_ACCESS_TOKEN: optional(NonEmptyString),
  /** The chat user our agents-only messages are sent as; default `LIVECHAT_ACCOUNT_ID`. */
  LIVECHAT_AGENT_ID: optional(NonEmptyString),
  LIVECHAT_API_URL: withDefault(HttpUrl, 'https://api.livechatinc.com'),
  LIVECHAT_REGION: optional(Region),
});

export type Credentials =
  | { readonly kind: 'pat'; readonly accountId: string; readonly pat: string }
  | { readonly kind: 'bearer'; readonly token: string }
  /** `missing` names the key(s) to set. */
  | { readonly kind: 'missing'; readonly missing: string };

export interface LiveChatConfig {
  readonly webhookSecret: string | undefined;
  readonly credentials: Credentials;
  readonly agentId: string | undefined;
  readonly apiUrl: string;
  /** Explicit `LIVECHAT_REGION`, else the access token's `fra:` prefix, else none (LiveChat's default, `dal`). */
  readonly region: string | undefined;
}

const credentialsOf = (env: t.TypeOf<typeof LiveChatEnv>): Credentials => {
  // A PAT does not expire; an OAuth access token lasts 8 hours, so the PAT wins when both are set.
  if (env.LIVECHAT_PAT !== undefined && env.LIVECHAT_ACCOUNT_ID !== undefined)
    return { kind: 'pat', accountId: env.LIVECHAT_ACCOUNT_ID, pat: env.LIVECHAT_PAT };
  if (env.LIVECHAT_ACCESS_TOKEN !== undefined) return { kind: 'bearer', token: env.LIVECHAT_ACCESS_TOKEN };
  if (env.LIVECHAT_PAT !== undefined) return { kind: 'missing', missing: 'LIVECHAT_ACCOUNT_ID (the account the LIVECHAT_PAT belongs to)' };
  if (env.LIVECHAT_ACCOUNT_ID !== undefined) return { kind: 'missing', missing: 'LIVECHAT_PAT' };
  return { kind: 'missing', missing: 'LIVECHAT_ACCOUNT_ID and LIVECHAT_PAT (or LIVECHAT_ACCESS_TOKEN)' };
};

/**
 * "Access tokens starting with `fra` need `X-Region: fra`" (the agent-chat-api page until
 * 2025-04-10:
 * https://github.com/livechat/livechat-public-docs/commits/master/src/pages/messaging/agent-chat-api/index.mdx).
 */
const regionOfToken = (credentials: Credentials): string | undefined => {
  // PATs carry the same prefix (`fra:…`) in the developer console [?].
  const token = credentials.kind === 'bearer' ? credentials.token : credentials.kind === 'pat' ? credentials.pat : undefined;
  return token === undefined ? undefined : /^([a-z]{2,8}):/.exec(token)?.[1];
};

export const LiveChatConfig: t.Decoder<Env, LiveChatConfig> = {
  name: 'LiveChatConfig',
  validate: (env, c) =>
    pipe(
      LiveChatEnv.validate(env, c),
      map((e): LiveChatConfig => {
        const credentials = credentialsOf(e);
        const region = e.LIVECHAT_REGION ?? regionOfToken(credentials);
        return {
          webhookSecret: e.LIVECHAT_WEBHOOK_SECRET,
          credentials,
          agentId: e.LIVECHAT_AGENT_ID ?? e.LIVECHAT_ACCOUNT_ID,
          apiUrl: e.LIVECHAT_API_URL,
          region,
        };
      }),
    ),
  decode: (env) => LiveChatConfig.validate(env, [{ key: '', type: LiveChatEnv, actual: env }]),
};
