/**
 * PostgreSQL through node-postgres, for several instances behind a load balancer. Same schema
 * and semantics as the SQLite store; what SQLite gets from being the only writer, this store
 * gets from row locks: see jobs.ts for the per-conversation rule.
 */
import { mergeConversation } from '../../domain/merge';
import { toAttempt, toJob, toStoredConversation, toStoredRecord, toValue } from '../rows';
import { toConversationJson, toMetaJson } from '../serialization';
import {
  DEFAULT_PLAN,
  asksDeliverHere,
  conversationKey,
  type DeliveredHere,
  type IntakeInput,
  type IntakeResult,
  type Store,
  type StoredConversation,
} from '../store';
import { changed, createPool, firstRow, inTransaction, migrate, rowsOf, type Queryable } from './db';
import * as jobs from './jobs';
import { createPostgresLocalCrm, upsertLocalRecordIn } from './local-crm';
import { createPostgresConsole } from './console';
import { createPostgresQueueStats } from './queue-stats';
import { createPostgresPrivacy } from '../privacy/postgres';

export interface PostgresStoreOptions {
  readonly poolSize?: number;
  /** Connection errors outside any query (a dropped idle connection); they never stop the process. */
  readonly onError?: (error: Error) => void;
}

const CONVERSATION = 'key, snapshot, version, forced, meta, person, updated_at';

const intake = async (db: Queryable, input: IntakeInput, now: number): Promise<IntakeResult> => {
  const { conversation, forced, plan = DEFAULT_PLAN } = input;
  const key = conversationKey(conversation);
  const fresh = toConversationJson(conversation);
  // Insert-or-lock in one statement: concurrent intakes of one conversation, in any process,
  // queue on this row until the transaction ends. Version 0 marks a row inserted just now.
  const known = toStoredConversation(
    await firstRow(
      db,
      `INSERT INTO conversations (key, source, snapshot, version, forced, meta, visitor_id, created_at, updated_at) VALUES ($1, $2, $3, 0, $4, '{}', $5, $6, $6)
       ON CONFLICT (key) DO UPDATE SET updated_at = conversations.updated_at
       RETURNING ${CONVERSATION}`,
      [key, conversation.source, fresh, forced ?? null, conversation.visitor.id ?? null, now],
    ),
  );
  if (input.dedupKey !== undefined && known.version > 0) {
    const seen = await changed(
      db,
      'INSERT INTO events (source, dedup_key, conversation_key, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [conversation.source, input.dedupKey, key, now],
    );
    if (!seen) {
      const first = plan[0];
      const latest = first === undefined ? undefined : await jobs.latestOfKind(db, key, first);
      return { duplicate: true, stored: known, ...(latest === undefined ? {} : { jobId: latest.id }) };
    }
  } else if (input.dedupKey !== undefined)
    await db.query('INSERT INTO events (source, dedup_key, conversation_key, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      conversation.source,
      input.dedupKey,
      key,
      now,
    ]);
  const merged = known.version === 0 ? conversation : mergeConversation(known.conversation, conversation);
  const meta = { ...known.meta, ...input.meta };
  const stored = toStoredConversation(
    await firstRow(
      db,
      `UPDATE conversations SET snapshot = $2, version = version + 1, forced = $3, meta = $4, visitor_id = $5, updated_at = $6 WHERE key = $1 RETURNING ${CONVERSATION}`,
      [
        key,
        known.version === 0 ? fresh : toConversationJson(merged),
        forced ?? known.forced ?? null,
        toMetaJson(meta),
        merged.visitor.id ?? null,
        now,
      ],
    ),
  );
  const [first, ...then] = plan;
  if (first === undefined) return { duplicate: false, stored };
  const expiresAt = input.expiresAt?.getTime() ?? null;
  if (asksDeliverHere(input) && (known.version === 0 || !(await jobs.hasUnfinished(db, key)))) {
    const here = await deliverNow(db, input.deliverHere, stored, now);
    if (here !== undefined) {
      const jobId = await jobs.insertDelivered(db, {
        key,
        then,
        expiresAt,
        now,
        record: here.record,
        version: stored.version,
        durationMs: here.durationMs,
      });
      const delivered: DeliveredHere = { jobId, ...here };
      const [next, ...rest] = then;
      if (next === undefined) return { duplicate: false, stored, delivered };
      const job = await jobs.queueStep(db, key, next, rest, expiresAt, now);
      const claimed = await jobs.claimLocked(db, job, input.claim.owner, now, input.claim.leaseMs);
      return { duplicate: false, stored, delivered, jobId: job.id, ...(claimed === undefined ? {} : { claimed }) };
    }
  }
  const job = await jobs.queueStep(db, key, first, then, expiresAt, now);
  // The conversation row is locked by this transaction: the claim's rule holds as in claimJob.
  const claimed = input.claim === undefined ? undefined : await jobs.claimLocked(db, job, input.claim.owner, now, input.claim.leaseMs);
  return { duplicate: false, stored, jobId: job.id, ...(claimed === undefined ? {} : { claimed }) };
};

/**
 * The local CRM's upsert for `deliverHere`, in a savepoint of the intake's transaction: a
 * failure leaves none of it behind (and the transaction usable), and the step is then queued to
 * run, and fail, and be retried, as any other.
 */
const deliverNow = async (
  db: Queryable,
  deliverHere: NonNullable<IntakeInput['deliverHere']>,
  stored: StoredConversation,
  now: number,
): Promise<Omit<DeliveredHere, 'jobId'> | undefined> => {
  const started = Date.now();
  await db.query('SAVEPOINT deliver_here');
  try {
    const delivery = deliverHere(stored);
    const record = delivery.toRecord((await upsertLocalRecordIn(db, delivery.upsert, now)).id);
    await db.query('RELEASE SAVEPOINT deliver_here');
    return { record, durationMs: Date.now() - started };
  } catch {
    await db.query('ROLLBACK TO SAVEPOINT deliver_here');
    return undefined;
  }
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
      await pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [
        key,
        value,
      ]);
    },
    getSetting: (key) => one(toValue, 'SELECT value FROM settings WHERE key = $1', [key]),
    intake: (input) => tx((db) => intake(db, input, input.now.getTime())),
    recordForVisitor: (source, visitorId, crm) =>
      one(
        toStoredRecord,
        `SELECT r.record, r.version, r.updated_at FROM conversations c JOIN records r ON r.conversation_key = c.key
         WHERE c.source = $1 AND c.visitor_id = $2 AND r.crm = $3 ORDER BY r.updated_at DESC LIMIT 1`,
        [source, visitorId, crm],
      ),
    getConversation: (key) => one(toStoredConversation, `SELECT ${CONVERSATION} FROM conversations WHERE key = $1`, [key]),
    getRecord: (key, action, crm) =>
      one(toStoredRecord, 'SELECT record, version, updated_at FROM records WHERE conversation_key = $1 AND action = $2 AND crm = $3', [
        key,
        action,
        crm,
      ]),
    async listRecords(key) {
      return (
        await rowsOf(pool, 'SELECT record, version, updated_at FROM records WHERE conversation_key = $1 ORDER BY updated_at DESC', [key])
      ).map(toStoredRecord);
    },
    claimJob: (jobId, owner, now, leaseMs) => tx((db) => jobs.claimJob(db, jobId, owner, now.getTime(), leaseMs)),
    claimDueJobs: (owner, now, leaseMs, limit) => tx((db) => jobs.claimDueJobs(db, owner, now.getTime(), leaseMs, limit)),
    finishJob: ({ now, attempt, ...rest }) =>
      tx((db) => jobs.finishJob(db, { ...rest, now: now.getTime(), ...(attempt === undefined ? {} : { attempt }) })),
    getJob: (id) => one(toJob, 'SELECT * FROM jobs WHERE id = $1', [id]),
    latestJob: (key, kind) =>
      kind === undefined
        ? one(toJob, 'SELECT * FROM jobs WHERE conversation_key = $1 ORDER BY created_at DESC, seq DESC LIMIT 1', [key])
        : jobs.latestOfKind(pool, key, kind),
    async conversationJobs(key, limit) {
      return (
        await rowsOf(
          pool,
          'SELECT * FROM (SELECT * FROM jobs WHERE conversation_key = $1 ORDER BY created_at DESC, seq DESC LIMIT $2) j ORDER BY created_at, seq',
          [key, limit],
        )
      ).map(toJob);
    },
    async listAttempts(jobId) {
      return (await rowsOf(pool, 'SELECT * FROM attempts WHERE job_id = $1 ORDER BY id', [jobId])).map(toAttempt);
    },
    async listJobs(state, limit) {
      return (await rowsOf(pool, 'SELECT * FROM jobs WHERE state = $1 ORDER BY updated_at DESC, seq DESC LIMIT $2', [state, limit])).map(
        toJob,
      );
    },
    reviveJob: (id, now) => tx((db) => jobs.reviveJob(db, id, now.getTime())),
    ...createPostgresQueueStats(pool),
    ...createPostgresLocalCrm(pool, tx),
    ...createPostgresConsole(pool),
    ...createPostgresPrivacy(tx),
  };
  return store;
};
