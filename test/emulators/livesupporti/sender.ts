/**
 * LiveSupporti's side of the webhook, as Microsoft's ASP.NET WebHooks custom sender does it
 * (https://github.com/aspnet/WebHooks/blob/master/src/Microsoft.AspNet.WebHooks.Custom/WebHooks/DataFlowWebHookSender.cs,
 * https://github.com/aspnet/WebHooks/blob/master/src/Microsoft.AspNet.WebHooks.Custom/WebHooks/WebHookManager.cs):
 * - the echo check when a webhook is added: `GET <callback>` with its query REPLACED by
 *   `echo=<32 hex>`, taken when the answer is 2xx and its body is exactly the value
 *   (`WebHookManager.VerifyEcho`; skipped when the URL has a `noecho` parameter);
 * - each POST: `{Id, Attempt, Properties, Notifications}` written by Newtonsoft's
 *   `JObject.ToString()` (indented, CRLF on Windows), `application/json; charset=utf-8`,
 *   `ms-signature: sha256=<UPPERCASE hex>` over exactly those bytes;
 * - retries of one work item with the same `Id` and a growing `Attempt`, re-signed each time,
 *   after 1 and 4 minutes by default; any 2xx ends them, so does 410 (`DataFlowWebHookSender`).
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface Notification {
  readonly action: string;
  readonly data: Readonly<Record<string, unknown>>;
  /**
   * `NotificationDictionary` copies the data's members beside `Action`; LiveSupporti's own
   * example nests them under `Data` (the default here).
   */
  readonly flatten?: boolean;
}

export interface BodyInput {
  readonly id: string;
  readonly attempt: number;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly notifications: readonly Notification[];
  /** Default `\r\n` (Newtonsoft uses Environment.NewLine; LiveSupporti runs on Windows). */
  readonly newline?: string;
}

const toNotification = (n: Notification): Record<string, unknown> =>
  n.flatten === true ? { Action: n.action, ...n.data } : { Action: n.action, Data: n.data };

/** The body bytes as the sender writes them. JSON strings never hold a raw newline, so the swap is safe. */
export const buildBody = (input: BodyInput): string =>
  JSON.stringify(
    { Id: input.id, Attempt: input.attempt, Properties: input.properties ?? {}, Notifications: input.notifications.map(toNotification) },
    null,
    2,
  ).replace(/\n/g, input.newline ?? '\r\n');

/** `sha256=<UPPERCASE hex>` (`EncodingUtilities.ToHex` writes 'A'..'F'). */
export const signBody = (body: string | Buffer, secret: string): string =>
  `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex').toUpperCase()}`;

/** A work item id: a GUID in "N" format. */
export const newWorkItemId = (): string => randomUUID().replace(/-/g, '');

export interface SenderOptions {
  readonly callbackUrl: string;
  readonly secret: string;
  /** Waits before attempts 2, 3, …; default the library's 1 min and 4 min. */
  readonly retryDelaysMs?: readonly number[];
  /** Custom headers registered with the webhook, sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export interface Attempt {
  readonly attempt: number;
  /** 0 when the request failed without an answer. */
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

export interface Delivery {
  readonly id: string;
  readonly attempts: readonly Attempt[];
  /** A 2xx came back. */
  readonly delivered: boolean;
  /** 410 Gone: the sender stops and drops the subscription. */
  readonly gone: boolean;
}

export interface EchoResult {
  readonly ok: boolean;
  readonly skipped: boolean;
  readonly status: number;
  readonly echo: string;
  readonly body: string;
  readonly contentType: string | null;
  readonly allowOrigin: string | null;
  /** The exact URL that was fetched. */
  readonly url: string;
}

export interface LiveSupportiSender {
  /** The subscription-time echo GET. */
  verifyEcho(origin?: string): Promise<EchoResult>;
  /** One work item: POSTed, and retried as the sender retries. */
  send(
    notifications: readonly Notification[],
    options?: { readonly id?: string; readonly properties?: Readonly<Record<string, unknown>> },
  ): Promise<Delivery>;
  /** One raw POST (for tests of broken signatures and bodies). */
  post(body: string, headers: Readonly<Record<string, string>>): Promise<Attempt>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const createLiveSupportiSender = (options: SenderOptions): LiveSupportiSender => {
  const delays = options.retryDelaysMs ?? [60_000, 240_000];
  const timeoutMs = options.timeoutMs ?? 30_000;

  const post = async (body: string, headers: Readonly<Record<string, string>>, attempt = 1): Promise<Attempt> => {
    const started = Date.now();
    try {
      const res = await fetch(options.callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers, ...headers },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { attempt, status: res.status, body: await res.text(), ms: Date.now() - started };
    } catch {
      return { attempt, status: 0, body: '', ms: Date.now() - started };
    }
  };

  return {
    post,
    verifyEcho: async (origin) => {
      const url = new URL(options.callbackUrl);
      const echo = newWorkItemId();
      if ([...url.searchParams.keys()].some((k) => k.toLowerCase() === 'noecho'))
        return { ok: true, skipped: true, status: 0, echo, body: '', contentType: null, allowOrigin: null, url: url.toString() };
      url.search = `echo=${echo}`;
      const res = await fetch(url, {
        headers: { ...options.headers, ...(origin === undefined ? {} : { origin }) },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await res.text();
      return {
        ok: res.ok && body === echo,
        skipped: false,
        status: res.status,
        echo,
        body,
        contentType: res.headers.get('content-type'),
        allowOrigin: res.headers.get('access-control-allow-origin'),
        url: url.toString(),
      };
    },
    send: async (notifications, sendOptions = {}) => {
      const id = sendOptions.id ?? newWorkItemId();
      const attempts: Attempt[] = [];
      for (let attempt = 1; attempt <= delays.length + 1; attempt += 1) {
        if (attempt > 1) await sleep(delays[attempt - 2] ?? 0);
        const body = buildBody({
          id,
          attempt,
          notifications,
          ...(sendOptions.properties === undefined ? {} : { properties: sendOptions.properties }),
        });
        const result = await post(body, { 'ms-signature': signBody(body, options.secret) }, attempt);
        attempts.push(result);
        if (result.status >= 200 && result.status < 300) return { id, attempts, delivered: true, gone: false };
        if (result.status === 410) return { id, attempts, delivered: false, gone: true };
      }
      return { id, attempts, delivered: false, gone: false };
    },
  };
};

/** The vendor's example notification data (support.livesupporti.com/forums/10/topics/20024). */
export const chatStarted = (
  visitor: { readonly id: string; readonly email?: string; readonly accountId?: string; readonly agentId?: string },
  flatten = false,
): Notification => ({
  action: 'ChatStarted',
  flatten,
  data: {
    AccountId: visitor.accountId ?? 'b943010f-b565-4731-9f34-42c54319957f',
    AgentId: visitor.agentId ?? '150',
    Visitor: { Id: visitor.id, ...(visitor.email === undefined ? {} : { Email: visitor.email }) },
  },
});
