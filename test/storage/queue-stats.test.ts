/**
 * Queue stats over a history longer than what they count exactly: `done` becomes an estimate
 * (documented in the README), the other figures stay exact. The Store contract covers the exact
 * counts on a small database; the long history is written straight into the tables here (through
 * the store it would take minutes), one conversation per finished step as in real use.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/store';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import { DONE_EXACT_UP_TO } from '../../src/storage/queue/stats';
import type { Store } from '../../src/storage/store';
import { at, conversation } from './fixtures';

/** A history of finished steps past the exact count. */
const history = (exactUpTo: number) => exactUpTo + 500;
const ERASED = 300;

/** What both stores must show: the unfinished figures exact, done estimated within the erased rows. */
const pendingOnly = async (store: Store, done: { readonly atLeast: number; readonly atMost: number }) => {
  const stats = await store.queueStats();
  assert.deepEqual({ ...stats, done: 0 }, { pending: 1, running: 0, dead: 0, expired: 0, failing: 0, done: 0, oldestPendingAt: at(0) });
  assert.ok(stats.done >= done.atLeast && stats.done <= done.atMost, `done ${stats.done} is not within ${done.atLeast}–${done.atMost}`);
};

describe('Queue stats over a long history', () => {
  describe('SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat2crm-queue-stats-'));
    const path = join(dir, 'store.db');
    after(() => rmSync(dir, { recursive: true, force: true }));

    it(`counts done exactly up to ${DONE_EXACT_UP_TO.toLocaleString('en')}, then from the rows written (erased ones included), the rest exactly`, async () => {
      const store = openSqliteStore(path);
      try {
        await store.intake({ conversation: conversation('waiting'), now: at(0) });
        const n = history(DONE_EXACT_UP_TO);
        const db = new Database(path);
        try {
          db.exec(`
            WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${n})
            INSERT INTO conversations (key, source, snapshot, version, meta, created_at, updated_at) SELECT 'olark:h' || i, 'olark', '{}', 1, '{}', 0, 0 FROM g;
            INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, created_at, updated_at)
              SELECT 'h' || substr(key, 8), key, 'deliver', '', 'done', 1, 0, 0, 0 FROM conversations WHERE key LIKE 'olark:h%';`);
        } finally {
          db.close();
        }
        await pendingOnly(store, { atLeast: n, atMost: n });
        const erase = new Database(path);
        try {
          // As `npm run privacy` erases: the rows go, the estimate still counts them.
          erase.exec(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'done' ORDER BY rowid LIMIT ${ERASED})`);
        } finally {
          erase.close();
        }
        await pendingOnly(store, { atLeast: n - ERASED, atMost: n });
      } finally {
        await store.close();
      }
    });
  });

  describe('PostgreSQL', function () {
    const baseUrl = process.env['TEST_DATABASE_URL'];
    const schema = `queue_stats_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = async (sql: string, url = baseUrl) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    const schemaUrl = () => {
      const u = new URL(baseUrl ?? '');
      u.searchParams.set('options', `-c search_path=${schema}`);
      return u.toString();
    };
    before(async function () {
      // Pending, not passed: a run without a database must not look like a green PostgreSQL suite.
      if (baseUrl === undefined || baseUrl === '') this.skip();
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    });
    after(async () => {
      if (baseUrl !== undefined && baseUrl !== '') await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });

    it(`counts done exactly up to ${DONE_EXACT_UP_TO.toLocaleString('en')}, then from the live-row statistic, the rest exactly`, async () => {
      const store = await openPostgresStore(schemaUrl());
      try {
        await store.intake({ conversation: conversation('waiting'), now: at(0) });
        const n = history(DONE_EXACT_UP_TO);
        // ANALYZE: the statistic is otherwise sent about once a second; the test must not wait on it.
        await admin(
          `INSERT INTO conversations (key, source, snapshot, version, meta, created_at, updated_at) SELECT 'olark:h' || i, 'olark', '{}', 1, '{}', 0, 0 FROM generate_series(1, ${n}) i;
           INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, created_at, updated_at)
             SELECT 'h' || i, 'olark:h' || i, 'deliver', '', 'done', 1, 0, 0, 0 FROM generate_series(1, ${n}) i;
           ANALYZE jobs;`,
          schemaUrl(),
        );
        await pendingOnly(store, { atLeast: n, atMost: n });
        await admin(
          `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'done' ORDER BY seq LIMIT ${ERASED}); ANALYZE jobs;`,
          schemaUrl(),
        );
        await pendingOnly(store, { atLeast: n - ERASED, atMost: n - ERASED });
      } finally {
        await store.close();
      }
    });
  });
});
