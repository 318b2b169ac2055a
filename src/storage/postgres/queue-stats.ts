/**
 * The queue's counts on PostgreSQL, read by /healthz, /status and /metrics at every call (see
 * queue/stats.ts for what each costs and how `done` is estimated above its exact count).
 */
import { DONE_EXACT_UP_TO, queueStatsOf } from '../queue/stats';
import type { QueueStats, Store } from '../store';
import { firstRow, type Queryable } from './db';

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
  queueStats: async (): Promise<QueueStats> => queueStatsOf(await firstRow(db, COUNTS)),
});
