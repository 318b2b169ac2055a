/**
 * PostgreSQL through node-postgres, for several instances behind a load balancer. Same schema
 * and rules as the SQLite store (src/storage/queue/); what SQLite gets from being the only
 * writer, this store gets from row locks (queue-tx.ts).
 */
import { claimDueJobs, claimJob } from '../queue/claim';
import { finishJob } from '../queue/finish';
import { intake } from '../queue/intake';
import { reviveJob } from '../queue/revive';
import { toAttempt, toJob, toStoredConversation, toStoredRecord, toValue } from '../rows';
import type { Store } from '../store';
import { createPool, firstRow, inTransaction, migrate, rowsOf } from './db';
import { createPostgresLocalCrm } from './local-crm';
import { createPostgresQueueTx } from './queue-tx';
import { createPostgresConsole } from './console';
import { createPostgresQueueStats } from './queue-stats';
import { createPostgresPrivacy } from '../privacy/postgres';

export interface PostgresStoreOptions {
  readonly poolSize?: number;
  /** Connection errors outside any query (a dropped idle connection); they never stop the process. */
  readonly onError?: (error: Error) => void;
}

const CONVERSATION = 'key, snapshot, version, forced, meta, person, updated_at';

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
  /** A queue rule in a transaction of its own. */
  const rule = <A>(work: (queue: ReturnType<typeof createPostgresQueueTx>) => Promise<A>) => tx((db) => work(createPostgresQueueTx(db)));
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
    intake: (input) => rule((q) => intake(q, input)),
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
    claimJob: (jobId, owner, now, leaseMs) => rule((q) => claimJob(q, jobId, owner, now.getTime(), leaseMs)),
    claimDueJobs: (owner, now, leaseMs, limit, batched) => rule((q) => claimDueJobs(q, owner, now.getTime(), leaseMs, limit, batched)),
    finishJob: ({ now, attempt, ...rest }) =>
      rule((q) => finishJob(q, { ...rest, now: now.getTime(), ...(attempt === undefined ? {} : { attempt }) })),
    getJob: (id) => one(toJob, 'SELECT * FROM jobs WHERE id = $1', [id]),
    latestJob: (key, kind) =>
      kind === undefined
        ? one(toJob, 'SELECT * FROM jobs WHERE conversation_key = $1 ORDER BY created_at DESC, seq DESC LIMIT 1', [key])
        : one(toJob, 'SELECT * FROM jobs WHERE conversation_key = $1 AND kind = $2 ORDER BY created_at DESC, seq DESC LIMIT 1', [
            key,
            kind,
          ]),
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
    reviveJob: (id, now) => rule((q) => reviveJob(q, id, now.getTime())),
    ...createPostgresQueueStats(pool),
    ...createPostgresLocalCrm(pool, tx),
    ...createPostgresConsole(pool),
    ...createPostgresPrivacy(tx),
  };
  return store;
};
