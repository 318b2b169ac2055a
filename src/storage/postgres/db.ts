/**
 * node-postgres plumbing for the PostgreSQL store: the pool, transactions, and migrations run
 * once across instances that start together.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import * as t from 'io-ts';
import { NOT_PRINTABLE_ASCII, emailKeyOf, migrationsOf } from '../migrations';
import { decodeRow, Nullable } from '../row-codecs';

/** What both the pool and a checked-out client offer; rows stay unknown until a codec reads them. */
export interface Queryable {
  query(text: string, values?: readonly unknown[]): Promise<{ readonly rows: readonly unknown[]; readonly rowCount: number | null }>;
}

export const rowsOf = async (db: Queryable, text: string, values: readonly unknown[] = []): Promise<readonly unknown[]> =>
  (await db.query(text, values)).rows;

export const firstRow = async (db: Queryable, text: string, values: readonly unknown[] = []): Promise<unknown> =>
  (await rowsOf(db, text, values))[0];

export const changed = async (db: Queryable, text: string, values: readonly unknown[]): Promise<boolean> =>
  ((await db.query(text, values)).rowCount ?? 0) > 0;

export const createPool = (url: string, poolSize: number, onError: (error: Error) => void): pg.Pool => {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection that the server or network drops is only reported here; without a
  // listener Node would treat it as an unhandled 'error' event and stop the process. The pool
  // has already discarded that client, so the next query simply opens a new one.
  pool.on('error', onError);
  return pool;
};

/** Runs `work` on one checked-out client; a client that fails mid-transaction is discarded, not reused. */
export const withClient = async <A>(
  pool: pg.Pool,
  onError: (error: Error) => void,
  work: (client: PoolClient) => Promise<A>,
): Promise<A> => {
  const client = await pool.connect();
  // A checked-out client whose connection drops between two queries emits 'error' instead of
  // rejecting a query; the same listener keeps that from stopping the process.
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
};

export const inTransaction = <A>(pool: pg.Pool, onError: (error: Error) => void, work: (client: PoolClient) => Promise<A>): Promise<A> =>
  withClient(pool, onError, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });

const versionOf = (row: unknown): number | undefined => {
  if (typeof row !== 'object' || row === null || !('version' in row)) return undefined;
  const n = Number(row.version);
  return Number.isInteger(n) ? n : undefined;
};

const EmailRow = t.type({ key: t.string, action: Nullable(t.string), email: Nullable(t.string) });

/** The email keys SQL left unset (emails beyond printable ASCII), as personEmail keys them. */
const writeEmailKeys = async (db: Queryable): Promise<void> => {
  const email = "snapshot::json -> 'visitor' ->> 'email'";
  const read = async (sql: string) => (await rowsOf(db, sql)).map((row) => decodeRow(EmailRow, 'email', row));
  for (const r of await read(
    `SELECT key, NULL AS action, visitor_email AS email FROM conversations WHERE email_key IS NULL AND visitor_email ~ '${NOT_PRINTABLE_ASCII}'`,
  ))
    await db.query('UPDATE conversations SET email_key = $2 WHERE key = $1', [r.key, emailKeyOf(r.email)]);
  for (const r of await read(
    `SELECT conversation_key AS key, action, ${email} AS email FROM local_crm_conversations WHERE email_key IS NULL AND ${email} ~ '${NOT_PRINTABLE_ASCII}'`,
  ))
    await db.query('UPDATE local_crm_conversations SET email_key = $3 WHERE conversation_key = $1 AND action = $2', [
      r.key,
      r.action,
      emailKeyOf(r.email),
    ]);
};

/**
 * Applies missing migrations in order, each in its own transaction. Instances starting at the
 * same time queue on a session advisory lock, so each version is applied exactly once.
 */
export const migrate = (pool: pg.Pool, onError: (error: Error) => void): Promise<void> =>
  withClient(pool, onError, async (client) => {
    await client.query("SELECT pg_advisory_lock(hashtext('chat2crm.schema_migrations'))");
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const applied = new Set((await rowsOf(client, 'SELECT version FROM schema_migrations')).map(versionOf));
      for (const [index, step] of migrationsOf('postgres').entries()) {
        const version = index + 1;
        if (applied.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(step.sql);
          if (step.emailKeys) await writeEmailKeys(client);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('chat2crm.schema_migrations'))");
    }
  });
