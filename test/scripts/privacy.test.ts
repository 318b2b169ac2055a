/**
 * `npm run privacy`: export and erase a person on the service's database, run as npm runs it
 * (tsx, in a working directory of its own, DATABASE_URL in the environment). After an erasure
 * on SQLite the person is not in the database file's bytes either, free pages and WAL included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { Conversation } from '../../src/domain/conversation';
import { openPostgresStore } from '../../src/storage/postgres/store';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import type { Store } from '../../src/storage/store';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const PERSON = { email: 'mira.okafor@example.net', name: 'Mira Okafor', body: 'please cancel invoice 77-MO-31' };

const privacy = (cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}) => {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'DATABASE_URL' && key !== 'CRM'));
  return spawnSync(TSX, [join(ROOT, 'scripts/privacy.ts'), ...args], {
    cwd,
    env: { ...inherited, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
};

const chat = (id: string, email: string, name: string, body: string): Conversation => ({
  source: 'olark',
  id,
  visitor: { name, email },
  messages: [{ role: 'visitor', author: name, body: `${body} ${'(padding) '.repeat(600)}`, at: new Date('2026-03-01T09:00:00Z') }],
  tags: [],
  groups: [],
  operators: [],
  offline: false,
});

/** The person's chat delivered to HubSpot and kept by the local CRM, and someone else's. */
const seed = async (store: Store) => {
  const now = new Date('2026-03-01T09:00:00Z');
  const mine = chat('m1', 'Mira.Okafor@Example.net', PERSON.name, PERSON.body);
  const { jobId } = await store.intake({ conversation: mine, dedupKey: 'evt-m1', now });
  assert.ok(jobId !== undefined);
  await store.claimJob(jobId, 'seed', now, 60_000);
  await store.finishJob({
    jobId,
    owner: 'seed',
    now,
    attempt: { jobId, startedAt: now, durationMs: 3, outcome: 'ok' },
    result: {
      kind: 'done',
      record: {
        conversationKey: 'olark:m1',
        value: {
          crm: 'hubspot',
          action: 'lead',
          type: 'contact',
          id: '9001',
          url: 'https://app.hubspot.com/contacts/42/record/0-1/9001',
          refs: { note: '77' },
        },
        version: 1,
      },
    },
  });
  await store.upsertLocalRecord({
    conversationKey: 'olark:m1',
    action: 'lead',
    conversation: mine,
    change: { created: `lead for ${PERSON.name}`, added: 'added', updated: 'updated' },
  });
  await store.intake({ conversation: chat('o1', 'other@example.net', 'Olu Other', 'keep me'), now });
};

describe('npm run privacy', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat2crm-privacy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const database = async () => {
    const path = join(dir, 'service.db');
    const store = openSqliteStore(path);
    try {
      await seed(store);
    } finally {
      await store.close();
    }
    return { path, env: { DATABASE_URL: `sqlite:${path}` } };
  };

  it('exits 2 with the usage for no arguments, an unknown command, a missing or malformed address, or one too many', () => {
    for (const args of [
      [],
      ['delete', PERSON.email],
      ['export'],
      ['erase', 'not-an-address'],
      ['erase', 'two words@example.net'],
      ['export', PERSON.email, 'more'],
    ]) {
      const run = privacy(dir, args);
      assert.equal(run.status, 2, args.join(' '));
      assert.match(run.stderr, /usage: npm run privacy -- export <email>/);
      assert.equal(run.stdout, '');
    }
    assert.match(privacy(dir, ['erase', 'nope']).stderr, /give one email address/);
    assert.equal(existsSync(join(dir, 'data')), false, 'nothing opened');
  });

  it('refuses a SQLite file that does not exist instead of reporting an empty one', () => {
    const run = privacy(dir, ['export', PERSON.email]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /there is no database at /);
    assert.equal(existsSync(join(dir, 'data')), false, 'nothing created');
  });

  it('exports everything stored about the address as JSON, whatever its case, saying which database it read', async () => {
    const { path, env } = await database();
    const run = privacy(dir, ['export', 'MIRA.OKAFOR@example.NET'], env);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`using the SQLite file ${path} \\(DATABASE_URL from the environment\\)`));
    const exported: unknown = JSON.parse(run.stdout);
    assert.ok(typeof exported === 'object' && exported !== null && 'conversations' in exported && Array.isArray(exported.conversations));
    assert.equal(exported.conversations.length, 1);
    assert.ok(
      run.stdout.includes(PERSON.body) &&
        run.stdout.includes('evt-m1') &&
        run.stdout.includes('https://app.hubspot.com/contacts/42/record/0-1/9001'),
    );
    assert.ok(!run.stdout.includes('keep me'));
    assert.match(run.stderr, /1 conversation and 1 local CRM record stored for that address/);
  });

  it('erases the person, prints what went and the CRM records to erase in the CRM, and leaves nothing in the file', async () => {
    const { path, env } = await database();
    const run = privacy(dir, ['erase', PERSON.email], env);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Erased mira\.okafor@example\.net from the SQLite file /);
    assert.match(run.stdout, /1 conversation, 1 webhook event, 1 step, 1 attempt, 1 CRM record reference/);
    assert.match(run.stdout, /local CRM: 1 record, 1 transcript, 1 person/);
    assert.match(run.stdout, /hubspot {2}contact 9001 {2}https:\/\/app\.hubspot\.com\/contacts\/42\/record\/0-1\/9001/);
    assert.match(run.stdout, /HubSpot: .*Permanently delete/);
    assert.match(run.stdout, /Salesforce: [^]*Recycle Bin/);
    const bytes = Buffer.concat([path, `${path}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    for (const needle of [PERSON.email, 'Mira.Okafor', PERSON.name, PERSON.body])
      assert.equal(bytes.includes(needle), false, `still in the file: ${needle}`);
    assert.ok(bytes.includes('keep me'), 'the other visitor stays');
    const again = privacy(dir, ['export', PERSON.email], env);
    assert.match(again.stderr, /0 conversations and 0 local CRM records/);
    const twice = privacy(dir, ['erase', PERSON.email], env);
    assert.match(twice.stdout, /0 conversations, .*\n.*0 records/);
    assert.match(twice.stdout, /No HubSpot or Salesforce record of this person was referenced here/);
  });

  it('erases nothing and exits 1 while a delivery of theirs is running', async () => {
    const { env } = await database();
    const store = openSqliteStore(join(dir, 'service.db'));
    try {
      const { jobId } = await store.intake({ conversation: chat('m2', PERSON.email, PERSON.name, 'still typing'), now: new Date() });
      assert.ok(jobId !== undefined && (await store.claimJob(jobId, 'worker', new Date(), 60_000)) !== undefined);
    } finally {
      await store.close();
    }
    const run = privacy(dir, ['erase', PERSON.email], env);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /1 step of this person is running right now, so nothing was erased\. Run it again in a minute\./);
    assert.equal(run.stdout, '');
    assert.match(privacy(dir, ['export', PERSON.email], env).stderr, /2 conversations/);
  });

  describe('on PostgreSQL', function () {
    const baseUrl = process.env['TEST_DATABASE_URL'];
    const schema = `privacy_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    const url = () => {
      const u = new URL(baseUrl ?? '');
      u.searchParams.set('options', `-c search_path=${schema}`);
      return u.toString();
    };
    before(async function () {
      if (baseUrl === undefined || baseUrl === '') this.skip();
      await admin(`CREATE SCHEMA ${schema}`);
      const store = await openPostgresStore(url());
      try {
        await seed(store);
      } finally {
        await store.close();
      }
    });
    after(async () => {
      if (baseUrl !== undefined && baseUrl !== '') await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });

    it('exports and erases there too, naming the server and database (never a password)', () => {
      const env = { DATABASE_URL: url() };
      const exported = privacy(dir, ['export', PERSON.email], env);
      assert.equal(exported.status, 0, exported.stderr);
      assert.match(exported.stderr, /using the PostgreSQL \S+ \(DATABASE_URL from the environment\)/);
      assert.ok(exported.stdout.includes(PERSON.body));
      const erased = privacy(dir, ['erase', PERSON.email], env);
      assert.equal(erased.status, 0, erased.stderr);
      assert.match(erased.stdout, /1 conversation, 1 webhook event, 1 step, 1 attempt, 1 CRM record reference/);
      assert.match(privacy(dir, ['export', PERSON.email], env).stderr, /0 conversations/);
    });
  });
});
