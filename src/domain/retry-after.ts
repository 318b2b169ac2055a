/**
 * `Retry-After` (RFC 9110 §10.2.3: https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3) as a
 * wait in milliseconds from `now`, for every platform and CRM client: the header is either
 * delay-seconds or an HTTP-date. Fractional seconds are not in the RFC but are sent by some
 * rate limiters, and read as meant rather than as a date. Anything else is no advice at all
 * (undefined): the caller's own schedule applies. A date in the past means "now" (0).
 */
const SECONDS = /^\d+(\.\d+)?$/;
// HTTP-date has a day or month name in every one of its three forms; without that guard
// Date.parse reads stray numbers ("-1", "1.5.3") as dates.
const DATE_HAS_NAME = /[a-z]{3}/i;

export const retryAfterMs = (value: string | null | undefined, now: number): number | undefined => {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (SECONDS.test(text)) {
    const ms = Math.round(Number(text) * 1000);
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (!DATE_HAS_NAME.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};
