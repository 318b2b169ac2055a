/**
 * Sends what iAdvize sends: webhooks and plugin calls signed `X-iAdvize-Signature: sha256=<hex>`,
 * HMAC-SHA256 of the raw body (POST) or of the raw query string (GET), with the delivery headers
 * of https://github.com/iadvize/documentation/blob/master/docs/webhooks.md ("Delivery headers").
 */
import { createHmac, randomUUID } from 'node:crypto';

export const sign = (secret: string, raw: string | Buffer): string => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

/** A JSON body as form fields, arrays as repeated keys (the layout the source assumes). */
export const toForm = (body: Readonly<Record<string, unknown>>): string => {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) for (const item of value) form.append(key, String(item));
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') form.append(key, String(value));
    else if (value !== undefined && value !== null) form.append(key, JSON.stringify(value));
  }
  return form.toString();
};

export interface SendOptions {
  /** Signs with it; unset: no signature header. */
  readonly secret?: string;
  /** Replaces the computed signature header value (tests of wrong/malformed signatures). */
  readonly signature?: string;
  readonly contentType?: 'json' | 'form';
  /** Same on retries of one event (iAdvize's `X-iAdvize-CorrelationId`). */
  readonly correlationId?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Sent {
  readonly status: number;
  readonly text: string;
  readonly raw: string;
}

/** POSTs a webhook (or a plugin ACTION) body to `url`, signed as iAdvize does. */
export const sendWebhook = async (
  url: string,
  body: Readonly<Record<string, unknown>> | string,
  options: SendOptions = {},
): Promise<Sent> => {
  const form = options.contentType === 'form';
  const raw = typeof body === 'string' ? body : form ? toForm(body) : JSON.stringify(body);
  const signature = options.signature ?? (options.secret === undefined ? undefined : sign(options.secret, raw));
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-iadvize-delivery': randomUUID(),
      'x-iadvize-correlationid': options.correlationId ?? randomUUID(),
      ...(signature === undefined ? {} : { 'x-iadvize-signature': signature }),
      ...options.headers,
    },
    body: raw,
  });
  return { status: response.status, text: await response.text(), raw };
};

/** A plugin GET (`/customer-info?…`), signed over the query string exactly as sent. */
export const callPlugin = async (
  url: string,
  query: Readonly<Record<string, string>> | string,
  options: Pick<SendOptions, 'secret' | 'signature'> = {},
): Promise<Sent> => {
  const raw = typeof query === 'string' ? query : new URLSearchParams(query).toString();
  const signature = options.signature ?? (options.secret === undefined ? undefined : sign(options.secret, raw));
  const response = await fetch(raw === '' ? url : `${url}?${raw}`, {
    headers: signature === undefined ? {} : { 'x-iadvize-signature': signature },
  });
  return { status: response.status, text: await response.text(), raw };
};
