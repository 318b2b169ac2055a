/**
 * `npm run replay` must work on the service's database, not quietly on a new empty one: it reads
 * `.env` from its working directory as the service does, says which database it uses (never a
 * password), refuses a SQLite file that does not exist, and exits non-zero without arguments.
 * Runs the script as npm does (tsx, in a working directory of its own).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { openSqliteStore } from '../../src/storage/sqlite/store';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

const replay = (cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}) => {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'DATABASE_URL' && key !== 'CRM'));
  return spawnSync(TSX, [join(ROOT, 'scripts/replay.ts'), ...args], {
    cwd,
    env: { ...inherited, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
};

describe('npm run replay', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat2crm-replay-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const serviceDatabase = async (name: string) => {
    const store = openSqliteStore(join(dir, name));
    await store.close();
  };

  it('exits 2 with the usage on stderr when given no arguments, and 0 with it on stdout for --help', () => {
    const bare = replay(dir, []);
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /^usage: npm run replay -- /);
    assert.equal(bare.stdout, '');
    const help = replay(dir, ['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: /);
  });

  it('refuses to open a database that does not exist instead of creating an empty one', () => {
    const run = replay(dir, ['--list']);
    assert.equal(run.status, 1, run.stdout);
    assert.match(run.stderr, new RegExp(`SQLite file ${join(dir, 'data/chat2crm.db')} \\(the default: no DATABASE_URL`));
    assert.match(run.stderr, /there is no database at .*Run replay with the service's DATABASE_URL/);
    assert.doesNotMatch(run.stdout, /No dead steps/);
    assert.equal(existsSync(join(dir, 'data')), false, 'nothing created');
  });

  it('lists dead steps of every kind, with the step', async () => {
    const store = openSqliteStore(join(dir, 'steps.db'));
    const conversation = {
      source: 'livechat',
      id: 'PJ0MRSHTDG',
      visitor: {},
      messages: [],
      tags: [],
      groups: [],
      operators: [],
      offline: false,
    };
    const { claimed } = await store.intake({
      conversation,
      plan: ['fetch', 'deliver', 'notify'],
      now: new Date(),
      claim: { owner: 'test', leaseMs: 60_000 },
    });
    assert.ok(claimed !== undefined);
    await store.finishJob({
      jobId: claimed.id,
      owner: 'test',
      now: new Date(),
      result: { kind: 'dead', error: { code: 'LIVECHAT_NOT_CONFIGURED', message: 'set LIVECHAT_PAT' } },
    });
    await store.close();
    const run = replay(dir, ['--list'], { DATABASE_URL: `sqlite:${join(dir, 'steps.db')}` });
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`^${claimed.id}  fetch    livechat:PJ0MRSHTDG  0 attempt\\(s\\)  LIVECHAT_NOT_CONFIGURED: set LIVECHAT_PAT\n$`),
    );
  });

  it('reads DATABASE_URL from .env in its working directory, as the service does, and says so', async () => {
    await serviceDatabase('service.db');
    writeFileSync(join(dir, '.env'), 'DATABASE_URL=sqlite:service.db\n');
    const run = replay(dir, ['--list']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`using the SQLite file ${join(dir, 'service.db')} \\(DATABASE_URL from ${join(dir, '.env')}\\)`));
    assert.equal(run.stdout, 'No dead steps.\n');
  });

  it('lets the environment win over .env, like the service', async () => {
    await serviceDatabase('service.db');
    writeFileSync(join(dir, '.env'), 'DATABASE_URL=sqlite:service.db\n');
    const run = replay(dir, ['--list'], { DATABASE_URL: `sqlite:${join(dir, 'elsewhere.db')}` });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /elsewhere\.db \(DATABASE_URL from the environment\)/);
    assert.equal(existsSync(join(dir, 'elsewhere.db')), false);
  });

  it('names a PostgreSQL database by user, host and name, never its password', async function () {
    const base = process.env['TEST_DATABASE_URL'];
    if (base === undefined || base === '') this.skip();
    const schema = `replay_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const url = new URL(base);
      url.password = 's3cret-Pa55';
      url.searchParams.set('options', `-c search_path=${schema}`);
      const run = replay(dir, ['--list'], { DATABASE_URL: url.toString() });
      assert.equal(run.status, 0, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`using the PostgreSQL ${url.username}@${url.host}${url.pathname} \\(DATABASE_URL from the environment\\)`),
      );
      assert.doesNotMatch(run.stderr + run.stdout, /s3cret/);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
