/**
 * The only code that calls LiveSupporti: "send visitor data", which shows fields beside the visitor
 * while an agent chats (https://support.livesupporti.com/forums/10/topics/20024, 2016). `POST
 * {base}/api/visitors/{VisitorId}/details`, Basic auth, 200 when taken, 400 with a reason
 * otherwise.
 */
import { fail, permanent, RATE_LIMITED, succeed, transient, type Outcome } from '../../domain/outcome';
import type { ConversationView, PlatformClient, ShownLink } from '../../domain/source';
import { splitConversationId } from './mappers';
import { retryAfterMs } from '../../domain/retry-after';
import { sanitiseReason } from './answers';
import { send, sendProblem, type OutboundAnswer } from '../../net/http-client';

export interface LiveSupportiClientOptions {
  readonly apiUrl: string;
  readonly apiUser?: string;
  readonly apiKey?: string;
  /** Per call. */
  readonly timeoutMs: number;
}

export interface VisitorField {
  readonly name: string;
  readonly value: string;
}

/** What the agent sees: the link first (LiveSupporti lists fields in the order sent), then only what the CRM has. */
export const toVisitorFields = (link: ShownLink): readonly VisitorField[] => [
  { name: 'CRM', value: link.url },
  { name: 'CRM record', value: link.kind === 'person' ? `existing ${link.label}` : link.label },
  ...(link.name === undefined ? [] : [{ name: 'Name', value: link.name }]),
  ...(link.company === undefined ? [] : [{ name: 'Company', value: link.company }]),
];

const missingKey = (options: LiveSupportiClientOptions): string | undefined =>
  options.apiUser === undefined ? 'LIVESUPPORTI_API_USER' : options.apiKey === undefined ? 'LIVESUPPORTI_API_KEY' : undefined;

const idsOf = (view: ConversationView): { accountId: string; visitorId: string; agentId?: string } | undefined => {
  const split = splitConversationId(view.id);
  const accountId = view.meta.accountId ?? split?.accountId;
  const visitorId = view.meta.visitorId ?? split?.visitorId;
  if (accountId === undefined || visitorId === undefined) return undefined;
  const agentId = view.meta.agentId;
  return agentId === undefined ? { accountId, visitorId } : { accountId, visitorId, agentId };
};

export const createLiveSupportiClient = (options: LiveSupportiClientOptions): PlatformClient => {
  const authorization =
    options.apiUser === undefined || options.apiKey === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.apiUser}:${options.apiKey}`, 'utf8').toString('base64')}`;
  const showRecord = async (view: ConversationView, link: ShownLink): Promise<Outcome<void>> => {
    const missing = missingKey(options);
    if (missing !== undefined || authorization === undefined)
      return fail(
        permanent(
          'LIVESUPPORTI_NOT_CONFIGURED',
          `${missing ?? 'LIVESUPPORTI_API_KEY'} is not set, so the link cannot be shown in LiveSupporti: set it, and chats started after that get their link`,
        ),
      );
    const ids = idsOf(view);
    if (ids === undefined)
      return fail(permanent('LIVESUPPORTI_NO_VISITOR', 'this conversation has no LiveSupporti account and visitor id to show the link to'));
    const body = {
      AccountId: ids.accountId,
      ...(ids.agentId === undefined ? {} : { AgentId: ids.agentId }),
      VisitorId: ids.visitorId,
      Fields: toVisitorFields(link),
    };
    const url = `${options.apiUrl}/api/visitors/${encodeURIComponent(ids.visitorId)}/details`;
    let response: OutboundAnswer;
    try {
      response = await send(
        {
          method: 'POST',
          url,
          headers: { authorization, 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
          body: JSON.stringify(body),
        },
        options.timeoutMs,
      );
    } catch (e) {
      const problem = sendProblem(e);
      if (problem === undefined) throw e;
      return problem.kind === 'timeout'
        ? fail(transient('LIVESUPPORTI_TIMEOUT', `LiveSupporti did not answer within ${options.timeoutMs} ms`))
        : fail(transient('LIVESUPPORTI_UNREACHABLE', `LiveSupporti could not be reached (${problem.code})`));
    }
    return classify(response);
  };

  return {
    showRecord,
    // LiveSupporti documents no read-only call (the details API writes), so credentials are
    // first used when a chat starts: `check` can only say whether they are set.
    check: async () => {
      const missing = missingKey(options);
      return [
        missing === undefined
          ? {
              name: 'LiveSupporti API',
              ok: true,
              detail: `credentials set (${options.apiUrl}); LiveSupporti offers no harmless call to test them, so the first chat started shows whether they work`,
            }
          : { name: 'LiveSupporti API', ok: false, detail: `${missing} is not set: links cannot be shown to agents` },
      ];
    },
  };
};

const classify = (response: OutboundAnswer): Outcome<void> => {
  const status = response.status;
  if (status >= 200 && status < 300) return succeed(undefined);
  const reason = sanitiseReason(response.text);
  const wait = retryAfterMs(response.headers['retry-after'], Date.now());
  const extra = wait === undefined ? { status } : { status, retryAfterMs: wait };
  if (status === 429) return fail(transient(RATE_LIMITED, 'LiveSupporti asks us to slow down (429)', extra));
  if (status >= 500)
    return fail(transient('LIVESUPPORTI_UNAVAILABLE', `LiveSupporti answered ${status}${reason === '' ? '' : `: ${reason}`}`, extra));
  if (status === 401 || status === 403)
    return fail(
      permanent(
        'LIVESUPPORTI_UNAUTHORIZED',
        `LiveSupporti refused our credentials (${status}): check LIVESUPPORTI_API_USER and LIVESUPPORTI_API_KEY`,
        { status },
      ),
    );
  return fail(
    permanent('LIVESUPPORTI_REJECTED', `LiveSupporti refused the visitor details (${status})${reason === '' ? '' : `: ${reason}`}`, {
      status,
    }),
  );
};
