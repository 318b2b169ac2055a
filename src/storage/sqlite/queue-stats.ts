/**
 * The queue's counts on SQLite, read by /healthz, /status and /metrics at every call, so their
 * cost must not grow with the history kept: a million finished steps are still there years later.
 * Every count but `done` reads only the index entries of its own state (jobs_due, and the partial
 * indexes of the queue-stats migration for the oldest pending step and the failing ones), so it
 * costs what the unfinished work costs. `done` is exact up to DONE_EXACT_UP_TO; above that it is
 * an estimate (see doneEstimate), because counting 1.5 million index entries takes about 55 ms.
 */
import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { decodeRow, Nullable, Num } from '../row-codecs';
import type { QueueStats, Store } from '../store';

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

export const createSqliteQueueStats = (db: Database.Database): Pick<Store, 'queueStats'> => {
  // One statement, so the figures come from one read snapshot. The WHERE of each sub-select
  // repeats its partial index's own condition: SQLite uses a partial index only when the query
  // names that condition.
  const counts = db.prepare(`
    SELECT
      (SELECT COUNT(*) FROM jobs WHERE state = 'pending') AS pending,
      (SELECT COUNT(*) FROM jobs WHERE state = 'running') AS running,
      (SELECT COUNT(*) FROM jobs WHERE state = 'dead') AS dead,
      (SELECT COUNT(*) FROM jobs WHERE state = 'expired') AS expired,
      (SELECT COUNT(*) FROM jobs INDEXED BY jobs_failing WHERE attempts > 0 AND state IN ('pending', 'running')) AS failing,
      (SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE state = 'done' LIMIT ${DONE_EXACT_UP_TO})) AS done,
      (SELECT max(rowid) FROM jobs) AS rows,
      (SELECT MIN(created_at) FROM jobs INDEXED BY jobs_pending_age WHERE state = 'pending') AS oldest`);

  return {
    async queueStats(): Promise<QueueStats> {
      const c = decodeRow(CountsRow, 'queue stats', counts.get());
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
  };
};

/**
 * Finished steps as every job ever written minus the unfinished ones: the table's highest rowid
 * is how many jobs were inserted (SQLite gives max + 1 to each new row), read from the end of the
 * table's b-tree. Jobs erased by `npm run privacy` are still counted, so this is an upper bound;
 * never below what was counted exactly.
 */
const doneEstimate = (counted: number, rows: number, unfinished: number): number => Math.max(counted, rows - unfinished);
