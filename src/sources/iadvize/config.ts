/** The iAdvize source's settings: the `IADVIZE_*` keys (README.md "Connecting iAdvize"). */
import * as t from 'io-ts';
import { chain } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { Env } from '../../domain/connector';
import { HttpUrl, NonEmptyString, OneOf, optional, withDefault } from '../../domain/codecs';

export type IAdvizePlatform = 'ha' | 'sd';

export interface IAdvizeConfig {
  /** The app's (or the webhook's) secret token: HMAC key of `x-iadvize-signature`. Unset: every call is refused. */
  readonly webhookSecret?: string;
  /** The iAdvize user the GraphQL API is read as (OAuth password grant). Unset: nothing can be fetched. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** `https://api.iadvize.com` unless pointed at the emulator. */
  readonly apiUrl: string;
  /** `ha` (default) or `sd`: which iAdvize platform the account lives on; sd adds `?platform=sd` to GraphQL calls. */
  readonly platform: IAdvizePlatform;
}

const IAdvizeEnv = t.type({
  IADVIZE_WEBHOOK_SECRET: optional(NonEmptyString),
  IADVIZE_USERNAME: optional(NonEmptyString),
  IADVIZE_PASSWORD: optional(NonEmptyString),
  IADVIZE_API_URL: withDefault(HttpUrl, 'https://api.iadvize.com'),
  IADVIZE_PLATFORM: withDefault(OneOf<IAdvizePlatform>('IAdvizePlatform', ['ha', 'sd']), 'ha'),
});
type IAdvizeEnv = t.TypeOf<typeof IAdvizeEnv>;

/** One of the two without the other is a typo, not a choice: name the missing one. */
const credentialsOf = (e: IAdvizeEnv, c: t.Context): t.Validation<IAdvizeConfig['credentials']> => {
  const { IADVIZE_USERNAME: username, IADVIZE_PASSWORD: password } = e;
  if (username !== undefined && password !== undefined) return t.success({ username, password });
  if (username === undefined && password === undefined) return t.success(undefined);
  const missing = username === undefined ? 'IADVIZE_USERNAME' : 'IADVIZE_PASSWORD';
  return t.failure(
    undefined,
    [...c, { key: missing, type: NonEmptyString, actual: undefined }],
    'must be set together with the other of IADVIZE_USERNAME/IADVIZE_PASSWORD',
  );
};

export const IAdvizeConfigCodec: t.Decoder<Env, IAdvizeConfig> = {
  name: 'IAdvizeConfig',
  validate: (u, c) =>
    pipe(
      IAdvizeEnv.validate(u, c),
      chain((e) =>
        pipe(
          credentialsOf(e, c),
          chain((credentials) =>
            t.success<IAdvizeConfig>({
              ...(e.IADVIZE_WEBHOOK_SECRET === undefined ? {} : { webhookSecret: e.IADVIZE_WEBHOOK_SECRET }),
              ...(credentials === undefined ? {} : { credentials }),
              apiUrl: e.IADVIZE_API_URL,
              platform: e.IADVIZE_PLATFORM,
            }),
          ),
        ),
      ),
    ),
  decode: (u) => IAdvizeConfigCodec.validate(u, [{ key: '', type: IAdvizeEnv, actual: u }]),
};
