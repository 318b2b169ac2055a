/** Reading LiveSupporti's non-2xx answers into something an operator may see. */
import * as t from 'io-ts';
import { knownKeys } from '../../domain/codecs';
import { parseJsonSafe } from '../../domain/json';

export const REASON_MAX_CHARS = 200;

/** ASP.NET Web API writes errors as `{"Message": "…"}`; other casings are read too. */
const ErrorBody = t.union([
  knownKeys(t.type({ Message: t.string })),
  knownKeys(t.type({ message: t.string })),
  knownKeys(t.type({ error: t.string })),
]);

/** The error's message, else (not JSON, or another shape) the text itself. */
const messageOf = (text: string): string => {
  const parsed = parseJsonSafe(text, 'answer');
  const decoded = parsed._tag === 'Right' ? ErrorBody.decode(parsed.right) : undefined;
  if (decoded?._tag !== 'Right') return text;
  const body = decoded.right;
  return 'Message' in body ? body.Message : 'message' in body ? body.message : body.error;
};

/**
 * Status pages and logs never hold personal data: emails are masked, markup, control
 * characters and runs of spaces go, and the result is cut to REASON_MAX_CHARS.
 */
export const sanitiseReason = (text: string): string => {
  const clean = messageOf(text)
    .replace(/<[^>]*>/g, ' ')
    .replace(/[^\s@<>"']+@[^\s@<>"']+/g, '[email]')
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > REASON_MAX_CHARS ? `${clean.slice(0, REASON_MAX_CHARS - 1)}…` : clean;
};
