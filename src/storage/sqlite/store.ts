/**
 * The embedded default: SQLite through better-sqlite3. Writes go through the write queue (one
 * transaction at a time, group commit); WAL lets readers (the replay command, health checks) run
 * beside the writer. The queue's rules are src/storage/queue/; this file wires them to SQLite.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { claimDueJobs, claimJob } from '../queue/claim';
import { finishJob } from '../queue/finish';
import { intake } from '../queue/intake';
import { reviveJob } from '../queue/revive';
import { toAttempt, toJob, toStoredConversation, toStoredRecord, toValue } from '../rows';
import type { ConversationKey, JobState, Store } from '../store';
import { CHECKPOINT_DEFAULTS, startCheckpointer, type CheckpointTiming } from './checkpointer';
import type { CheckpointMode } from './checkpoint-policy';
import { createSqliteConsole } from './console';
import { createSqliteLocalCrm } from './local-crm';
import { migrateSqlite } from './migrate';
import { createSqliteQueueStats } from './queue-stats';
import { createSqliteQueueTx } from './queue-tx';
import { createWriteQueue } from './write-queue';
import { createSqlitePrivacy } from '../privacy/sqlite';

export interface SqliteStoreOptions {
  readonly onError?: (message: string) => void;
  /** When checkpoints move to a worker thread and back (checkpointer.ts); tests shorten them. */
  readonly checkpoints?: Partial<CheckpointTiming>;
  readonly onCheckpointMove?: (mode: CheckpointMode, ms: number) => void;
}

export const openSqliteStore = (path: string, options: SqliteStoreOptions = {}): Store => {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a crash of the process (kill -9); only a power cut can lose the
  // newest commits. Deployments that need more run on PostgreSQL.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // 8 MB of page cache instead of better-sqlite3's 16: ingest at 64 connections ran at the same
  // CPU per transcript with either (and with SQLite's own 2 MB), and peaked 10 MB lower.
  db.pragma('cache_size = -8000');
  migrateSqlite(db);
  const write = createWriteQueue(db);
  const localCrm = createSqliteLocalCrm(db, write);
  const tx = createSqliteQueueTx(db, localCrm.upsertNow);
  // Checkpoints run on a timer (checkpointer.ts), not after a request's commit. The writer's own
  // checkpoint stays as a backstop, at 10,000 pages (40 MB), for a load the timer cannot keep up
  // with: a checkpoint running beside a busy writer never gets to reset the WAL.
  if (!inMemory) db.pragma('wal_autocheckpoint = 10000');
  const checkpointer = inMemory
    ? undefined
    : startCheckpointer(db, path, {
        ...CHECKPOINT_DEFAULTS,
        ...options.checkpoints,
        onError: options.onError ?? (() => undefined),
        ...(options.onCheckpointMove === undefined ? {} : { onMove: options.onCheckpointMove }),
      });

  const q = {
    conversation: db.prepare('SELECT key, snapshot, version, forced, meta, person, updated_at FROM conversations WHERE key = ?'),
    job: db.prepare('SELECT * FROM jobs WHERE id = ?'),
    latestJob: db.prepare('SELECT * FROM jobs WHERE conversation_key = ? ORDER BY created_at DESC, rowid DESC LIMIT 1'),
    latestJobOfKind: db.prepare('SELECT * FROM jobs WHERE conversation_key = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT 1'),
    conversationJobs: db.prepare(
      'SELECT * FROM (SELECT *, rowid AS r FROM jobs WHERE conversation_key = ? ORDER BY created_at DESC, rowid DESC LIMIT ?) ORDER BY created_at, r',
    ),
    recordForVisitor: db.prepare(`
      SELECT r.record, r.version, r.updated_at FROM conversations c JOIN records r ON r.conversation_key = c.key
      WHERE c.source = ? AND c.visitor_id = ? AND r.crm = ? ORDER BY r.updated_at DESC LIMIT 1`),
    record: db.prepare('SELECT record, version, updated_at FROM records WHERE conversation_key = ? AND action = ? AND crm = ?'),
    records: db.prepare('SELECT record, version, updated_at FROM records WHERE conversation_key = ? ORDER BY updated_at DESC'),
    attempts: db.prepare('SELECT * FROM attempts WHERE job_id = ? ORDER BY id'),
    jobsByState: db.prepare('SELECT * FROM jobs WHERE state = ? ORDER BY updated_at DESC LIMIT ?'),
    getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
    insertSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  };
  const optional = <A>(decode: (row: unknown) => A, row: unknown): A | undefined => (row === undefined ? undefined : decode(row));

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
    getSetting: async (key) => optional(toValue, q.getSetting.get(key)),
    intake: (input) => write(() => intake(tx, input)),
    recordForVisitor: async (source, visitorId, crm) => optional(toStoredRecord, q.recordForVisitor.get(source, visitorId, crm)),
    getConversation: async (key: ConversationKey) => optional(toStoredConversation, q.conversation.get(key)),
    getRecord: async (key, action, crm) => optional(toStoredRecord, q.record.get(key, action, crm)),
    listRecords: async (key) => q.records.all(key).map(toStoredRecord),
    claimJob: (jobId, owner, now, leaseMs) => write(() => claimJob(tx, jobId, owner, now.getTime(), leaseMs)),
    claimDueJobs: (owner, now, leaseMs, limit, batched) => write(() => claimDueJobs(tx, owner, now.getTime(), leaseMs, limit, batched)),
    finishJob: ({ now, attempt, ...rest }) =>
      write(() => finishJob(tx, { ...rest, now: now.getTime(), ...(attempt === undefined ? {} : { attempt }) })),
    getJob: async (id) => optional(toJob, q.job.get(id)),
    latestJob: async (key, kind) => optional(toJob, kind === undefined ? q.latestJob.get(key) : q.latestJobOfKind.get(key, kind)),
    conversationJobs: async (key, limit) => q.conversationJobs.all(key, limit).map(toJob),
    listAttempts: async (jobId) => q.attempts.all(jobId).map(toAttempt),
    listJobs: async (state: JobState, limit: number) => q.jobsByState.all(state, limit).map(toJob),
    reviveJob: (id, now) => write(() => reviveJob(tx, id, now.getTime())),
    ...createSqliteQueueStats(db),
    ...localCrm.port,
    ...createSqliteConsole(db),
    ...createSqlitePrivacy(db, write),
  };
  return store;
};
