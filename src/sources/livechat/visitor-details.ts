import { fail, permanent, RATE_LIMITED, succeed, transient, type Outcome } from '../../domain/outcome';
import type { ConversationView, ShownLink } from '../../domain/source';
import { META } from './decode';
import { retryAfterMs } from '../../domain/retry-after';
import { CODES, networkFailure } from './failures';
import { send } from '../../net/http-client';

/**
 * The v2 `notify` step: `POST {LIVECHAT_API_URL}/visitors/<visitor id>/details` with
 * `X-API-Version: 2` and the webhook's own `license_id` and `token` as credentials (no
 * Authorization header), one field whose `url` turns its value into a link
 * (https://developers.livechat.com/docs/rest-api/v2 "Visitors"; the
 * same call aligent/orocrm-livechat-bundle makes on `chat_started`). Its error bodies are not
 * specified, so the status decides.
 */

export const DETAILS_ID = 'chat2crm';

export interface VisitorDetailsDeps {
  readonly apiUrl: string;
  readonly timeoutMs: number;
}

/** `license_id` is a number in LiveChat's JSON example and a string in captured webhooks. */
const licenseValue = (id: string): string | number => (/^\d{1,15}$/.test(id) ? Number(id) : id);

export const visitorDetailsBody = (licenseId: string, token: string, link: ShownLink) => ({
  license_id: licenseValue(licenseId),
  token,
  id: DETAILS_ID,
  fields: [{ name: 'CRM', value: `Open ${link.label}`, url: link.url }],
});

export const showV2Record = async (deps: VisitorDetailsDeps, view: ConversationView, link: ShownLink): Promise<Outcome<void>> => {
  const licenseId = view.meta[META.licenseId];
  const token = view.meta[META.token];
  const visitorId = view.meta[META.visitorId] ?? view.conversation.visitor.id;
  if (licenseId === undefined || token === undefined || visitorId === undefined)
    return fail(permanent(CODES.rejected, 'LiveChat v2 visitor details: the webhook gave no license_id, token or visitor id'));
  const what = 'LiveChat v2 visitor details';
  try {
    const response = await send(
      {
        method: 'POST',
        url: `${deps.apiUrl}/visitors/${encodeURIComponent(visitorId)}/details`,
        headers: { 'content-type': 'application/json', 'x-api-version': '2' },
        body: JSON.stringify(visitorDetailsBody(licenseId, token, link)),
      },
      deps.timeoutMs,
    );
    const status = response.status;
    if (status >= 200 && status < 300) return succeed(undefined);
    if (status === 429)
      return fail(
        transient(RATE_LIMITED, `${what}: rate limited; retrying later`, {
          status,
          retryAfterMs: retryAfterMs(response.headers['retry-after'], Date.now()) ?? 10_000,
        }),
      );
    if (status >= 500 || status === 408) return fail(transient(CODES.unavailable, `${what}: HTTP ${status}; retrying later`, { status }));
    if (status === 401 || status === 403)
      return fail(
        permanent(
          CODES.unauthorized,
          `${what}: HTTP ${status}; LiveChat refused the license_id and token its own webhook sent (nothing to configure on our side)`,
          { status },
        ),
      );
    return fail(permanent(CODES.rejected, `${what}: HTTP ${status}`, { status }));
  } catch (e) {
    const failure = networkFailure(e, what, deps.timeoutMs);
    if (failure === undefined) throw e;
    return fail(failure);
  }
};
