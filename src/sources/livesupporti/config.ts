/** LiveSupporti's settings: the `LIVESUPPORTI_*` keys (this source's README, .env.example). */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { HttpUrl, NonEmptyString, optional, withDefault } from '../../domain/codecs';
import type { Env } from '../../domain/connector';

export interface LiveSupportiConfig {
  /** HMAC key of `ms-signature`; unset: notifications are refused (WEBHOOK_SECRET_NOT_SET). */
  readonly webhookSecret?: string;
  /** Basic credentials of the visitor-details API; unset: the notify step fails naming the key. */
  readonly apiUser?: string;
  readonly apiKey?: string;
  /** Base of the visitor-details API, without a trailing slash. */
  readonly apiUrl: string;
  /** Create a lead for a visitor the CRM does not know (else only known people are shown). */
  readonly createLeads: boolean;
}

/**
 * ASP.NET's custom receiver takes secrets of 32 to 128 characters (`CustomWebHookReceiver`
 * SecretMinLength/SecretMaxLength,
 * https://github.com/aspnet/WebHooks/blob/master/src/Microsoft.AspNet.WebHooks.Receivers.Custom/WebHooks/CustomWebHookReceiver.cs);
 * LiveSupporti's form asks for 32–64. A shorter one is a typo or a weak key, so start-up refuses it
 * rather than every POST.
 */
const WebhookSecret = new t.Type<string, string, unknown>(
  'LiveSupportiWebhookSecret',
  (u): u is string => typeof u === 'string' && u.length >= 32 && u.length <= 128,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'must be a string');
    const secret = u.trim();
    return secret.length >= 32 && secret.length <= 128
      ? t.success(secret)
      : t.failure(u, c, `must be 32 to 128 characters (the secret typed into LiveSupporti → WebHooks), got ${secret.length}`);
  },
  String,
);

/** `true/false`, `yes/no`, `1/0`, `on/off`. */
const BooleanFromString = new t.Type<boolean, string, unknown>(
  'BooleanFromString',
  (u): u is boolean => typeof u === 'boolean',
  (u, c) => {
    const v = typeof u === 'string' ? u.trim().toLowerCase() : '';
    if (['true', 'yes', '1', 'on'].includes(v)) return t.success(true);
    if (['false', 'no', '0', 'off'].includes(v)) return t.success(false);
    return t.failure(u, c, 'must be true or false');
  },
  String,
);

const LiveSupportiEnv = t.type({
  LIVESUPPORTI_WEBHOOK_SECRET: optional(WebhookSecret),
  LIVESUPPORTI_API_USER: optional(NonEmptyString),
  LIVESUPPORTI_API_KEY: optional(NonEmptyString),
  LIVESUPPORTI_API_URL: withDefault(HttpUrl, 'https://livesupporti.com'),
  LIVESUPPORTI_CREATE_LEADS: withDefault(BooleanFromString, 'true'),
});

const toConfig = (e: t.TypeOf<typeof LiveSupportiEnv>): LiveSupportiConfig => ({
  apiUrl: e.LIVESUPPORTI_API_URL,
  createLeads: e.LIVESUPPORTI_CREATE_LEADS,
  ...(e.LIVESUPPORTI_WEBHOOK_SECRET === undefined ? {} : { webhookSecret: e.LIVESUPPORTI_WEBHOOK_SECRET }),
  ...(e.LIVESUPPORTI_API_USER === undefined ? {} : { apiUser: e.LIVESUPPORTI_API_USER }),
  ...(e.LIVESUPPORTI_API_KEY === undefined ? {} : { apiKey: e.LIVESUPPORTI_API_KEY }),
});

export const LiveSupportiConfigCodec: t.Decoder<Env, LiveSupportiConfig> = {
  name: 'LiveSupportiConfig',
  validate: (env, c) => {
    const decoded = LiveSupportiEnv.validate(env, c);
    return isLeft(decoded) ? decoded : t.success(toConfig(decoded.right));
  },
  decode: (env) => LiveSupportiConfigCodec.validate(env, [{ key: '', type: LiveSupportiEnv, actual: env }]),
};
