/**
 * The job queue on PostgreSQL. Every change to a conversation's jobs first locks that
 * conversation's row (intake locks it too), so the jobs of one conversation change one
 * transaction at a time across processes: that is what keeps "one live lease per conversation"
 * and "one pending job per conversation" true with many writers.
 */
import type { PoolClient } from 'pg';
import { newSortableId } from '../sortable-id';
import { mergeConversation } from '../../domain/merge';
import type { StepKind } from '../../domain/source';
import { mergePlans } from '../plans';
import { toJob, toKey, toStepList, toStoredConversation } from '../rows';
import { toConversationJson, toMetaJson, toPersonJson, toRecordJson } from '../serialization';
import type { CrmRecord } from '../../domain/record';
import type { Attempt, Job, JobResult } from '../store';
import { changed, firstRow, rowsOf, type Queryable } from './db';

const lockConversation = (db: Queryable, key: string) => db.query('SELECT key FROM conversations WHERE key = $1 FOR UPDATE', [key]);

/** The job locked for this transaction, with its conversation locked first (the one lock order everywhere). */
const lockJob = async (db: Queryable, id: string): Promise<Job | undefined> => {
  const row = await firstRow(db, 'SELECT * FROM jobs WHERE id = $1', [id]);
  if (row === undefined) return undefined;
  await lockConversation(db, toJob(row).conversationKey);
  const locked = await firstRow(db, 'SELECT * FROM jobs WHERE id = $1 FOR UPDATE', [id]);
  return locked === undefined ? undefined : toJob(locked);
};

const insertAttempt = (db: Queryable, a: Attempt) =>
  db.query('INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error) VALUES ($1, $2, $3, $4, $5, $6)', [
    a.jobId,
    a.startedAt.getTime(),
    a.durationMs,
    a.outcome,
    a.crmStatus ?? null,
    a.error ?? null,
  ]);

/**
 * Leases a job whose conversation this transaction has locked. The live-lease check runs in
 * this statement, after the lock, so it sees every claim committed before ours.
 */
export const claimLocked = async (db: Queryable, job: Job, owner: string, now: number, leaseMs: number): Promise<Job | undefined> => {
  const row = await firstRow(
    db,
    `UPDATE jobs SET state = 'running', lease_owner = $2, lease_expires_at = $3, updated_at = $4,
       attempts = attempts + CASE WHEN state = 'running' THEN 1 ELSE 0 END
     WHERE id = $1
       AND (state = 'pending' OR (state = 'running' AND lease_expires_at < $4))
       AND NOT EXISTS (
         SELECT 1 FROM jobs other
         WHERE other.conversation_key = jobs.conversation_key AND other.id <> jobs.id
           AND other.state = 'running' AND other.lease_expires_at >= $4)
     RETURNING *`,
    [job.id, owner, now + leaseMs, now],
  );
  if (row === undefined) return undefined;
  // The previous holder died mid-delivery: that try counts (attempts + 1 above), so a job that
  // crashes the process every time still ends up dead instead of looping forever.
  if (job.state === 'running')
    await insertAttempt(db, {
      jobId: job.id,
      startedAt: new Date(now),
      durationMs: 0,
      outcome: 'abandoned',
      error: 'lease expired: the process delivering it stopped',
    });
  return toJob(row);
};

export const claimJob = async (db: PoolClient, jobId: string, owner: string, now: number, leaseMs: number): Promise<Job | undefined> => {
  const job = await lockJob(db, jobId);
  return job === undefined ? undefined : claimLocked(db, job, owner, now, leaseMs);
};

export const claimDueJobs = async (db: PoolClient, owner: string, now: number, leaseMs: number, limit: number): Promise<Job[]> => {
  if (limit <= 0) return [];
  // Jobs another worker is looking at are skipped, not waited for. Over-select: a candidate is
  // dropped when its conversation is busy or already has a job in this batch. The due pending
  // jobs and the lapsed leases are read as two ranges, each in index order up to the limit: one
  // OR over both gathered and sorted every due job (73-84 ms with 40,000 due). FOR UPDATE cannot
  // take a UNION, so the rows it found are locked, and their state checked again, after.
  const busy = (alias: string) => `NOT EXISTS (
           SELECT 1 FROM jobs other
           WHERE other.conversation_key = ${alias}.conversation_key AND other.id <> ${alias}.id
             AND other.state = 'running' AND other.lease_expires_at >= $1)`;
  const candidates = (
    await rowsOf(
      db,
      `SELECT * FROM jobs j
       WHERE j.id IN (
           (SELECT p.id FROM jobs p WHERE p.state = 'pending' AND p.next_attempt_at <= $1 AND ${busy('p')} ORDER BY p.next_attempt_at, p.seq LIMIT $2)
           UNION ALL
           (SELECT r.id FROM jobs r WHERE r.state = 'running' AND r.lease_expires_at < $1 AND ${busy('r')} ORDER BY r.next_attempt_at, r.seq LIMIT $2))
         AND ((j.state = 'pending' AND j.next_attempt_at <= $1) OR (j.state = 'running' AND j.lease_expires_at < $1))
       ORDER BY j.next_attempt_at, j.seq
       LIMIT $2
       FOR UPDATE OF j SKIP LOCKED`,
      [now, limit * 4],
    )
  ).map(toJob);
  if (candidates.length === 0) return [];
  const keys = [...new Set(candidates.map((job) => job.conversationKey))];
  // A conversation locked elsewhere is being taken in, claimed or finished right now: try it next tick.
  const free = new Set(
    (await rowsOf(db, 'SELECT key FROM conversations WHERE key = ANY($1) ORDER BY key FOR UPDATE SKIP LOCKED', [keys])).map(toKey),
  );
  const claimed: Job[] = [];
  for (const candidate of candidates) {
    if (claimed.length >= limit) break;
    if (!free.has(candidate.conversationKey)) continue;
    const job = await claimLocked(db, candidate, owner, now, leaseMs);
    if (job === undefined) continue;
    claimed.push(job);
    free.delete(job.conversationKey);
  }
  return claimed;
};

const otherPending = async (db: Queryable, job: Job): Promise<Job | undefined> => {
  const row = await firstRow(db, "SELECT * FROM jobs WHERE conversation_key = $1 AND kind = $2 AND state = 'pending' AND id <> $3", [
    job.conversationKey,
    job.kind,
    job.id,
  ]);
  return row === undefined ? undefined : toJob(row);
};

export const latestOfKind = async (db: Queryable, key: string, kind: StepKind): Promise<Job | undefined> => {
  const row = await firstRow(
    db,
    'SELECT * FROM jobs WHERE conversation_key = $1 AND kind = $2 ORDER BY created_at DESC, seq DESC LIMIT 1',
    [key, kind],
  );
  return row === undefined ? undefined : toJob(row);
};

/** The pending job of this kind, created or shared (its follow-up steps merged); the conversation row is locked by the caller. */
export const queueStep = async (
  db: Queryable,
  key: string,
  kind: StepKind,
  then: readonly StepKind[],
  expiresAt: number | null,
  now: number,
): Promise<Job> => {
  const pending = await firstRow(db, "SELECT * FROM jobs WHERE conversation_key = $1 AND kind = $2 AND state = 'pending'", [key, kind]);
  if (pending !== undefined) {
    const shared = toJob(pending);
    return toJob(
      await firstRow(
        db,
        `UPDATE jobs SET then_steps = $2, expires_at = CASE WHEN expires_at IS NULL OR $3::bigint IS NULL THEN NULL ELSE GREATEST(expires_at, $3::bigint) END
         WHERE id = $1 RETURNING *`,
        [shared.id, toStepList(mergePlans(shared.then, then)), expiresAt],
      ),
    );
  }
  return toJob(
    await firstRow(
      db,
      `INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $5, $5) RETURNING *`,
      [newSortableId(), key, kind, toStepList(then), now, expiresAt],
    ),
  );
};

/** What a finished step hands on: the fetched transcript, the person found, the next step. */
const finishDone = async (db: Queryable, job: Job, result: JobResult & { kind: 'done' }, now: number): Promise<void> => {
  const key = job.conversationKey;
  if (result.conversation !== undefined) {
    const known = toStoredConversation(
      await firstRow(db, 'SELECT key, snapshot, version, forced, meta, person, updated_at FROM conversations WHERE key = $1', [key]),
    );
    const merged = mergeConversation(known.conversation, result.conversation);
    await db.query('UPDATE conversations SET snapshot = $2, version = version + 1, visitor_id = $3, updated_at = $4 WHERE key = $1', [
      key,
      toConversationJson(merged),
      merged.visitor.id ?? null,
      now,
    ]);
  }
  if (result.meta !== undefined || result.forced !== undefined) {
    const known = toStoredConversation(
      await firstRow(db, 'SELECT key, snapshot, version, forced, meta, person, updated_at FROM conversations WHERE key = $1', [key]),
    );
    await db.query('UPDATE conversations SET meta = $2, forced = COALESCE($3, forced) WHERE key = $1', [
      key,
      toMetaJson({ ...known.meta, ...result.meta }),
      result.forced ?? null,
    ]);
  }
  if (result.person !== undefined)
    await db.query('UPDATE conversations SET person = $2 WHERE key = $1', [
      key,
      result.person === null ? null : toPersonJson(result.person),
    ]);
  if (result.next !== undefined) await queueStep(db, key, result.next.kind, result.next.then, job.expiresAt?.getTime() ?? null, now);
};

const upsertRecord = (db: Queryable, key: string, record: CrmRecord, version: number, now: number) =>
  db.query(
    `INSERT INTO records (conversation_key, action, crm, record, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (conversation_key, action, crm) DO UPDATE SET
       record = EXCLUDED.record, version = GREATEST(records.version, EXCLUDED.version), updated_at = EXCLUDED.updated_at`,
    [key, record.action, record.crm, toRecordJson(record), version, now],
  );

/** A `deliver` made in the intake's transaction (deliverHere): the job born done, with its attempt and the record; its id. */
export const insertDelivered = async (
  db: Queryable,
  input: {
    readonly key: string;
    readonly then: readonly StepKind[];
    readonly expiresAt: number | null;
    readonly now: number;
    readonly record: CrmRecord;
    readonly version: number;
    readonly durationMs: number;
  },
): Promise<string> => {
  const id = newSortableId();
  await db.query(
    `INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, expires_at, created_at, updated_at)
     VALUES ($1, $2, 'deliver', $3, 'done', 1, $4, $5, $4, $4)`,
    [id, input.key, toStepList(input.then), input.now, input.expiresAt],
  );
  await insertAttempt(db, { jobId: id, startedAt: new Date(input.now), durationMs: input.durationMs, outcome: 'ok' });
  await upsertRecord(db, input.key, input.record, input.version, input.now);
  return id;
};

/** Whether any step of the conversation is queued or running. */
export const hasUnfinished = async (db: Queryable, key: string): Promise<boolean> =>
  (await firstRow(db, "SELECT 1 AS one FROM jobs WHERE conversation_key = $1 AND state IN ('pending', 'running') LIMIT 1", [key])) !==
  undefined;

export interface FinishInput {
  readonly jobId: string;
  readonly owner: string;
  readonly now: number;
  readonly attempt?: Attempt;
  readonly result: JobResult;
}

export const finishJob = async (db: PoolClient, { jobId, owner, now, attempt, result }: FinishInput): Promise<boolean> => {
  const job = await lockJob(db, jobId);
  // The record exists in the CRM whatever happened to our lease: keep the reference so no
  // later delivery creates a second one.
  if (result.kind === 'done' && result.record !== undefined) {
    const r = result.record;
    await upsertRecord(db, r.conversationKey, r.value, r.version, now);
  }
  if (job === undefined || job.state !== 'running' || job.leaseOwner !== owner) return false;
  if (attempt !== undefined) await insertAttempt(db, attempt);
  const move = (state: Job['state'], next: number, error: string | null) =>
    changed(
      db,
      `UPDATE jobs SET state = $3, attempts = attempts + $4, next_attempt_at = $5, last_error = $6,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = $7
       WHERE id = $1 AND state = 'running' AND lease_owner = $2`,
      [jobId, owner, state, attempt === undefined ? 0 : 1, next, error, now],
    );
  const toPending = async (next: number, error: string | null) => {
    // A newer intake already queued a job that will deliver everything this one would.
    const other = await otherPending(db, job);
    return other === undefined ? move('pending', next, error) : move('done', job.nextAttemptAt.getTime(), `superseded by job ${other.id}`);
  };
  switch (result.kind) {
    case 'done': {
      const moved = await move('done', job.nextAttemptAt.getTime(), null);
      if (moved) await finishDone(db, job, result, now);
      return moved;
    }
    case 'dead':
      return move('dead', job.nextAttemptAt.getTime(), result.error);
    case 'expired':
      return move('expired', job.nextAttemptAt.getTime(), result.error);
    case 'retry':
      return toPending(result.nextAttemptAt.getTime(), result.error);
    case 'release':
      return toPending(result.nextAttemptAt.getTime(), job.lastError ?? null);
  }
};

export const reviveJob = async (db: PoolClient, id: string, now: number): Promise<Job | undefined> => {
  const job = await lockJob(db, id);
  if (job === undefined || job.state !== 'dead') return undefined;
  const pending = await otherPending(db, job);
  // A newer intake already queued the conversation: that job delivers the latest snapshot.
  if (pending !== undefined) {
    await db.query("UPDATE jobs SET state = 'done', last_error = $2, updated_at = $3 WHERE id = $1", [
      id,
      `superseded by job ${pending.id}`,
      now,
    ]);
    return pending;
  }
  const row = await firstRow(
    db,
    "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL, updated_at = $2 WHERE id = $1 RETURNING *",
    [id, now],
  );
  return row === undefined ? undefined : toJob(row);
};
