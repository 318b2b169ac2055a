/**
 * node-postgres plumbing for the PostgreSQL store: the pool, transactions, and migrations run
 * once across instances that start together.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import { postgresMigrations } from './migrations';

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
      for (const [index, sql] of postgresMigrations.entries()) {
        const version = index + 1;
        if (applied.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
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
