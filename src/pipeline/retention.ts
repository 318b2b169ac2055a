/**
 * RETENTION_DAYS: once at start and then once a day, the transcripts of conversations that are
 * done (no step pending, running or dead) and were last updated more than that many days ago are
 * removed from the service's database. What stays, and why, is in the README ("Privacy").
 */
import type { Log } from '../domain/log';
import type { PrivacyStore } from '../storage/privacy/port';

export const DAY_MS = 86_400_000;

export interface RetentionDeps {
  readonly store: Pick<PrivacyStore, 'redactTranscripts'>;
  readonly retentionDays: number;
  readonly log: Log;
  readonly now: () => Date;
  /** Conversations per transaction (100: under 20 ms of the SQLite writer, measured on a million conversations), so webhooks wait little. */
  readonly batchSize?: number;
}

/** One pass: every conversation due, a batch per transaction; how many transcripts went. */
export const runRetention = async (deps: RetentionDeps): Promise<number> => {
  const limit = deps.batchSize ?? 100;
  const now = deps.now();
  const updatedBefore = new Date(now.getTime() - deps.retentionDays * DAY_MS);
  let total = 0;
  for (;;) {
    const redacted = await deps.store.redactTranscripts({ updatedBefore, now, limit });
    total += redacted;
    if (redacted < limit) return total;
  }
};

export interface Retention {
  /** The pass running now, if any, ends first. */
  stop(): Promise<void>;
}

/** Runs a pass now and every `intervalMs` (a day); a failed pass is logged and tried again next time. */
export const startRetention = (deps: RetentionDeps & { readonly intervalMs?: number }): Retention => {
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = () => {
    if (running !== undefined || stopped) return;
    running = runRetention(deps)
      .then(
        (redacted) =>
          deps.log.info({ redacted, retentionDays: deps.retentionDays }, 'retention: transcripts of delivered conversations removed'),
        (error: unknown) =>
          deps.log.error(
            { err: { message: error instanceof Error ? error.message : String(error) } },
            'retention pass failed; the next one is in a day',
          ),
      )
      .finally(() => {
        running = undefined;
      });
  };
  // unref: a pending retention pass never keeps the process alive.
  const timer = setInterval(pass, deps.intervalMs ?? DAY_MS);
  timer.unref();
  pass();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
};
