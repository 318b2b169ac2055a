/**
 * ALERT_WEBHOOK_URL: when a step dies, one POST of `{"text": "…"}` (the shape Slack, Mattermost
 * and Microsoft Teams incoming webhooks take: https://api.slack.com/messaging/webhooks,
 * https://developers.mattermost.com/integrate/webhooks/incoming/) naming the conversation, the
 * step, the error and the console link. At most one per error code per window: a burst of one
 * failure (a revoked CRM token kills every delivery) is one message, and the next one says how
 * many were held back. Sending is started and forgotten: it never delays or fails a step, and its
 * own failures are logged (without the URL, which is a secret).
 */
import type { Log } from '../domain/log';
import { consoleLinkOf } from './links';
import { noObserver, type Observer, type StepObservation } from './observer';
import { send, sendProblem } from '../net/http-client';

export const ALERT_WINDOW_MS = 10 * 60_000;
const SEND_TIMEOUT_MS = 5_000;

const STEP_NAMES = {
  fetch: 'fetching the transcript',
  lookup: 'looking the visitor up in the CRM',
  deliver: 'delivering to the CRM',
  notify: 'showing the link in the chat platform',
} as const;

export interface AlertOptions {
  readonly url: string;
  readonly publicUrl: string;
  readonly log: Log;
  readonly windowMs?: number;
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

export interface Alerts extends Observer {
  /** Resolves once every alert started so far was sent or given up (tests, shutdown). */
  settled(): Promise<void>;
}

export const alertText = (
  o: StepObservation & { readonly failure: NonNullable<StepObservation['failure']> },
  publicUrl: string,
  heldBack: number,
): string =>
  [
    `chat2crm: a step failed for good and needs a person.`,
    `Conversation ${o.conversationKey}: ${STEP_NAMES[o.kind]} (${o.kind}) failed after ${o.attempts} attempt${o.attempts === 1 ? '' : 's'}.`,
    `Error ${o.failure.code}: ${o.failure.message}`,
    `Console: ${consoleLinkOf(publicUrl, o.conversationKey)}`,
    ...(heldBack === 0
      ? []
      : [
          `${heldBack} more step${heldBack === 1 ? '' : 's'} died with ${o.failure.code} since the last alert of it (not sent one by one).`,
        ]),
  ].join('\n');

export const createAlerts = (options: AlertOptions): Alerts => {
  const windowMs = options.windowMs ?? ALERT_WINDOW_MS;
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  const log = options.log;
  const byCode = new Map<string, { sentAt: number; heldBack: number }>();
  const sending = new Set<Promise<void>>();

  const post = async (text: string, code: string): Promise<void> => {
    try {
      const res = await send(
        { method: 'POST', url: options.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) },
        timeoutMs,
      );
      if (res.status < 200 || res.status > 299) log.warn({ status: res.status, code }, 'alert webhook refused the alert');
    } catch (error) {
      // An alert that cannot be sent is logged, whatever the reason: it must never fail the step it reports.
      const problem = sendProblem(error);
      const reason = problem === undefined ? 'unreachable' : problem.kind === 'timeout' ? `no answer within ${timeoutMs} ms` : problem.code;
      log.warn({ reason, code }, 'alert webhook could not be reached');
    }
  };

  return {
    ...noObserver,
    step(o) {
      if (o.outcome !== 'dead' || o.failure === undefined) return;
      const { code } = o.failure;
      const at = now().getTime();
      const last = byCode.get(code);
      if (last !== undefined && at - last.sentAt < windowMs) {
        last.heldBack++;
        return;
      }
      byCode.set(code, { sentAt: at, heldBack: 0 });
      const promise = post(alertText({ ...o, failure: o.failure }, options.publicUrl, last?.heldBack ?? 0), code).finally(() =>
        sending.delete(promise),
      );
      sending.add(promise);
    },
    async settled() {
      await Promise.all([...sending]);
    },
  };
};
