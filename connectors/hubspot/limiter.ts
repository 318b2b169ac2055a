/**
 * Pacing for one HubSpot app (one token and base URL) in this process. HubSpot allows each app
 * `max` calls per rolling interval (100 per 10 s on Free/Starter, more on higher tiers) and states
 * the limit on every answer: `X-HubSpot-RateLimit-Max`, `-Remaining`, `-Interval-Milliseconds`
 * (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines). Calls beyond it
 * are answered 429 but still cost a round trip, so calls are admitted only when the window has room.
 *
 * The window is counted from our own calls: each counts from when it is admitted until one interval
 * after its answer (HubSpot counted it on arrival, which is before that). The headers give the
 * limits, and `Remaining` reveals calls other processes sharing the app made. Pure: time comes from
 * `now`, waiting is the caller's.
 */

export interface LimiterOptions {
  readonly now: () => number;
  /** Admit a call that must wait at most this long for room; refuse longer waits. */
  readonly maxWaitMs: number;
  /**
   * The limit until an answer states one. Unset: no pacing until HubSpot's headers give a limit
   * (every HubSpot answer carries them); an API that never states one is paced only by its 429s.
   */
  readonly max?: number;
  readonly intervalMs?: number;
}

/** What an answer's rate-limit headers said; absent headers are undefined. */
export interface StatedLimits {
  readonly max: number | undefined;
  readonly remaining: number | undefined;
  readonly intervalMs: number | undefined;
}

export interface Slot {
  /** The call was answered or given up on: it keeps its place in the window for one more interval. */
  done(): void;
  /** The call was never sent. */
  release(): void;
}

export type Admission =
  { readonly ok: true; readonly waitMs: number; readonly slots: readonly Slot[] } | { readonly ok: false; readonly retryAfterMs: number };

/** How long to wait for the first answer's headers before asking again. */
export const FIRST_ANSWER_POLL_MS = 25;

/**
 * Calls in flight before any answer stated the limits: far below every tier's limit, and enough
 * for one delivery with the once-per-process account and pipeline reads alongside.
 */
export const UNSTATED_IN_FLIGHT = 5;

interface Entry {
  /** Infinity until the call is answered. */
  end: number;
}

export const createLimiter = (options: LimiterOptions) => {
  let max: number | undefined = options.max;
  let intervalMs = options.intervalMs ?? 10_000;
  /** Before the first answer the limits are a guess, so only a few calls go out to learn them. */
  let stated = false;
  let entries: Entry[] = [];
  /** Calls of other processes seen in the last `Remaining`, held until they surely left the window. */
  let others = { count: 0, until: 0 };
  let blockedUntil = 0;

  const prune = (now: number) => {
    entries = entries.filter((e) => e.end + intervalMs > now);
    if (others.until <= now) others = { count: 0, until: 0 };
  };

  const slotOf = (entry: Entry): Slot => ({
    done: () => {
      entry.end = options.now();
    },
    release: () => {
      entries = entries.filter((e) => e !== entry);
    },
  });

  /** When each call now in the window leaves it, soonest first. */
  const freeTimes = () =>
    [...entries.map((e) => e.end + intervalMs), ...Array.from({ length: others.count }, () => others.until)].sort((a, b) => a - b);

  /** Room for `n` calls now, or after a short wait, or the time until there is. */
  const admit = (n: number): Admission => {
    const now = options.now();
    prune(now);
    if (!stated && entries.filter((e) => e.end === Infinity).length + n > UNSTATED_IN_FLIGHT)
      return { ok: false, retryAfterMs: FIRST_ANSWER_POLL_MS };
    const excess = max === undefined ? 0 : entries.length + others.count + Math.min(n, max) - max;
    // Only a full window needs to know when its calls leave it (sorting on every call cost ~4 % of a delivery's CPU with a high limit).
    const at = Math.max(now, blockedUntil, excess <= 0 ? now : (freeTimes()[excess - 1] ?? Infinity));
    const waitMs = at - now;
    // Every call in the window still in flight: a slot frees one interval after the first answer.
    if (waitMs > options.maxWaitMs) return { ok: false, retryAfterMs: Number.isFinite(waitMs) ? waitMs : intervalMs };
    const claimed = Array.from({ length: n }, (): Entry => ({ end: Infinity }));
    entries.push(...claimed);
    return { ok: true, waitMs, slots: claimed.map(slotOf) };
  };

  /** Limits stated by an answer. A 429's `Remaining` is left out: its back-off says how long to wait. */
  const observe = (limits: StatedLimits, limited: boolean) => {
    stated = true;
    if (limits.intervalMs !== undefined && limits.intervalMs > 0) intervalMs = limits.intervalMs;
    if (limits.max !== undefined && limits.max > 0) max = limits.max;
    if (limited || limits.remaining === undefined) return;
    const now = options.now();
    prune(now);
    if (max === undefined) return;
    const count = Math.max(0, max - limits.remaining - entries.length);
    others = count > 0 ? { count, until: now + intervalMs } : { count: 0, until: 0 };
  };

  /** A 429: nothing is sent until HubSpot's Retry-After (or the interval) has passed. */
  const backOff = (ms: number) => {
    blockedUntil = Math.max(blockedUntil, options.now() + ms);
  };

  return { admit, observe, backOff };
};

export type Limiter = ReturnType<typeof createLimiter>;
