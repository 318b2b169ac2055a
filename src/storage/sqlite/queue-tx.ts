/**
 * The queue's statements on SQLite (the rules: src/storage/queue/). Prepared once. The store is
 * the only writer and its write queue runs one transaction at a time, so the lock methods only
 * read; a job's rowid breaks ties between jobs created in the same millisecond.
 */
import type Database from 'better-sqlite3';
import type { LocalUpsert } from '../../domain/local-records';
import type { CrmRecord } from '../../domain/record';
import type { QueueTx } from '../queue/port';
import { LOCKED_CONVERSATION, toJob, toLockedConversation, toOpenJob, toPendingRef, toStepList } from '../rows';
import { toRecordJson } from '../serialization';

/** No other job of the conversation of `jobs` (the row looked at) holds a live lease: one step of a conversation at a time. */
const NO_LIVE_SIBLING = `NOT EXISTS (
  SELECT 1 FROM jobs other
  WHERE other.conversation_key = jobs.conversation_key AND other.id <> jobs.id
    AND other.state = 'running' AND other.lease_expires_at >= @now)`;

export const createSqliteQueueTx = (
  db: Database.Database,
  upsertLocal: (input: LocalUpsert, now: number) => { readonly id: string },
): QueueTx => {
  const q = {
    conversation: db.prepare(`SELECT ${LOCKED_CONVERSATION} FROM conversations WHERE key = ?`),
    insertConversation: db.prepare(
      `INSERT INTO conversations (key, source, snapshot, version, forced, meta, person, visitor_id, conversation_id, visitor_email, visitor_name, email_key, state, created_at, updated_at)
       VALUES (@key, @source, @snapshot, @version, @forced, @meta, @person, @visitorId, @conversationId, @visitorEmail, @visitorName, @emailKey, @state, @updatedAt, @updatedAt)`,
    ),
    updateConversation: db.prepare(
      `UPDATE conversations SET snapshot = @snapshot, version = @version, forced = @forced, meta = @meta, person = @person, visitor_id = @visitorId,
         conversation_id = @conversationId, visitor_email = @visitorEmail, visitor_name = @visitorName, email_key = @emailKey, state = @state, updated_at = @updatedAt
       WHERE key = @key`,
    ),
    setState: db.prepare('UPDATE conversations SET state = @state WHERE key = @key AND state <> @state'),
    openJobs: db.prepare("SELECT state, last_error FROM jobs WHERE conversation_key = ? AND state <> 'done'"),
    insertEvent: db.prepare(
      'INSERT INTO events (source, dedup_key, conversation_key, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    latestJobOfKind: db.prepare('SELECT * FROM jobs WHERE conversation_key = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT 1'),
    unfinished: db.prepare("SELECT 1 FROM jobs WHERE conversation_key = ? AND state IN ('pending', 'running') LIMIT 1").pluck(),
    pendingJob: db.prepare("SELECT id, then_steps FROM jobs WHERE conversation_key = ? AND kind = ? AND state = 'pending'"),
    shareJob: db.prepare(
      'UPDATE jobs SET then_steps = @then, expires_at = CASE WHEN expires_at IS NULL OR @expiresAt IS NULL THEN NULL ELSE max(expires_at, @expiresAt) END WHERE id = @id',
    ),
    insertJob: db.prepare(
      `INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, expires_at, lease_owner, lease_expires_at, created_at, updated_at)
       VALUES (@id, @key, @kind, @then, @state, @attempts, @now, @expiresAt, @owner, @until, @now, @now)`,
    ),
    job: db.prepare('SELECT * FROM jobs WHERE id = ?'),
    // SET reads the row as it was: a lapsed lease taken over counts its abandoned attempt.
    claim: db.prepare(`
      UPDATE jobs SET state = 'running', lease_owner = @owner, lease_expires_at = @until, updated_at = @now,
        attempts = attempts + (state = 'running')
      WHERE id = @id
        AND (state = 'pending' OR (state = 'running' AND lease_expires_at < @now))
        AND ${NO_LIVE_SIBLING}
      RETURNING *`),
    // Due pending jobs and lapsed leases, each read from its own range of jobs_due in order up to
    // the limit: as one OR, SQLite gathered and sorted every due job first (300 ms per worker tick
    // with 40,000 due, the event loop blocked throughout; bench section 9).
    due: db.prepare(`
      SELECT * FROM (
        SELECT * FROM jobs WHERE state = 'pending' AND next_attempt_at <= @now
          -- Filtered here, not only in claim: due jobs of busy conversations would otherwise fill
          -- the over-selected window and starve the free ones behind them.
          AND ${NO_LIVE_SIBLING}
        ORDER BY next_attempt_at LIMIT @limit)
      UNION ALL
      SELECT * FROM (
        SELECT * FROM jobs WHERE state = 'running' AND lease_expires_at < @now
          AND ${NO_LIVE_SIBLING}
        ORDER BY next_attempt_at LIMIT @limit)
      ORDER BY next_attempt_at LIMIT @limit`),
    move: db.prepare(`
      UPDATE jobs SET state = @state, attempts = attempts + @counted, next_attempt_at = @next, last_error = @error, last_error_code = @code,
        lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE id = @id AND state = 'running' AND lease_owner = @owner`),
    close: db.prepare("UPDATE jobs SET state = 'done', last_error = ?, last_error_code = NULL, updated_at = ? WHERE id = ?"),
    revive: db.prepare(
      "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = @now, last_error = NULL, last_error_code = NULL, updated_at = @now WHERE id = @id AND state = 'dead' RETURNING *",
    ),
    insertAttempt: db.prepare(
      'INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error, error_code) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    upsertRecord: db.prepare(`
      INSERT INTO records (conversation_key, action, crm, record, version, updated_at) VALUES (@key, @action, @crm, @record, @version, @now)
      ON CONFLICT (conversation_key, action, crm) DO UPDATE SET
        record = excluded.record, version = max(records.version, excluded.version), updated_at = excluded.updated_at`),
    savepoint: db.prepare('SAVEPOINT queue_step'),
    release: db.prepare('RELEASE queue_step'),
    rollbackTo: db.prepare('ROLLBACK TO queue_step'),
  };
  const optional = <A>(decode: (row: unknown) => A, row: unknown): A | undefined => (row === undefined ? undefined : decode(row));

  return {
    lockConversation: async (key) => optional(toLockedConversation, q.conversation.get(key)),
    conversation: async (key) => optional(toLockedConversation, q.conversation.get(key)),
    async saveConversation(row, fresh) {
      (fresh ? q.insertConversation : q.updateConversation).run(row);
    },
    async setState(key, state) {
      q.setState.run({ key, state });
    },
    openJobs: async (key) => q.openJobs.all(key).map(toOpenJob),
    recordEvent: async (source, dedupKey, key, now) => q.insertEvent.run(source, dedupKey, key, now).changes > 0,
    latestJobOfKind: async (key, kind) => optional(toJob, q.latestJobOfKind.get(key, kind)),
    hasUnfinished: async (key) => q.unfinished.get(key) !== undefined,
    pendingJob: async (key, kind) => optional(toPendingRef, q.pendingJob.get(key, kind)),
    async shareJob(id, then, expiresAt) {
      q.shareJob.run({ id, then: toStepList(then), expiresAt });
    },
    async insertJob(j) {
      q.insertJob.run({
        id: j.id,
        key: j.key,
        kind: j.kind,
        then: toStepList(j.then),
        state: j.state,
        attempts: j.attempts,
        now: j.now,
        expiresAt: j.expiresAt,
        owner: j.lease?.owner ?? null,
        until: j.lease?.until ?? null,
      });
    },
    lockJob: async (id) => optional(toJob, q.job.get(id)),
    claim: async (id, owner, until, now) => optional(toJob, q.claim.get({ id, owner, until, now })),
    dueJobs: async (now, limit) => q.due.all({ now, limit }).map(toJob),
    moveJob: async (m) =>
      q.move.run({
        id: m.id,
        owner: m.owner,
        state: m.state,
        counted: m.counted,
        next: m.nextAttemptAt,
        error: m.error,
        code: m.errorCode,
        now: m.now,
      }).changes > 0,
    async closeJob(id, error, now) {
      q.close.run(error, now, id);
    },
    reviveJob: async (id, now) => optional(toJob, q.revive.get({ id, now })),
    async insertAttempt(a) {
      q.insertAttempt.run(
        a.jobId,
        a.startedAt.getTime(),
        a.durationMs,
        a.outcome,
        a.crmStatus ?? null,
        a.error ?? null,
        a.errorCode ?? null,
      );
    },
    async upsertRecord(key: string, record: CrmRecord, version: number, now: number) {
      q.upsertRecord.run({ key, action: record.action, crm: record.crm, record: toRecordJson(record), version, now });
    },
    upsertLocal: async (input, now) => upsertLocal(input, now),
    async inSavepoint(work) {
      q.savepoint.run();
      try {
        const result = await work();
        q.release.run();
        return result;
      } catch (error) {
        q.rollbackTo.run();
        q.release.run();
        throw error;
      }
    },
  };
};
