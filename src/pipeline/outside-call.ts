/**
 * One call out of the service (a CRM connector, a platform client) as every step makes it: with
 * a time limit, and a throw caught. Both are transient failures, so the step is retried on its
 * schedule and no conversation is lost to a slow CRM or a bug in a client: `CALL_TIMEOUT` (before
 * 2026-12 a CRM upsert that timed out here failed as `CRM_TIMEOUT`, see errors.ts) and
 * `INTERNAL_ERROR` (the stack goes to the log).
 */
import { CALL_TIMEOUT, INTERNAL_ERROR } from '../domain/errors';
import type { Log } from '../domain/log';
import { fail, transient, type Outcome } from '../domain/outcome';
import { withTimeout } from './timeout';

/** @param what who is called, for the message and the log: `the CRM`, `the livechat API`. */
export const callOutside = async <T>(log: Log, what: string, call: () => Promise<Outcome<T>>, limitMs: number): Promise<Outcome<T>> => {
  try {
    return await withTimeout(call(), limitMs, () => fail(transient(CALL_TIMEOUT, `${what} did not answer within ${limitMs} ms`)));
  } catch (error) {
    log.error({ err: error, what }, 'outside call threw');
    return fail(transient(INTERNAL_ERROR, `unexpected error calling ${what} (see the service log)`));
  }
};
