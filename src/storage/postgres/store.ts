/**
 * PostgreSQL through node-postgres, for several instances behind a load balancer. Same schema
 * and semantics as the SQLite store; what SQLite gets from being the only writer, this store
 * gets from row locks: see jobs.ts for the per-conversation rule.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Action } from '../../domain/event';
import type { Conversation } from '../../domain/conversation';
import type { LocalRecord } from '../../domain/local-records';
import { mergeConversation } from '../../domain/merge';
import { toAttempt, toCount, toJob, toLocalRecord, toOldest, toStoredConversation, toStoredRecord, toValue } from '../rows';
import { toConversationJson, toHistoryJson } from '../serialization';
import { conversationKey, type IntakeResult, type QueueStats, type Store } from '../store';
import { createPool, firstRow, inTransaction, migrate, rowsOf, type Queryable } from './db';
import * as jobs from './jobs';

export interface PostgresStoreOptions {
  readonly poolSize?: number;
  /** Connection errors outside any query (a dropped idle connection); they never stop the process. */
  readonly onError?: (error: Error) => void;
}

const CONVERSATION = 'key, snapshot, version, forced, updated_at';

const intake = async (db: Queryable, conversation: Conversation, forced: Action | undefined, now: number, claim: { owner: string; leaseMs: number } | undefined): Promise<IntakeResult> => {
  const key = conversationKey(conversation);
  const fresh = toConversationJson(conversation);
  // Insert-or-lock in one statement: concurrent intakes of one conversation, in any process,
  // queue on this row until the transaction ends. Version 0 marks a row inserted just now.
  const known = toStoredConversation(
    await firstRow(
      db,
      `INSERT INTO conversations (key, snapshot, version, forced, created_at, updated_at) VALUES ($1, $2, 0, $3, $4, $4)
       ON CONFLICT (key) DO UPDATE SET updated_at = conversations.updated_at
       RETURNING ${CONVERSATION}`,
      [key, fresh, forced ?? null, now],
    ),
  );
  const snapshot = known.version === 0 ? fresh : toConversationJson(mergeConversation(known.conversation, conversation));
  const stored = toStoredConversation(
    await firstRow(db, `UPDATE conversations SET snapshot = $2, version = version + 1, forced = $3, updated_at = $4 WHERE key = $1 RETURNING ${CONVERSATION}`, [
      key,
      snapshot,
      forced ?? known.forced ?? null,
      now,
    ]),
  );
  const pending = await firstRow(db, "SELECT * FROM jobs WHERE conversation_key = $1 AND state = 'pending'", [key]);
  const job =
    pending !== undefined
      ? toJob(pending)
      : toJob(
          await firstRow(
            db,
            "INSERT INTO jobs (id, conversation_key, state, attempts, next_attempt_at, created_at, updated_at) VALUES ($1, $2, 'pending', 0, $3, $3, $3) RETURNING *",
            [randomUUID(), key, now],
          ),
        );
  // The conversation row is locked by this transaction: the claim's rule holds as in claimJob.
  const claimed = claim === undefined ? undefined : await jobs.claimLocked(db, job, claim.owner, now, claim.leaseMs);
  return { stored, jobId: job.id, ...(claimed === undefined ? {} : { claimed }) };
};

const upsertLocal = async (db: Queryable, input: { conversationKey: string; action: Action; conversation: Conversation; change: string }, now: number): Promise<LocalRecord> => {
  const email = input.conversation.visitor.email?.toLowerCase() ?? null;
  const snapshot = toConversationJson(input.conversation);
  const entry = { at: new Date(now), change: input.change };
  // Two first deliveries racing: one insert wins, the other waits for it and then updates.
  const inserted = await firstRow(
    db,
    `INSERT INTO local_records (id, conversation_key, action, email, snapshot, history, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (conversation_key, action) DO NOTHING RETURNING *`,
    [randomBytes(16).toString('base64url'), input.conversationKey, input.action, email, snapshot, toHistoryJson([entry]), now],
  );
  if (inserted !== undefined) return toLocalRecord(inserted);
  const record = toLocalRecord(
    await firstRow(db, 'SELECT * FROM local_records WHERE conversation_key = $1 AND action = $2 FOR UPDATE', [input.conversationKey, input.action]),
  );
  return toLocalRecord(
    await firstRow(db, 'UPDATE local_records SET email = $2, snapshot = $3, history = $4, updated_at = $5 WHERE id = $1 RETURNING *', [
      record.id,
      email,
      snapshot,
      toHistoryJson([...record.history, entry]),
      now,
    ]),
  );
};

export const openPostgresStore = async (url: string, options: PostgresStoreOptions = {}): Promise<Store> => {
  const onError = options.onError ?? (() => undefined);
  const pool = createPool(url, options.poolSize ?? 10, onError);
  try {
    await migrate(pool, onError);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const tx = <A>(work: Parameters<typeof inTransaction<A>>[2]) => inTransaction(pool, onError, work);
  const one = async <A>(decode: (row: unknown) => A, text: string, values: readonly unknown[]): Promise<A | undefined> => {
    const row = await firstRow(pool, text, values);
    return row === undefined ? undefined : decode(row);
  };
  let closed = false;

  const store: Store = {
    kind: 'postgres',
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
    async settingOrCreate(key, create) {
      const known = await store.getSetting(key);
      if (known !== undefined) return known;
      // A concurrent first start may insert between our read and insert: its value wins, and
      // the read below (a new statement) sees it once that insert has committed.
      await pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, create()]);
      return toValue(await firstRow(pool, 'SELECT value FROM settings WHERE key = $1', [key]));
    },
    async setSetting(key, value) {
      await pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [key, value]);
    },
    getSetting: (key) => one(toValue, 'SELECT value FROM settings WHERE key = $1', [key]),
    intake: ({ conversation, forced, now, claim }) => tx((db) => intake(db, conversation, forced, now.getTime(), claim)),
    getConversation: (key) => one(toStoredConversation, `SELECT ${CONVERSATION} FROM conversations WHERE key = $1`, [key]),
    getRecord: (key, action, crm) =>
      one(toStoredRecord, 'SELECT record, version, updated_at FROM records WHERE conversation_key = $1 AND action = $2 AND crm = $3', [key, action, crm]),
    async listRecords(key) {
      return (await rowsOf(pool, 'SELECT record, version, updated_at FROM records WHERE conversation_key = $1 ORDER BY updated_at DESC', [key])).map(toStoredRecord);
    },
    claimJob: (jobId, owner, now, leaseMs) => tx((db) => jobs.claimJob(db, jobId, owner, now.getTime(), leaseMs)),
    claimDueJobs: (owner, now, leaseMs, limit) => tx((db) => jobs.claimDueJobs(db, owner, now.getTime(), leaseMs, limit)),
    finishJob: ({ now, attempt, ...rest }) => tx((db) => jobs.finishJob(db, { ...rest, now: now.getTime(), ...(attempt === undefined ? {} : { attempt }) })),
    getJob: (id) => one(toJob, 'SELECT * FROM jobs WHERE id = $1', [id]),
    latestJob: (key) => one(toJob, 'SELECT * FROM jobs WHERE conversation_key = $1 ORDER BY created_at DESC, seq DESC LIMIT 1', [key]),
    async listAttempts(jobId) {
      return (await rowsOf(pool, 'SELECT * FROM attempts WHERE job_id = $1 ORDER BY id', [jobId])).map(toAttempt);
    },
    async listJobs(state, limit) {
      return (await rowsOf(pool, 'SELECT * FROM jobs WHERE state = $1 ORDER BY updated_at DESC, seq DESC LIMIT $2', [state, limit])).map(toJob);
    },
    reviveJob: (id, now) => tx((db) => jobs.reviveJob(db, id, now.getTime())),
    async queueStats(): Promise<QueueStats> {
      const counts = { pending: 0, running: 0, dead: 0, done: 0 };
      for (const row of await rowsOf(pool, 'SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')) {
        const c = toCount(row);
        counts[c.state] = c.n;
      }
      const oldest = toOldest(await firstRow(pool, "SELECT MIN(created_at) AS oldest FROM jobs WHERE state = 'pending'"));
      return { ...counts, ...(oldest === null ? {} : { oldestPendingAt: new Date(oldest) }) };
    },
    upsertLocalRecord: (input) => tx((db) => upsertLocal(db, input, Date.now())),
    getLocalRecord: (id) => one(toLocalRecord, 'SELECT * FROM local_records WHERE id = $1', [id]),
    findLocalRecordByEmail: (email) =>
      one(toLocalRecord, 'SELECT * FROM local_records WHERE email = $1 ORDER BY updated_at DESC LIMIT 1', [email.trim().toLowerCase()]),
  };
  return store;
};
