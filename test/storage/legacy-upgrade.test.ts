/**
 * Databases made by the code of before the one migration list (SQLite at version 10, PostgreSQL
 * at 7: legacy-migrations.ts) open with today's store and upgrade without loss: the error code read
 * once from the kept text, email keys re-made as personEmail makes them (SQL's lower() had left
 * `Élodie` capitalised), the state triggers gone and the state still kept. Then both dialects hold
 * the same columns. SQLite always; PostgreSQL when TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import * as t from 'io-ts';
import { migrationsOf } from '../../src/storage/migrations';
import { openPostgresStore } from '../../src/storage/postgres/store';
import { toConversationJson } from '../../src/storage/serialization';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import type { Store } from '../../src/storage/store';
import { defined } from './contract/context';
import { T0, withVisitor } from './fixtures';
import { postgresMigrations, sqliteMigrations } from './legacy-migrations';

const EMAIL = 'ÉLODIE@Exemple.fr';
/** What SQL's lower() made of it (ASCII only): not the key personEmail makes. */
const SQL_KEY = 'Élodie@exemple.fr';
const KEY = 'olark:a';
const snapshot = toConversationJson(withVisitor('a', { email: EMAIL, name: 'Élodie' }));
const t0 = T0.getTime();

/** The rows as the previous code wrote them: a conversation whose one step is dead, its attempt, its local CRM copy. */
const legacyRows = {
  job: ['job-dead', KEY, 'deliver', '', 'dead', 1, t0, 'CRM_UNAUTHORIZED: HubSpot refused: token', t0, t0 + 5],
  attempt: ['job-dead', t0, 5, 'permanent', 401, 'CRM_UNAUTHORIZED: HubSpot refused: token'],
  person: ['p1', 'élodie@exemple.fr', t0],
  record: ['rec-1', 'lead', 'p1', '[]', t0, t0],
  link: [KEY, 'lead', 'rec-1', snapshot, t0, t0],
};

const checkUpgraded = async (store: Store): Promise<void> => {
  const stored = defined(await store.getConversation(KEY), 'conversation');
  assert.equal(stored.conversation.visitor.email, EMAIL);
  const job = defined(await store.getJob('job-dead'), 'job');
  assert.equal(job.lastError, 'CRM_UNAUTHORIZED: HubSpot refused: token', 'the text pages show is kept');
  assert.equal(job.lastErrorCode, 'CRM_UNAUTHORIZED', 'its code read once into the column');
  assert.deepEqual(
    (await store.listAttempts('job-dead')).map((a) => a.errorCode),
    ['CRM_UNAUTHORIZED'],
  );
  assert.deepEqual(
    (await store.deadErrorGroups(10)).map((g) => [g.code, g.count]),
    [['CRM_UNAUTHORIZED', 1]],
  );
  // The person is found by personEmail's key, however the email is written.
  const exported = await store.exportPerson('élodie@EXEMPLE.fr ');
  assert.deepEqual(
    exported.conversations.map((c) => c.key),
    [KEY],
  );
  assert.deepEqual(
    exported.localCrm.records.map((r) => r.id),
    ['rec-1'],
  );
  assert.deepEqual(
    (await store.listConversations({ q: 'élodie@exemple.fr', limit: 10 })).conversations.map((c) => c.key),
    [KEY],
  );
  // The state, kept by triggers before, is now written by the store's rules.
  assert.equal(await store.conversationState(KEY), 'dead');
  const revived = defined(await store.reviveJob('job-dead', new Date(t0 + 10)), 'revived job');
  assert.equal(revived.lastErrorCode, undefined);
  assert.equal(await store.conversationState(KEY), 'pending');
  const next = await store.intake({ conversation: withVisitor('a', { email: EMAIL }, 4), now: new Date(t0 + 20) });
  assert.equal(next.stored.version, 2);
  assert.equal(next.jobId, 'job-dead', 'the revived step is shared');
};

const ColumnRow = t.type({ table_name: t.string, column_name: t.string });
/** `table.column` of every column of the chat2crm tables (PostgreSQL's jobs.seq is SQLite's rowid). */
const columnSet = (rows: readonly unknown[]): string[] =>
  rows
    .map((row) => {
      const r = ColumnRow.decode(row);
      if (r._tag === 'Left') throw new Error('unreadable column row');
      return `${r.right.table_name}.${r.right.column_name}`;
    })
    .filter((c) => c !== 'jobs.seq' && !c.startsWith('schema_migrations.'))
    .sort();

const sqliteColumns = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return columnSet(
      db
        .prepare(
          "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .all(),
    );
  } finally {
    db.close();
  }
};

describe('upgrading a database made before the one migration list', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat2crm-legacy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const buildSqlite = (path: string) => {
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    sqliteMigrations.forEach((sql, i) => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(i + 1);
    });
    db.prepare(
      `INSERT INTO conversations (key, source, snapshot, version, meta, conversation_id, visitor_email, visitor_name, email_key, state, created_at, updated_at)
       VALUES (?, 'olark', ?, 1, '{}', 'a', ?, 'Élodie', ?, 'dead', ?, ?)`,
    ).run(KEY, snapshot, EMAIL, SQL_KEY, t0, t0);
    db.prepare(
      'INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(...legacyRows.job);
    db.prepare('INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error) VALUES (?, ?, ?, ?, ?, ?)').run(
      ...legacyRows.attempt,
    );
    db.prepare('INSERT INTO local_people (id, email, created_at) VALUES (?, ?, ?)').run(...legacyRows.person);
    db.prepare('INSERT INTO local_crm_records (id, action, person_id, history, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      ...legacyRows.record,
    );
    db.prepare(
      'INSERT INTO local_crm_conversations (conversation_key, action, record_id, snapshot, email_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(...legacyRows.link.slice(0, 4), SQL_KEY, t0, t0);
    db.close();
  };

  it('SQLite at version 10: opens, upgrades to the last step, keeps every row, no trigger left', async () => {
    const path = join(dir, 'legacy.db');
    buildSqlite(path);
    const store = openSqliteStore(path);
    try {
      await checkUpgraded(store);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(), [
        ...migrationsOf('sqlite').map((_, i) => i + 1),
      ]);
      assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all(), []);
    } finally {
      db.close();
    }
    const fresh = join(dir, 'fresh.db');
    await openSqliteStore(fresh).close();
    assert.deepEqual(sqliteColumns(path), sqliteColumns(fresh), 'an upgraded database has the columns of a new one');
  });

  it('PostgreSQL at version 7: opens, upgrades to the last step, keeps every row, no trigger left; same columns as SQLite', async function () {
    const url = process.env['TEST_DATABASE_URL'];
    if (url === undefined || url === '') this.skip();
    const schema = `legacy_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.query(`SET search_path = ${schema}`);
      await admin.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      for (const [i, sql] of postgresMigrations.entries()) {
        await admin.query(sql);
        await admin.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [i + 1]);
      }
      await admin.query(
        `INSERT INTO conversations (key, source, snapshot, version, meta, state, created_at, updated_at) VALUES ($1, 'olark', $2, 1, '{}', 'delivered', $3, $3)`,
        [KEY, snapshot, t0],
      );
      // The trigger of migration 4 sets the conversation dead.
      await admin.query(
        'INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        legacyRows.job,
      );
      await admin.query(
        'INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error) VALUES ($1, $2, $3, $4, $5, $6)',
        legacyRows.attempt,
      );
      await admin.query('INSERT INTO local_people (id, email, created_at) VALUES ($1, $2, $3)', legacyRows.person);
      await admin.query(
        'INSERT INTO local_crm_records (id, action, person_id, history, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        legacyRows.record,
      );
      await admin.query(
        'INSERT INTO local_crm_conversations (conversation_key, action, record_id, snapshot, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        legacyRows.link,
      );
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      const store = await openPostgresStore(u.toString());
      try {
        await checkUpgraded(store);
      } finally {
        await store.close();
      }
      assert.deepEqual(
        (await admin.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r: { version: number }) => r.version),
        migrationsOf('postgres').map((_, i) => i + 1),
      );
      assert.deepEqual(
        (
          await admin.query(
            `SELECT tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT tgisinternal`,
            [schema],
          )
        ).rows,
        [],
      );
      const columns = columnSet(
        (
          await admin.query(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND is_generated = 'NEVER'",
            [schema],
          )
        ).rows,
      );
      const fresh = join(dir, 'fresh.db');
      await openSqliteStore(fresh).close();
      assert.deepEqual(columns, sqliteColumns(fresh), 'both dialects hold the same columns');
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
