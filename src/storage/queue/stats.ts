/**
 * The queue's counts as both dialects answer them: one row per read (each adapter's single
 * statement, so the figures come from one snapshot), turned into QueueStats here. Every count but
 * `done` reads only the index entries of its own state, so it costs what the unfinished work
 * costs; `done` is exact up to DONE_EXACT_UP_TO and estimated above it, because counting a
 * million finished steps at every /healthz is what must not happen.
 */
import * as t from 'io-ts';
import { decodeRow, Nullable, Num } from '../row-codecs';
import type { QueueStats } from '../store';

/** Below this many finished steps `done` is counted exactly (well under a millisecond). */
export const DONE_EXACT_UP_TO = 1_000;

/**
 * What each dialect's statement answers. `rows` is that dialect's cheap count of every job kept:
 * SQLite's highest rowid (each new row gets max + 1; jobs erased by `npm run privacy` still
 * count, so an upper bound), PostgreSQL's n_live_tup (inserted minus deleted rows, sent by each
 * backend about once a second, so it may lag the newest commits by a second or so).
 */
const CountsRow = t.type({
  pending: Num,
  running: Num,
  dead: Num,
  expired: Num,
  failing: Num,
  done: Num,
  rows: Nullable(Num),
  oldest: Nullable(Num),
});

/** The row of either dialect as QueueStats: above the exact count, finished = rows − unfinished, never below what was counted. */
export const queueStatsOf = (row: unknown): QueueStats => {
  const c = decodeRow(CountsRow, 'queue stats', row);
  const unfinished = c.pending + c.running + c.dead + c.expired;
  const done = c.done < DONE_EXACT_UP_TO ? c.done : Math.max(c.done, (c.rows ?? 0) - unfinished);
  return {
    pending: c.pending,
    running: c.running,
    dead: c.dead,
    expired: c.expired,
    failing: c.failing,
    done,
    ...(c.oldest === null ? {} : { oldestPendingAt: new Date(c.oldest) }),
  };
};
