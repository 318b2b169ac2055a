/** The schema's steps 8 to 10: queue stats, no trigger on a job's insert (SQLite's alone), mapped fields. */
import type { MigrationStep } from './step';

export const steps8to10: readonly MigrationStep[] = [
  // 8: queue stats that do not grow with the history kept (src/storage/sqlite/queue-stats.ts):
  // the oldest pending step and the count of failing ones are read from partial indexes that hold
  // only those steps, instead of from every job of their state (reading each row for its age or
  // attempts cost about 50 ms each among 40,000 pending jobs).
  // On PostgreSQL (its version 6) the first names attempts so that
  // only a query naming it too (the queue stats) can use it: the planner took it for the worker's
  // claim (pending and due) and read every pending row to find the due ones, 230 ms at 40,000.
  {
    sqlite: `
  CREATE INDEX jobs_pending_age ON jobs(created_at) WHERE state = 'pending';
  CREATE INDEX jobs_failing ON jobs(state) WHERE attempts > 0 AND state IN ('pending', 'running');
  `,
    postgres: `
  CREATE INDEX jobs_pending_age ON jobs(created_at) WHERE state = 'pending' AND attempts >= 0;
  CREATE INDEX jobs_failing ON jobs(state) WHERE attempts > 0 AND state IN ('pending', 'running');
  `,
  },
  // 9: no triggers on inserting a job. The store inserts a job only pending or running without
  // an error, or done (a local CRM delivery made in its intake's transaction, which cannot change
  // a state that only dead, expired and unfinished jobs decide); a pending one turns a delivered
  // or expired conversation pending, which the store now writes itself where it queues a step.
  // Any trigger on the insert, even one whose WHEN is false, cost about 11 µs per job inserted:
  // SQLite runs a trigger's program for every row and tests its WHEN inside. Updates and deletes
  // kept their triggers until step 11.
  {
    sqlite: `
  DROP TRIGGER jobs_state_on_insert;
  DROP TRIGGER jobs_state_on_insert_pending;
  `,
  },
  // 10: MAPPING_FILE's fields on local CRM records (JSON, kind -> name -> value); null: none mapped.
  {
    sqlite: `
  ALTER TABLE local_crm_records ADD COLUMN fields TEXT;
  `,
    postgres: `
  ALTER TABLE local_crm_records ADD COLUMN fields TEXT;
  `,
  },
];
