/**
 * Access tokens for the four grants we support, through jsforce's OAuth2 client. Refreshing is
 * ours, not jsforce's: jsforce refreshes and retries forever while Salesforce keeps answering 401
 * (https://github.com/jsforce/jsforce/issues/1168), so the client asks for at most one new token per
 * failed call and concurrent callers share it.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as t from 'io-ts';
import { OAuth2 } from 'jsforce';
import type { Transport } from 'jsforce/lib/transport';
import { fail, permanent, succeed, transient, type Outcome } from '../../src/domain/outcome';
import { GRANT_NAMES, PASSWORD_GRANT_END, type Grant, type SalesforceConfig } from './config';

export interface Session {
  readonly accessToken: string;
  readonly instanceUrl: string;
}

// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm ; `id` is required by jsforce (§1.4).
const TokenResponse = t.type({ access_token: t.string, instance_url: t.string, id: t.string });

const GRANT_KEYS: Record<Grant['kind'], string> = {
  client_credentials:
    'SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET (the External Client App must enable the client credentials flow, with a Run As user on its Policies tab, and SALESFORCE_LOGIN_URL must be your My Domain URL)',
  refresh_token: 'SALESFORCE_CLIENT_ID / SALESFORCE_REFRESH_TOKEN (issue a new refresh token; the app needs the refresh_token scope)',
  password: `SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET / SALESFORCE_USERNAME / SALESFORCE_PASSWORD (password followed by the security token; orgs created since Summer '23 block this flow unless allowed, and Salesforce retires it on ${PASSWORD_GRANT_END}: move to the client credentials grant)`,
  jwt: 'SALESFORCE_CLIENT_ID / SALESFORCE_USERNAME / SALESFORCE_PRIVATE_KEY_FILE (the External Client App needs the matching certificate and the user must be pre-authorized)',
};

const OAuthError = t.type({ name: t.string, message: t.string });

/** A token endpoint failure: OAuth errors need a person, an unreachable or failing server does not. */
export const fromAuthError = (error: unknown, grant: Grant['kind'], network: (e: unknown) => string | undefined): Outcome<never> => {
  const down = network(error);
  if (down !== undefined) return fail(transient('CRM_UNAVAILABLE', `Salesforce login is unreachable (${down}); retrying later`));
  const decoded = OAuthError.decode(error);
  const name = decoded._tag === 'Right' ? decoded.right.name : 'unknown';
  const statusMatch = /^ERROR_HTTP_(\d{3})$/.exec(name);
  if (statusMatch !== null && Number(statusMatch[1]) >= 500)
    return fail(
      transient('CRM_UNAVAILABLE', `Salesforce login answered HTTP ${statusMatch[1]}; retrying later`, { status: Number(statusMatch[1]) }),
    );
  const reason = decoded._tag === 'Right' ? `${name}: ${decoded.right.message}` : String(error);
  return fail(permanent('CRM_UNAUTHORIZED', `Salesforce refused the ${GRANT_NAMES[grant]} login (${reason}); check ${GRANT_KEYS[grant]}`));
};

/** RS256 assertion for the JWT bearer flow; https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm */
export const jwtAssertion = (grant: Extract<Grant, { kind: 'jwt' }>, privateKeyPem: string, now = Date.now()): string => {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: grant.clientId, sub: grant.username, aud: grant.audience, exp: Math.floor(now / 1000) + 180 })}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), createPrivateKey(privateKeyPem)).toString('base64url')}`;
};

export interface Auth {
  /** The current session, logging in first if needed. */
  session(): Promise<Outcome<Session>>;
  /** A new session unless another call already replaced `stale`; one token request at a time. */
  refresh(stale: string): Promise<Outcome<Session>>;
}

export const createAuth = (config: SalesforceConfig, transport: Transport, network: (e: unknown) => string | undefined): Auth => {
  const grant = config.grant;
  const oauth2 = new OAuth2({
    loginUrl: config.loginUrl,
    clientId: grant.clientId,
    ...('clientSecret' in grant && grant.clientSecret !== undefined ? { clientSecret: grant.clientSecret } : {}),
  });
  oauth2._transport = transport;

  const requestToken = async (): Promise<unknown> => {
    switch (grant.kind) {
      case 'client_credentials':
        return oauth2.requestToken({ grant_type: 'client_credentials' });
      case 'password':
        // The OAuth flow (grant_type=password at /services/oauth2/token). Never Connection#login,
        // which jsforce sends to SOAP login() when no client secret is set (retired Summer '27).
        return oauth2.authenticate(grant.username, grant.password);
      case 'refresh_token':
        return oauth2.refreshToken(grant.refreshToken);
      case 'jwt': {
        const pem = await readFile(grant.privateKeyFile, 'utf8');
        return oauth2.requestToken({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwtAssertion(grant, pem) });
      }
    }
  };

  const issue = async (): Promise<Outcome<Session>> => {
    let answer: unknown;
    try {
      answer = await requestToken();
    } catch (e) {
      if (e instanceof Error && 'code' in e && (e.code === 'ENOENT' || e.code === 'EACCES'))
        return fail(
          permanent(
            'CRM_CONFIG',
            `SALESFORCE_PRIVATE_KEY_FILE cannot be read (${e.code}): point it at the PEM private key of the Connected App's certificate`,
          ),
        );
      if (e instanceof Error && /private key|PEM|DECODER/i.test(e.message))
        return fail(permanent('CRM_CONFIG', 'SALESFORCE_PRIVATE_KEY_FILE does not hold a PEM private key'));
      return fromAuthError(e, grant.kind, network);
    }
    const decoded = TokenResponse.decode(answer);
    if (decoded._tag === 'Left')
      return fail(
        permanent(
          'CRM_UNAUTHORIZED',
          `the Salesforce token answer from ${config.loginUrl} lacks access_token, instance_url or id: is SALESFORCE_LOGIN_URL a Salesforce login URL?`,
        ),
      );
    return succeed({
      accessToken: decoded.right.access_token,
      instanceUrl: config.instanceUrl ?? decoded.right.instance_url.replace(/\/+$/, ''),
    });
  };

  let current: Promise<Outcome<Session>> | undefined;
  let latest: Session | undefined;
  let refreshing: Promise<Outcome<Session>> | undefined;
  const start = () => {
    const p = issue().then((o) => {
      if (o.ok) latest = o.value;
      else if (current === p) current = undefined;
      return o;
    });
    current = p;
    return p;
  };

  return {
    session: () => current ?? start(),
    refresh(stale) {
      if (refreshing !== undefined) return refreshing;
      if (latest !== undefined && latest.accessToken !== stale) return Promise.resolve(succeed(latest));
      refreshing = start().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
};
