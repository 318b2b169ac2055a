import type * as t from 'io-ts';
import { parseJsonSafe } from '../../domain/json';
import type { Log } from '../../domain/log';
import { fail, permanent, succeed, transient, type Outcome } from '../../domain/outcome';
import type { Credentials, LiveChatConfig } from './config';
import { retryAfterMs } from '../../domain/retry-after';
import { classify, CODES, ErrorBody, networkFailure } from './failures';
import { summarizeErrors } from '../../domain/decode-errors';
import { send } from '../../net/http-client';

/**
 * The only code that calls the Agent Chat Web API: `POST {LIVECHAT_API_URL}/v3.6/agent/action/<action>`
 * with a JSON body (https://platform.text.com/docs/messaging/agent-chat-api).
 * One time limit per call; no retries of its own except the one LiveChat asks for, a
 * `misdirected_request` naming the account's region; everything else is an `Outcome` for the
 * pipeline's retry schedule.
 */

export const API_VERSION = '3.6';

export interface AgentApi {
  call<A>(action: string, body: Readonly<Record<string, unknown>>, answer: t.Decoder<unknown, A>): Promise<Outcome<A>>;
}

export interface AgentApiDeps {
  readonly log: Log;
  readonly timeoutMs: number;
}

/**
 * PAT: Basic `base64(account_id:pat)`; OAuth access token: Bearer
 * (https://platform.text.com/docs/authorization/authorization-in-practice).
 */
export const authorizationOf = (credentials: Credentials): string | undefined => {
  switch (credentials.kind) {
    case 'pat':
      return `Basic ${Buffer.from(`${credentials.accountId}:${credentials.pat}`, 'utf8').toString('base64')}`;
    case 'bearer':
      return `Bearer ${credentials.token}`;
    case 'missing':
      return undefined;
  }
};

const readJson = (text: string): unknown => {
  const parsed = parseJsonSafe(text, 'answer');
  return parsed._tag === 'Right' ? parsed.right : undefined;
};

export const createAgentApi = (config: LiveChatConfig, deps: AgentApiDeps): AgentApi => {
  const authorization = authorizationOf(config.credentials);
  // The region a misdirected answer named: every later call goes there at once.
  let region = config.region;

  const once = async (
    action: string,
    body: Readonly<Record<string, unknown>>,
    inRegion: string | undefined,
  ): Promise<{ status: number; json: unknown; retryAfter: string | undefined }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (authorization !== undefined) headers.authorization = authorization;
    if (inRegion !== undefined) headers['x-region'] = inRegion;
    const answer = await send(
      { method: 'POST', url: `${config.apiUrl}/v${API_VERSION}/agent/action/${action}`, headers, body: JSON.stringify(body) },
      deps.timeoutMs,
    );
    return { status: answer.status, json: readJson(answer.text), retryAfter: answer.headers['retry-after'] };
  };

  const call = async <A>(action: string, body: Readonly<Record<string, unknown>>, answer: t.Decoder<unknown, A>): Promise<Outcome<A>> => {
    if (config.credentials.kind === 'missing')
      return fail(permanent(CODES.notConfigured, `LiveChat API credentials are not set: set ${config.credentials.missing}`));
    const what = `LiveChat ${action}`;
    const started = Date.now();
    try {
      let reply = await once(action, body, region);
      let error = ErrorBody.decode(reply.json);
      // "misdirected_request … data.region": the account lives in another data centre; ask there once.
      if (
        reply.status !== 200 &&
        error._tag === 'Right' &&
        error.right.error.type === 'misdirected_request' &&
        error.right.error.data?.region !== undefined
      ) {
        const named = error.right.error.data.region;
        if (named !== region) {
          region = named;
          deps.log.info({ action, region: named }, 'LiveChat named another region; retrying there');
          reply = await once(action, body, named);
          error = ErrorBody.decode(reply.json);
        }
      }
      deps.log.debug({ action, status: reply.status, ms: Date.now() - started }, 'LiveChat call');
      if (reply.status === 200) {
        if (reply.json === undefined)
          return fail(transient(CODES.badAnswer, `${what}: the answer is not JSON; retrying later`, { status: 200 }));
        const decoded = answer.decode(reply.json);
        return decoded._tag === 'Right'
          ? succeed(decoded.right)
          : fail(permanent(CODES.unexpectedAnswer, `${what}: unexpected answer (${summarizeErrors(decoded.left)})`, { status: 200 }));
      }
      const type = error._tag === 'Right' ? error.right.error.type : undefined;
      return fail(
        classify({ action, status: reply.status, type, retryAfterMs: retryAfterMs(reply.retryAfter, Date.now()) }, config.credentials),
      );
    } catch (e) {
      const failure = networkFailure(e, what, deps.timeoutMs);
      if (failure === undefined) throw e;
      return fail(failure);
    }
  };

  return { call };
};
