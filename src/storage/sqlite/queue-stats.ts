/**
 * The queue's counts on SQLite, read by /healthz, /status and /metrics at every call (see
 * queue/stats.ts for what each costs and how `done` is estimated above its exact count).
 */
import type Database from 'better-sqlite3';
import { DONE_EXACT_UP_TO, queueStatsOf } from '../queue/stats';
import type { QueueStats, Store } from '../store';

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
    queueStats: async (): Promise<QueueStats> => queueStatsOf(counts.get()),
  };
};
