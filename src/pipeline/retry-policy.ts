/**
 * When to try a failed delivery again: the configured schedule (RETRY_SCHEDULE), never sooner
 * than the CRM's own Retry-After, plus up to 10 % jitter so a burst of jobs that failed together
 * does not come back together. After the last slot the job is dead.
 */

/** A Retry-After beyond this is treated as this: one misbehaving header must not park a job for days. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

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
