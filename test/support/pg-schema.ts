/**
 * A PostgreSQL schema of a test's own on TEST_DATABASE_URL, so tests and instances share one
 * database without seeing each other's tables. Without TEST_DATABASE_URL, `available` is false
 * and the test skips itself (it shows as pending, never as passed).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestSchema {
  readonly available: boolean;
  readonly name: string;
  /** TEST_DATABASE_URL with `search_path` set to this schema. */
  readonly url: string;
  /** Runs SQL as the test database's own user (outside the schema). */
  admin(sql: string): Promise<void>;
  create(): Promise<void>;
  drop(): Promise<void>;
}

export const testSchema = (prefix: string): TestSchema => {
  const base = process.env['TEST_DATABASE_URL'];
  const available = base !== undefined && base !== '';
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = (() => {
    if (!available) return '';
    const u = new URL(base);
    u.searchParams.set('options', `-c search_path=${name}`);
    return u.toString();
  })();
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    available,
    name,
    url,
    admin,
    create: () => admin(`CREATE SCHEMA ${name}`),
    drop: async () => {
      if (available) await admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    },
  };
};
