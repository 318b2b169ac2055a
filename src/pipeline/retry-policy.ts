/**
 * When to try a failed delivery again: the configured schedule (RETRY_SCHEDULE), never sooner
 * than the CRM's own Retry-After, plus up to 10 % jitter so a burst of jobs that failed together
 * does not come back together. After the last slot the job is dead.
 */

/** A Retry-After beyond this is treated as this: one misbehaving header must not park a job for days. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** Rate-limit answers a job may meet before it is dead all the same (a limit that never lifts). */
export const MAX_RATE_LIMITED = 100;

export type RetryDecision = { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'dead' };

/**
 * @param failedAttempts attempts that failed so far, this one included (1 after the first failure)
 */
export const nextRetry = (
  failedAttempts: number,
  scheduleMs: readonly number[],
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): RetryDecision => {
  const slot = scheduleMs[failedAttempts - 1];
  if (slot === undefined) return { kind: 'dead' };
  const floor = retryAfterMs === undefined ? 0 : Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS);
  const base = Math.max(slot, floor);
  return { kind: 'retry', delayMs: Math.round(base + base * 0.1 * random()) };
};

/**
 * After a rate-limit answer: wait as long as the CRM asked (else the schedule's first delay),
 * without spending a try of the schedule; dead only after `MAX_RATE_LIMITED` of them.
 */
export const nextRetryAfterRateLimit = (
  rateLimitedSoFar: number,
  scheduleMs: readonly number[],
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): RetryDecision => {
  if (rateLimitedSoFar > MAX_RATE_LIMITED) return { kind: 'dead' };
  const base = Math.min(Math.max(retryAfterMs ?? scheduleMs[0] ?? 1000, 0), MAX_RETRY_AFTER_MS);
  return { kind: 'retry', delayMs: Math.round(base + base * 0.1 * random()) };
};
