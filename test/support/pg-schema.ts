/**
 * A PostgreSQL schema of a test's own on TEST_DATABASE_URL, so tests and instances share one
 * database without seeing each other's tables. Without TEST_DATABASE_URL, `available` is false
 * and the test skips itself (it shows as pending, never as passed); the run then ends with one
 * line saying how many PostgreSQL tests were skipped and which key runs them.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** A test file that needs PostgreSQL names the key (or this module). */
const POSTGRES_FILE = /TEST_DATABASE_URL|pg-schema/;

const pendingPostgresTests = (suite: Mocha.Suite): number => {
  const needsPostgres = new Map<string, boolean>();
  const postgres = (file: string | undefined) => {
    if (file === undefined) return false;
    let known = needsPostgres.get(file);
    if (known === undefined) {
      known = POSTGRES_FILE.test(readFileSync(file, 'utf8'));
      needsPostgres.set(file, known);
    }
    return known;
  };
  const count = (s: Mocha.Suite): number =>
    s.tests.filter((test) => test.isPending() && postgres(test.file)).length + s.suites.reduce((n, child) => n + count(child), 0);
  return count(suite);
};

/**
 * Without TEST_DATABASE_URL, the run's last line says what the pending PostgreSQL tests need
 * (mocha lists pending tests without a reason). A root hook of the run whenever this module is
 * loaded, which every PostgreSQL test file does or names the key itself.
 */
const base = process.env['TEST_DATABASE_URL'];
if ((base === undefined || base === '') && typeof after === 'function')
  after(function () {
    let root = this.test?.parent;
    while (root?.parent !== undefined) root = root.parent;
    if (root === undefined) return;
    const skipped = pendingPostgresTests(root);
    // After mocha's summary: process.exit (mocha's --exit) still runs 'exit' listeners, and
    // stdout to a pipe or file is written synchronously on Linux.
    if (skipped > 0)
      process.once('exit', () => {
        process.stdout.write(
          `${skipped} PostgreSQL test${skipped === 1 ? '' : 's'} skipped (pending): set TEST_DATABASE_URL=postgres://user@host:5432/db (a database they may create schemas in) to run them.\n`,
        );
      });
  });
