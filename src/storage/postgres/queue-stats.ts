/**
 * The queue's counts on PostgreSQL, read by /healthz, /status and /metrics at every call, so their
 * cost must not grow with the history kept: a million finished steps are still there years later.
 * Every count but `done` reads only the index entries of its own state (jobs_due, and the partial
 * indexes of the queue-stats migration for the oldest pending step and the failing ones), so it
 * costs what the unfinished work costs. `done` is exact up to DONE_EXACT_UP_TO; above that it is
 * an estimate from the table's live-row statistic (see doneEstimate).
 */
import * as t from 'io-ts';
import { decodeRow, Nullable, Num } from '../row-codecs';
import type { QueueStats, Store } from '../store';
import { firstRow, type Queryable } from './db';

/** Below this many finished steps `done` is counted exactly (well under a millisecond). */
export const DONE_EXACT_UP_TO = 1_000;

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

// One statement, so the figures come from one snapshot and one round trip. `attempts >= 0` (true
// of every job) lets the oldest pending step come from its partial index (step 8 of src/storage/migrations/).
const COUNTS = `
  SELECT
    (SELECT COUNT(*) FROM jobs WHERE state = 'pending') AS pending,
    (SELECT COUNT(*) FROM jobs WHERE state = 'running') AS running,
    (SELECT COUNT(*) FROM jobs WHERE state = 'dead') AS dead,
    (SELECT COUNT(*) FROM jobs WHERE state = 'expired') AS expired,
    (SELECT COUNT(*) FROM jobs WHERE attempts > 0 AND state IN ('pending', 'running')) AS failing,
    (SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE state = 'done' LIMIT ${DONE_EXACT_UP_TO}) d) AS done,
    (SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = 'jobs'::regclass) AS rows,
    (SELECT MIN(created_at) FROM jobs WHERE state = 'pending' AND attempts >= 0) AS oldest`;

export const createPostgresQueueStats = (db: Queryable): Pick<Store, 'queueStats'> => ({
  async queueStats(): Promise<QueueStats> {
    const c = decodeRow(CountsRow, 'queue stats', await firstRow(db, COUNTS));
    const unfinished = c.pending + c.running + c.dead + c.expired;
    const done = c.done < DONE_EXACT_UP_TO ? c.done : doneEstimate(c.done, c.rows ?? 0, unfinished);
    return {
      pending: c.pending,
      running: c.running,
      dead: c.dead,
      expired: c.expired,
      failing: c.failing,
      done,
      ...(c.oldest === null ? {} : { oldestPendingAt: new Date(c.oldest) }),
    };
  },
});

/**
 * Finished steps as the table's live rows minus the unfinished ones. n_live_tup is PostgreSQL's
 * running count of inserted minus deleted rows, sent by each backend about once a second (and reset
 * by VACUUM and ANALYZE to what they saw), so it may lag the newest commits by a second or so;
 * never below what was counted exactly.
 */
const doneEstimate = (counted: number, rows: number, unfinished: number): number => Math.max(counted, rows - unfinished);
