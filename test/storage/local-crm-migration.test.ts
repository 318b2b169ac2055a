/**
 * The local CRM migration on a database written by an earlier version: every record keeps its
 * id (agents were given its link), people are made from the emails, and a person whose lead was
 * made twice keeps both while new conversations join the older one. SQLite always; PostgreSQL
 * when TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { postgresMigrations, sqliteMigrations } from './legacy-migrations';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import { openPostgresStore } from '../../src/storage/postgres/store';
import type { Store } from '../../src/storage/store';
import { at, withVisitor } from './fixtures';
import { defined } from './contract/context';

const migrationsBefore = (migrations: readonly string[]) => {
  const index = migrations.findIndex((sql) => sql.includes('CREATE TABLE local_people'));
  assert.ok(index > 0, 'the local CRM migration exists');
  return migrations.slice(0, index);
};

/** Rows as the previous schema held them: two leads for one email, a case, an anonymous lead. */
const oldRows = [
  { id: 'lead-1', key: 'olark:c1', action: 'lead', email: 'jo@example.com', at: 100 },
  { id: 'lead-2', key: 'olark:c2', action: 'lead', email: 'jo@example.com', at: 200 },
  { id: 'case-1', key: 'olark:c3', action: 'case', email: 'jo@example.com', at: 300 },
  { id: 'anon-1', key: 'olark:c4', action: 'lead', email: null, at: 400 },
].map((r) => ({
  ...r,
  snapshot: JSON.stringify(withVisitor(r.key.slice(6), r.email === null ? {} : { email: r.email })),
  history: JSON.stringify([{ at: at(r.at).toISOString(), change: 'created' }]),
  created: at(r.at).getTime(),
}));

const checkMigrated = async (store: Store) => {
  const lead1 = defined(await store.getLocalRecord('lead-1'), 'lead-1');
  assert.equal(lead1.email, 'jo@example.com');
  assert.deepEqual(
    lead1.conversations.map((c) => c.key),
    ['olark:c1'],
  );
  assert.deepEqual(
    lead1.history.map((h) => h.change),
    ['created'],
  );
  assert.deepEqual(
    lead1.related.map((r) => r.id),
    ['lead-2', 'case-1'],
  );
  assert.equal(defined(await store.getLocalRecord('case-1'), 'case-1').action, 'case');
  assert.equal('email' in defined(await store.getLocalRecord('anon-1'), 'anon-1'), false);
  assert.equal((await store.findLocalRecordByEmail('jo@example.com'))?.id, 'lead-1');
  const change = { created: 'created', added: 'added', updated: 'updated' };
  const joined = await store.upsertLocalRecord({
    conversationKey: 'olark:c5',
    action: 'lead',
    conversation: withVisitor('c5', { email: 'jo@example.com' }),
    change,
  });
  assert.deepEqual(joined, { id: 'lead-1', change: 'added' });
  const repeat = await store.upsertLocalRecord({
    conversationKey: 'olark:c2',
    action: 'lead',
    conversation: withVisitor('c2', { email: 'jo@example.com' }, 4),
    change,
  });
  assert.deepEqual(repeat, { id: 'lead-2', change: 'updated' });
};

describe('local CRM migration', () => {
  it('SQLite: keeps every record and its id, and makes one person per email', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat2crm-local-migration-'));
    const path = join(dir, 'old.db');
    try {
      const db = new Database(path);
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      migrationsBefore(sqliteMigrations).forEach((sql, i) => {
        db.exec(sql);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(i + 1);
      });
      const insert = db.prepare(
        'INSERT INTO local_records (id, conversation_key, action, email, snapshot, history, created_at, updated_at) VALUES (@id, @key, @action, @email, @snapshot, @history, @created, @created)',
      );
      for (const row of oldRows) insert.run(row);
      db.close();
      const store = openSqliteStore(path);
      try {
        await checkMigrated(store);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: keeps every record and its id, and makes one person per email', async function () {
    const url = process.env['TEST_DATABASE_URL'];
    if (url === undefined || url === '') this.skip();
    const schema = `local_migration_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.query(`SET search_path = ${schema}`);
      await admin.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      for (const [i, sql] of migrationsBefore(postgresMigrations).entries()) {
        await admin.query(sql);
        await admin.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [i + 1]);
      }
      for (const r of oldRows)
        await admin.query(
          'INSERT INTO local_records (id, conversation_key, action, email, snapshot, history, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)',
          [r.id, r.key, r.action, r.email, r.snapshot, r.history, r.created],
        );
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      const store = await openPostgresStore(u.toString());
      try {
        await checkMigrated(store);
      } finally {
        await store.close();
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
