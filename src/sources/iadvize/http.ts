import { parseJsonSafe } from '../../domain/json';
import { transient, type CrmFailure } from '../../domain/outcome';

/** One outside call with a time limit: the answer as text, or why there is none (always transient). */
export type CallResult =
  | { readonly ok: true; readonly status: number; readonly headers: Headers; readonly text: string }
  | { readonly ok: false; readonly failure: CrmFailure };

export const call = async (url: string, init: RequestInit, timeoutMs: number): Promise<CallResult> => {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { ok: true, status: response.status, headers: response.headers, text };
  } catch (error) {
    const timedOut = error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return timedOut
      ? { ok: false, failure: transient('IADVIZE_TIMEOUT', `iAdvize did not answer within ${timeoutMs} ms.`) }
      : { ok: false, failure: transient('IADVIZE_UNAVAILABLE', 'iAdvize could not be reached (network error).') };
  }
};

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export const retryAfterMs = (headers: Headers, now: number): number | undefined => {
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** An answer's JSON, depth-bounded, `__proto__` keys as own data properties (`parseJsonSafe`); the codecs read only the keys they name. */
export const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  const parsed = parseJsonSafe(text, 'answer');
  return parsed._tag === 'Right' ? { ok: true, value: parsed.right } : { ok: false };
};
