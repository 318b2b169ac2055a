/**
 * The databases the scale section measures: the service's own schema (its migrations), filled by
 * the bulk loaders of bench/console.ts, as a SQLite file in a temp folder or a PostgreSQL schema of
 * its own (dropped afterwards), with what the measurements need of each.
 */
import Database from 'better-sqlite3';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../src/config';
import { openStore } from '../src/storage/open';
import { cursorOf, loadPostgres, loadSqlite, type Sample } from './console';
import { round1 } from './stats';

export interface Target {
  readonly storage: 'SQLite' | 'PostgreSQL';
  readonly conversations: number;
  readonly loadSeconds: number;
  /** The database's size right after the load: tables, indexes, TOAST (PostgreSQL), the file (SQLite). */
  readonly bytes: number;
  readonly sample: Sample;
  /** DATABASE_URL for the service. */
  readonly databaseUrl: string;
  /** For the store opened in the bench's own process. */
  readonly config: DatabaseConfig;
  /** A console cursor about 90 % down the newest-first list. */
  deepCursor(): Promise<string>;
  /** Makes every waiting step due within the last hour (a backlog to catch up with); how many. */
  makeDue(now: number): Promise<number>;
  drop(): Promise<void>;
}

const seconds = (since: number) => round1((performance.now() - since) / 1000);

export const sqliteTarget = async (dir: string, total: number): Promise<Target> => {
  const path = join(dir, `scale-${total}.db`);
  // The service's own migrations make the schema; the rows go in after.
  await (await openStore({ kind: 'sqlite', path })).close();
  const started = performance.now();
  const sample = loadSqlite(path, total);
  const loadSeconds = seconds(started);
  const withDb = <A>(work: (db: Database.Database) => A): A => {
    const db = new Database(path);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    storage: 'SQLite',
    conversations: total,
    loadSeconds,
    bytes: statSync(path).size,
    sample,
    databaseUrl: `sqlite:${path}`,
    config: { kind: 'sqlite', path },
    deepCursor: async () =>
      withDb((db) =>
        cursorOf(
          db
            .prepare('SELECT updated_at, key FROM conversations ORDER BY updated_at DESC, key DESC LIMIT 1 OFFSET ?')
            .get(Math.floor(total * 0.9)),
        ),
      ),
    makeDue: async (now) =>
      withDb((db) => {
        const changed = db
          .prepare("UPDATE jobs SET next_attempt_at = @now - abs(random() % 3600000) WHERE state = 'pending'")
          .run({ now }).changes;
        // The 40,000-row update leaves a WAL past the writer's checkpoint backstop (10,000 pages):
        // folded in here, it does not land in a timed claim (one took 732 ms in a run of 2026-12-02).
        db.pragma('wal_checkpoint(TRUNCATE)');
        return changed;
      }),
    drop: async () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    },
  };
};

export const postgresTarget = async (base: string, total: number): Promise<Target> => {
  const schema = `bench_scale_${process.pid}_${total}`;
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const withClient = async <A>(connectionString: string, work: (c: pg.Client) => Promise<A>): Promise<A> => {
    const c = new pg.Client({ connectionString });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  await withClient(base, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`));
  const drop = async () => {
    await withClient(base, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  };
  try {
    await (await openStore({ kind: 'postgres', url: url.toString() })).close();
    const started = performance.now();
    const sample = await loadPostgres(url.toString(), total);
    const loadSeconds = seconds(started);
    const bytes = await withClient(url.toString(), async (c) => {
      const row: unknown = (
        await c.query(
          "SELECT sum(pg_total_relation_size(t.oid))::text AS bytes FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND t.relkind = 'r'",
        )
      ).rows[0];
      const value: unknown = typeof row === 'object' && row !== null && 'bytes' in row ? row.bytes : undefined;
      if (typeof value !== 'string') throw new Error('PostgreSQL gave no size for the schema');
      return Number(value);
    });
    return {
      storage: 'PostgreSQL',
      conversations: total,
      loadSeconds,
      bytes,
      sample,
      databaseUrl: url.toString(),
      config: { kind: 'postgres', url: url.toString() },
      deepCursor: () =>
        withClient(url.toString(), async (c) =>
          cursorOf(
            (
              await c.query('SELECT updated_at, key FROM conversations ORDER BY updated_at DESC, key DESC LIMIT 1 OFFSET $1', [
                Math.floor(total * 0.9),
              ])
            ).rows[0],
          ),
        ),
      makeDue: (now) =>
        withClient(
          url.toString(),
          async (c) =>
            (await c.query("UPDATE jobs SET next_attempt_at = $1 - floor(random() * 3600000)::bigint WHERE state = 'pending'", [now]))
              .rowCount ?? 0,
        ),
      drop,
    };
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
};
