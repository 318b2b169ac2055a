/**
 * What `npm run backfill` keeps in the store's settings: per source and range, where the listing
 * stopped (so a second run continues there, and a run after completion has nothing to do), and per
 * source the latest run's progress, which the console shows as one line.
 */
import * as t from 'io-ts';
import { parseJsonSafe } from '../domain/json';

export interface BackfillRange {
  readonly source: string;
  readonly since: Date;
  /** Open-ended when absent. */
  readonly until?: Date;
}

/** One setting per source and range: another range is another backfill. */
export const backfillSetting = (range: BackfillRange): string =>
  `backfill.${range.source}.${range.since.toISOString()}..${range.until?.toISOString() ?? ''}`;

/** The latest run of a source, whatever its range (the console's line). */
export const backfillProgressSetting = (source: string): string => `backfill.${source}.latest`;

const Status = t.keyof({ running: null, stopped: null, done: null, failed: null });
export type BackfillStatus = t.TypeOf<typeof Status>;

const Count = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'Count');

export const BackfillState = t.intersection([
  t.type({
    status: Status,
    since: t.string,
    pages: Count,
    /** Conversations (LiveChat: threads) the platform listed. */
    listed: Count,
    /** Taken in as new events: their steps run. */
    queued: Count,
    /** Seen before (by webhook, or by an earlier run): nothing written. */
    known: Count,
    /** Listed but still going on: left for their webhook. */
    skipped: Count,
    startedAt: t.string,
    updatedAt: t.string,
  }),
  t.partial({
    until: t.string,
    /** The platform's cursor of the next page to read. */
    cursor: t.string,
    /** The platform's estimate of the whole range. */
    found: Count,
    finishedAt: t.string,
    /** Why the run stopped short (`CODE: message`, never personal data). */
    error: t.string,
  }),
]);
export type BackfillState = t.TypeOf<typeof BackfillState>;

/** A stored state, or undefined when there is none or it does not decode (then the range starts over: duplicates are recognised). */
export const readBackfillState = (text: string | undefined): BackfillState | undefined => {
  if (text === undefined) return undefined;
  const json = parseJsonSafe(text, 'backfill state');
  if (json._tag === 'Left') return undefined;
  const state = BackfillState.decode(json.right);
  return state._tag === 'Right' ? state.right : undefined;
};

/** The console's line for a source's latest backfill. */
export const describeBackfill = (state: BackfillState): string => {
  const range = `${state.since.slice(0, 10)} to ${state.until === undefined ? 'now' : state.until.slice(0, 10)}`;
  const of = state.found === undefined ? '' : ` of about ${state.found}`;
  const counts = `${state.listed}${of} listed, ${state.queued} queued, ${state.known} already known`;
  switch (state.status) {
    case 'running':
      return `running (${range}): ${counts}; updated ${state.updatedAt}`;
    case 'stopped':
      return `stopped (${range}) at ${state.updatedAt}: ${counts}; run it again to continue`;
    case 'done':
      return `done (${range}) at ${state.finishedAt ?? state.updatedAt}: ${counts}`;
    case 'failed':
      return `failed (${range}) at ${state.updatedAt}: ${counts}; ${state.error ?? ''}`;
  }
};
