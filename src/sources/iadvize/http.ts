import { parseJsonSafe } from '../../domain/json';
import { transient, type CrmFailure } from '../../domain/outcome';
import { send, sendProblem } from '../../net/http-client';

/** One outside call with a time limit: the answer as text, or why there is none (always transient). */
export type CallResult =
  | { readonly ok: true; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly text: string }
  | { readonly ok: false; readonly failure: CrmFailure };

export const call = async (
  url: string,
  init: { readonly method: string; readonly headers: Readonly<Record<string, string>>; readonly body?: string },
  timeoutMs: number,
): Promise<CallResult> => {
  try {
    const answer = await send({ url, ...init }, timeoutMs);
    return { ok: true, status: answer.status, headers: answer.headers, text: answer.text };
  } catch (error) {
    const problem = sendProblem(error);
    if (problem === undefined) throw error;
    return problem.kind === 'timeout'
      ? { ok: false, failure: transient('IADVIZE_TIMEOUT', `iAdvize did not answer within ${timeoutMs} ms.`) }
      : { ok: false, failure: transient('IADVIZE_UNAVAILABLE', `iAdvize could not be reached (${problem.code}).`) };
  }
};

/** An answer's JSON, depth-bounded, `__proto__` keys as own data properties (`parseJsonSafe`); the codecs read only the keys they name. */
export const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  const parsed = parseJsonSafe(text, 'answer');
  return parsed._tag === 'Right' ? { ok: true, value: parsed.right } : { ok: false };
};
