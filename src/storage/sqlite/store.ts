/**
 * The embedded default: SQLite through better-sqlite3 (synchronous, so every method's
 * transaction is atomic within the process). WAL lets readers (the replay command, health
 * checks) run beside the writer.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Conversation } from '../../domain/conversation';
import type { Action } from '../../domain/event';
import type { LocalRecord } from '../../domain/local-records';
import { mergeConversation } from '../../domain/merge';
import { toConversationJson, toHistoryJson, toRecordJson } from '../serialization';
import { toAttempt, toCount, toJob, toLocalHead, toLocalRecord, toOldest, toStoredConversation, toStoredRecord, toValue } from '../rows';
import { conversationKey, type Attempt, type ConversationKey, type IntakeResult, type Job, type JobResult, type JobState, type QueueStats, type Store } from '../store';
import { sqliteMigrations } from './migrations';
import { startCheckpointer } from './checkpointer';
import { createWriteQueue } from './write-queue';

const migrate = (db: Database.Database): void => {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all());
  sqliteMigrations.forEach((sql, index) => {
    const version = index + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }).immediate();
  });
};

export const openSqliteStore = (path: string, options: { onError?: (message: string) => void } = {}): Store => {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a crash of the process (kill -9); only a power cut can lose the
  // newest commits. Deployments that need more run on PostgreSQL.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const write = createWriteQueue(db);
  // Checkpoints (and their fsync) happen on a worker thread, not in a request. The writer's own
  // checkpoint stays as a backstop, at 10,000 pages (40 MB), for a load the thread cannot keep
  // up with: a checkpoint running beside a busy writer never gets to reset the WAL.
  if (!inMemory) db.pragma('wal_autocheckpoint = 10000');
  const checkpointer = inMemory ? undefined : startCheckpointer(path, { intervalMs: 1000, onError: options.onError ?? (() => undefined) });

  const q = {
    conversation: db.prepare('SELECT key, snapshot, version, forced, updated_at FROM conversations WHERE key = ?'),
    insertConversation: db.prepare(
      'INSERT INTO conversations (key, snapshot, version, forced, created_at, updated_at) VALUES (@key, @snapshot, 1, @forced, @now, @now)',
    ),
    updateConversation: db.prepare('UPDATE conversations SET snapshot = @snapshot, version = version + 1, forced = @forced, updated_at = @now WHERE key = @key'),
    pendingJob: db.prepare("SELECT id FROM jobs WHERE conversation_key = ? AND state = 'pending'"),
    insertJob: db.prepare(
      "INSERT INTO jobs (id, conversation_key, state, attempts, next_attempt_at, created_at, updated_at) VALUES (?, ?, 'pending', 0, ?, ?, ?)",
    ),
    job: db.prepare('SELECT * FROM jobs WHERE id = ?'),
    latestJob: db.prepare('SELECT * FROM jobs WHERE conversation_key = ? ORDER BY created_at DESC, rowid DESC LIMIT 1'),
    claim: db.prepare(`
      UPDATE jobs SET state = 'running', lease_owner = @owner, lease_expires_at = @until, updated_at = @now
      WHERE id = @id
        AND (state = 'pending' OR (state = 'running' AND lease_expires_at < @now))
        AND NOT EXISTS (
          SELECT 1 FROM jobs other
          WHERE other.conversation_key = jobs.conversation_key AND other.id <> jobs.id
            AND other.state = 'running' AND other.lease_expires_at >= @now)
      RETURNING *`),
    dueIds: db.prepare(`
      SELECT * FROM jobs
      WHERE ((state = 'pending' AND next_attempt_at <= @now) OR (state = 'running' AND lease_expires_at < @now))
        -- Filtered here, not only in claim: due jobs of busy conversations would otherwise fill
        -- the over-selected window and starve the free ones behind them.
        AND NOT EXISTS (
          SELECT 1 FROM jobs other
          WHERE other.conversation_key = jobs.conversation_key AND other.id <> jobs.id
            AND other.state = 'running' AND other.lease_expires_at >= @now)
      ORDER BY next_attempt_at LIMIT @limit`),
    insertAttempt: db.prepare(
      'INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error) VALUES (@jobId, @startedAt, @durationMs, @outcome, @crmStatus, @error)',
    ),
    countAbandoned: db.prepare("UPDATE jobs SET attempts = attempts + 1 WHERE id = ? AND state = 'running'"),
    otherPending: db.prepare("SELECT id FROM jobs WHERE conversation_key = (SELECT conversation_key FROM jobs WHERE id = @id) AND state = 'pending' AND id <> @id"),
    finish: db.prepare(`
      UPDATE jobs SET state = @state, attempts = attempts + @counted, next_attempt_at = COALESCE(@next, next_attempt_at),
        last_error = CASE WHEN @keepError = 1 THEN last_error ELSE @error END,
        lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE id = @id AND state = 'running' AND lease_owner = @owner`),
    upsertRecord: db.prepare(`
      INSERT INTO records (conversation_key, action, crm, record, version, updated_at) VALUES (@key, @action, @crm, @record, @version, @now)
      ON CONFLICT (conversation_key, action, crm) DO UPDATE SET
        record = excluded.record, version = max(records.version, excluded.version), updated_at = excluded.updated_at`),
    record: db.prepare('SELECT record, version, updated_at FROM records WHERE conversation_key = ? AND action = ? AND crm = ?'),
    records: db.prepare('SELECT record, version, updated_at FROM records WHERE conversation_key = ? ORDER BY updated_at DESC'),
    attempts: db.prepare('SELECT * FROM attempts WHERE job_id = ? ORDER BY id'),
    jobsByState: db.prepare('SELECT * FROM jobs WHERE state = ? ORDER BY updated_at DESC LIMIT ?'),
    revive: db.prepare("UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = @now, last_error = NULL, updated_at = @now WHERE id = @id AND state = 'dead'"),
    counts: db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state'),
    oldestPending: db.prepare("SELECT MIN(created_at) AS oldest FROM jobs WHERE state = 'pending'"),
    getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
    insertSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    localHead: db.prepare('SELECT id, history, created_at FROM local_records WHERE conversation_key = ? AND action = ?'),
    localById: db.prepare('SELECT * FROM local_records WHERE id = ?'),
    localByEmail: db.prepare('SELECT * FROM local_records WHERE email = ? ORDER BY updated_at DESC LIMIT 1'),
    insertLocal: db.prepare(
      'INSERT INTO local_records (id, conversation_key, action, email, snapshot, history, created_at, updated_at) VALUES (@id, @key, @action, @email, @snapshot, @history, @now, @now)',
    ),
    updateLocal: db.prepare('UPDATE local_records SET email = @email, snapshot = @snapshot, history = @history, updated_at = @now WHERE id = @id'),
  };

  const claimOne = (id: string, wasRunning: boolean, owner: string, now: number, leaseMs: number): Job | undefined => {
    const row: unknown = q.claim.get({ id, owner, now, until: now + leaseMs });
    if (row === undefined) return undefined;
    if (wasRunning) {
      // The previous holder died mid-delivery: that try counts, so a job that crashes the
      // process every time still ends up dead instead of looping forever.
      q.insertAttempt.run({ jobId: id, startedAt: now, durationMs: 0, outcome: 'abandoned', crmStatus: null, error: 'lease expired: the process delivering it stopped' });
      q.countAbandoned.run(id);
      return toJob(q.job.get(id));
    }
    return toJob(row);
  };

  const intake = (conversation: Conversation, forced: Action | undefined, now: number, claim: { owner: string; leaseMs: number } | undefined): IntakeResult => {
    const key = conversationKey(conversation);
    const row: unknown = q.conversation.get(key);
    const known = row === undefined ? undefined : toStoredConversation(row);
    const merged = known === undefined ? conversation : mergeConversation(known.conversation, conversation);
    const keptForced = forced ?? known?.forced;
    if (known === undefined) q.insertConversation.run({ key, snapshot: toConversationJson(merged), forced: keptForced ?? null, now });
    else q.updateConversation.run({ key, snapshot: toConversationJson(merged), forced: keptForced ?? null, now });
    const pending: unknown = q.pendingJob.pluck().get(key);
    let jobId: string;
    if (typeof pending === 'string') jobId = pending;
    else {
      jobId = randomUUID();
      q.insertJob.run(jobId, key, now, now, now);
    }
    const stored = { key, conversation: merged, version: (known?.version ?? 0) + 1, updatedAt: new Date(now), ...(keptForced === undefined ? {} : { forced: keptForced }) };
    const claimed = claim === undefined ? undefined : claimOne(jobId, false, claim.owner, now, claim.leaseMs);
    return { stored, jobId, ...(claimed === undefined ? {} : { claimed }) };
  };

  const finish = (input: { jobId: string; owner: string; now: number; attempt?: Attempt; result: JobResult }): boolean => {
    const { jobId, owner, now, attempt, result } = input;
    if (result.kind === 'done' && result.record !== undefined) {
      const r = result.record;
      q.upsertRecord.run({ key: r.conversationKey, action: r.value.action, crm: r.value.crm, record: toRecordJson(r.value), version: r.version, now });
    }
    const counted = attempt === undefined ? 0 : 1;
    // `next` and `error` null keep the job's own values; the update only touches our running lease.
    const move = (state: JobState, next: number | null, error: string | null, keepError = false) =>
      q.finish.run({ id: jobId, owner, state, counted, next, error, keepError: keepError ? 1 : 0, now }).changes > 0;
    const toPending = (next: number, error: string | null, keepError: boolean) => {
      // A newer intake already queued a job that will deliver everything this one would.
      const other: unknown = q.otherPending.pluck().get({ id: jobId });
      return typeof other === 'string' ? move('done', null, `superseded by job ${other}`) : move('pending', next, error, keepError);
    };
    let moved: boolean;
    switch (result.kind) {
      case 'done':
        moved = move('done', null, null);
        break;
      case 'dead':
        moved = move('dead', null, result.error);
        break;
      case 'retry':
        moved = toPending(result.nextAttemptAt.getTime(), result.error, false);
        break;
      case 'release':
        moved = toPending(result.nextAttemptAt.getTime(), null, true);
        break;
    }
    if (moved && attempt !== undefined)
      q.insertAttempt.run({
        jobId,
        startedAt: attempt.startedAt.getTime(),
        durationMs: attempt.durationMs,
        outcome: attempt.outcome,
        crmStatus: attempt.crmStatus ?? null,
        error: attempt.error ?? null,
      });
    return moved;
  };

  const upsertLocal = (input: { conversationKey: string; action: Action; conversation: Conversation; change: string }, now: number): LocalRecord => {
    const existing: unknown = q.localHead.get(input.conversationKey, input.action);
    const email = input.conversation.visitor.email?.toLowerCase() ?? null;
    const at = new Date(now);
    const entry = { at, change: input.change };
    const snapshot = toConversationJson(input.conversation);
    const base = { action: input.action, conversationKey: input.conversationKey, conversation: input.conversation, updatedAt: at };
    if (existing === undefined) {
      const id = randomBytes(16).toString('base64url');
      q.insertLocal.run({ id, key: input.conversationKey, action: input.action, email, snapshot, history: toHistoryJson([entry]), now });
      return { ...base, id, createdAt: at, history: [entry] };
    }
    const head = toLocalHead(existing);
    const history = [...head.history, entry];
    q.updateLocal.run({ id: head.id, email, snapshot, history: toHistoryJson(history), now });
    return { ...base, id: head.id, createdAt: head.createdAt, history };
  };

  const store: Store = {
    kind: 'sqlite',
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      await checkpointer?.stop();
      if (db.open) db.close();
    },
    settingOrCreate: (key, create) =>
      write(() => {
        const row: unknown = q.getSetting.get(key);
        if (row !== undefined) return toValue(row);
        const value = create();
        q.insertSetting.run(key, value);
        return value;
      }),
    setSetting: (key, value) =>
      write(() => {
        q.setSetting.run(key, value);
      }),
    async getSetting(key) {
      const row: unknown = q.getSetting.get(key);
      return row === undefined ? undefined : toValue(row);
    },
    intake: ({ conversation, forced, now, claim }) => write(() => intake(conversation, forced, now.getTime(), claim)),
    async getConversation(key: ConversationKey) {
      const row: unknown = q.conversation.get(key);
      return row === undefined ? undefined : toStoredConversation(row);
    },
    async getRecord(key, action, crm) {
      const row: unknown = q.record.get(key, action, crm);
      return row === undefined ? undefined : toStoredRecord(row);
    },
    async listRecords(key) {
      return q.records.all(key).map(toStoredRecord);
    },
    claimJob: (jobId, owner, now, leaseMs) =>
      write(() => {
        const row: unknown = q.job.get(jobId);
        if (row === undefined) return undefined;
        return claimOne(jobId, toJob(row).state === 'running', owner, now.getTime(), leaseMs);
      }),
    claimDueJobs: (owner, now, leaseMs, limit) =>
      write(() => {
        const t = now.getTime();
        const claimed: Job[] = [];
        // Over-select: some candidates share a conversation with a running job and are skipped.
        for (const row of q.dueIds.all({ now: t, limit: limit * 4 })) {
          if (claimed.length >= limit) break;
          const candidate = toJob(row);
          const job = claimOne(candidate.id, candidate.state === 'running', owner, t, leaseMs);
          if (job !== undefined) claimed.push(job);
        }
        return claimed;
      }),
    finishJob: ({ jobId, owner, now, attempt, result }) => write(() => finish({ jobId, owner, now: now.getTime(), ...(attempt === undefined ? {} : { attempt }), result })),
    async getJob(id) {
      const row: unknown = q.job.get(id);
      return row === undefined ? undefined : toJob(row);
    },
    async latestJob(key) {
      const row: unknown = q.latestJob.get(key);
      return row === undefined ? undefined : toJob(row);
    },
    async listAttempts(jobId) {
      return q.attempts.all(jobId).map(toAttempt);
    },
    async listJobs(state: JobState, limit: number) {
      return q.jobsByState.all(state, limit).map(toJob);
    },
    reviveJob: (id, now) =>
      write(() => {
        const row: unknown = q.job.get(id);
        if (row === undefined || toJob(row).state !== 'dead') return undefined;
        const job = toJob(row);
        const pending: unknown = q.pendingJob.pluck().get(job.conversationKey);
        // A newer intake already queued the conversation: that job delivers the latest snapshot.
        if (typeof pending === 'string') {
          db.prepare("UPDATE jobs SET state = 'done', last_error = ?, updated_at = ? WHERE id = ?").run(`superseded by job ${pending}`, now.getTime(), id);
          return toJob(q.job.get(pending));
        }
        q.revive.run({ id, now: now.getTime() });
        return toJob(q.job.get(id));
      }),
    async queueStats(): Promise<QueueStats> {
      const counts = { pending: 0, running: 0, dead: 0, done: 0 };
      for (const row of q.counts.all()) {
        const c = toCount(row);
        counts[c.state] = c.n;
      }
      const oldest = toOldest(q.oldestPending.get());
      return { ...counts, ...(oldest === null ? {} : { oldestPendingAt: new Date(oldest) }) };
    },
    upsertLocalRecord: (input) => write(() => upsertLocal(input, Date.now())),
    async getLocalRecord(id) {
      const row: unknown = q.localById.get(id);
      return row === undefined ? undefined : toLocalRecord(row);
    },
    async findLocalRecordByEmail(email) {
      const row: unknown = q.localByEmail.get(email.trim().toLowerCase());
      return row === undefined ? undefined : toLocalRecord(row);
    },
  };
  return store;
};
