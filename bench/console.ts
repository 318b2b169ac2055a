/**
 * The console's conversation list over a database of 1,000,000 conversations: the first page, a
 * filtered page, searches (an email; a name prefix), and a deep keyset page, each timed over
 * HTTP (with Basic auth) against the service in a child process; goal p99 ≤ 100 ms.
 *
 * The data is bulk-loaded straight into the database (not through webhooks: that would take
 * hours): conversations spread over a year and four platforms, with visitor names and emails
 * drawn from name lists (so names repeat, emails mostly do not), 2–8 messages each, their steps
 * (done for most; some pending, failing, dead or expired, with attempts) and their events. The
 * schema is the service's own, made by its migrations; SQLite rows go in through prepared
 * statements in transactions of 10,000, PostgreSQL rows as one JSON document per table and batch
 * (json_to_recordset), with the state trigger off while loading (the rows carry their state).
 *
 * `npx tsx bench/console.ts` (SQLite; and PostgreSQL too when BENCH_DATABASE_URL is set, in a
 * schema of its own that is dropped afterwards). Knobs: CONSOLE_BENCH_ROWS (default 1,000,000),
 * CONSOLE_BENCH_SAMPLES (per query, default 200), CONSOLE_BENCH_SQLITE=0 (PostgreSQL only). `runConsoleBench()` is the section for run.ts.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { openStore } from '../src/storage/open';
import { baseEnv, freePort, startChild, type Child } from './children';
import { percentile, round1 } from './stats';

const ROOT = resolve(__dirname, '..');
const PASSWORD = 'bench-console-password';
const AUTH = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
export const GOAL_P99_MS = 100;

export interface ConsoleRow {
  readonly query: string;
  readonly url: string;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Conversations on the page (of the last sample). */
  readonly shown: number;
}

export type ConsoleSection =
  | { readonly storage: string; readonly status: 'ok'; readonly conversations: number; readonly loadSeconds: number; readonly rows: readonly ConsoleRow[] }
  | { readonly storage: string; readonly status: 'unavailable'; readonly reason: string };

// ---------------------------------------------------------------------------------------------
// The data: deterministic (a seeded generator), so two runs measure the same database.

const FIRST = ['Maria', 'James', 'Anna', 'Mohammed', 'Li', 'Sofia', 'Lucas', 'Emma', 'Noah', 'Olivia', 'Liam', 'Ava', 'Mateo', 'Mia', 'Elena', 'David', 'Sara', 'Daniel', 'Laura', 'Marc', 'Julia', 'Thomas', 'Chloe', 'Hugo', 'Lea', 'Paul', 'Ines', 'Jonas', 'Nina', 'Omar', 'Fatima', 'Yuki', 'Hana', 'Ivan', 'Olga', 'Pedro', 'Lucia', 'Ahmed', 'Zoe', 'Martin'];
const LAST = ['Garcia', 'Smith', 'Müller', 'Rossi', 'Dubois', 'Kowalski', 'Nguyen', 'Wang', 'Silva', 'Jensen', 'Novak', 'Ivanova', 'Tanaka', 'Kim', 'Hassan', 'Lopez', 'Martin', 'Bernard', 'Schmidt', 'Fischer', 'Moreau', 'Laurent', 'Costa', 'Santos', 'Haddad', 'Cohen', 'Popescu', 'Horvat', 'Nielsen', 'Berg'];
const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.fr', 'example.com', 'web.de', 'company.io', 'shop.example', 'mail.ru'];
const LINES = [
  'Hello, I have a question about my order.',
  'Sure, can you give me the order number?',
  'It is 4471-2290, placed last Tuesday.',
  'Thanks, I can see it: it ships tomorrow.',
  'Do you deliver to Belgium?',
  'Yes, within three working days.',
  'Can I change the delivery address?',
  'I have updated it for you.',
  'Is there a discount for a yearly plan?',
  'Yes, two months free when paid yearly.',
];
const SOURCES = ['olark', 'livechat', 'livesupporti', 'iadvize'] as const;
const ERRORS = ['CRM_AUTH: the CRM refused the token (401)', 'CRM_VALIDATION: the CRM refused the record (400): property chat_conversation_id does not exist', 'CALL_TIMEOUT: the CRM did not answer within 30000 ms', 'PLATFORM_AUTH: the platform refused our credentials (401)'];

const rng = (seed: number) => {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
};

type State = 'delivered' | 'pending' | 'failing' | 'dead' | 'expired';

interface Row {
  readonly key: string;
  readonly source: string;
  readonly snapshot: string;
  readonly visitorId: string;
  readonly state: State;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly jobs: readonly {
    readonly id: string;
    readonly kind: 'deliver' | 'notify';
    readonly state: 'done' | 'pending' | 'dead' | 'expired';
    readonly attempts: number;
    readonly next: number;
    readonly error: string | null;
  }[];
}

const NOW = Date.UTC(2026, 11, 1);
const YEAR_MS = 365 * 24 * 3600 * 1000;

const makeRow = (i: number, random: () => number): Row => {
  const pick = <A>(xs: readonly A[]): A => xs[Math.floor(random() * xs.length)] as A;
  const source = SOURCES[i % 10 < 4 ? 0 : i % 10 < 7 ? 1 : i % 10 < 8 ? 2 : 3] ?? 'olark';
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const id =
    source === 'olark'
      ? hex(32)
      : source === 'livechat'
        ? Array.from({ length: 10 }, () => 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'[Math.floor(random() * 34)]).join('')
        : source === 'livesupporti'
          ? `${hex(8)}:${hex(12)}`
          : `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  const first = pick(FIRST);
  const last = pick(LAST);
  const named = random() < 0.85;
  const withEmail = random() < 0.7;
  const email = `${first}.${last}${Math.floor(random() * 1000)}@${pick(DOMAINS)}`.toLowerCase();
  const updatedAt = NOW - Math.floor(random() * YEAR_MS);
  const createdAt = updatedAt - Math.floor(random() * 30 * 60_000);
  const count = 2 + Math.floor(random() * 7);
  const messages = Array.from({ length: count }, (_, m) => ({
    role: m % 2 === 0 ? 'visitor' : 'operator',
    author: m % 2 === 0 ? (named ? `${first} ${last}` : 'Visitor') : 'Support',
    body: pick(LINES),
    at: new Date(createdAt + m * 40_000).toISOString(),
  }));
  const visitor = { id: `v${hex(12)}`, ...(named ? { name: `${first} ${last}` } : {}), ...(withEmail ? { email } : {}), country: 'France', pageUrl: 'https://shop.example/pricing' };
  const snapshot = JSON.stringify({ source, id, visitor, messages, tags: random() < 0.2 ? ['support'] : [], groups: [], operators: [{ id: 'op1', name: 'Support' }], offline: random() < 0.05 });
  const roll = random();
  const state: State = roll < 0.93 ? 'delivered' : roll < 0.95 ? 'pending' : roll < 0.97 ? 'failing' : roll < 0.99 ? 'dead' : 'expired';
  const kinds: ('deliver' | 'notify')[] = source === 'olark' ? ['deliver'] : ['deliver', 'notify'];
  const future = NOW + 24 * 3600_000;
  const error = pick(ERRORS);
  const jobs = kinds.map((kind, k) => {
    const last = k === kinds.length - 1;
    const jobId = `${i.toString(36)}-${k}-${hex(12)}`;
    if (!last || state === 'delivered') return { id: jobId, kind, state: 'done' as const, attempts: 1, next: updatedAt, error: null };
    switch (state) {
      case 'pending':
        return { id: jobId, kind, state: 'pending' as const, attempts: 0, next: future, error: null };
      case 'failing':
        return { id: jobId, kind, state: 'pending' as const, attempts: 2, next: future, error };
      case 'dead':
        return { id: jobId, kind, state: 'dead' as const, attempts: 8, next: updatedAt, error };
      case 'expired':
        return { id: jobId, kind, state: 'expired' as const, attempts: 3, next: updatedAt, error: 'EXPIRED: the chat ended before the link could be shown' };
    }
  });
  return { key: `${source}:${id}`, source, snapshot, visitorId: visitor.id, state, createdAt, updatedAt, jobs };
};

const attemptsOf = (row: Row) =>
  row.jobs.flatMap((job) =>
    Array.from({ length: job.attempts }, (_, a) => {
      const ok = job.state === 'done' && a === job.attempts - 1;
      return { jobId: job.id, startedAt: row.createdAt + a * 60_000, durationMs: 120 + a, outcome: ok ? 'ok' : 'transient', status: ok ? 200 : 503, error: ok ? null : job.error };
    }),
  );

// ---------------------------------------------------------------------------------------------
// Loading.

const BATCH = 10_000;
const progress = (what: string, done: number, total: number) => {
  if (done % 100_000 === 0 || done === total) process.stderr.write(`  ${what}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}\n`);
};

export const loadSqlite = (path: string, total: number): string[] => {
  const emails: string[] = [];
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -512000');
  // Indexes are built once after the load (the service's own definitions, read back), not row by row;
  // those of jobs stay, the state triggers look jobs up by conversation as each one goes in.
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('conversations', 'attempts', 'events')").all();
  const definitions = indexes.map((row) => {
    if (typeof row !== 'object' || row === null || !('name' in row) || !('sql' in row) || typeof row.name !== 'string' || typeof row.sql !== 'string') throw new Error('unexpected index row');
    return { name: row.name, sql: row.sql };
  });
  for (const index of definitions) db.exec(`DROP INDEX ${index.name}`);
  const conversation = db.prepare(
    "INSERT INTO conversations (key, source, snapshot, version, forced, meta, visitor_id, state, created_at, updated_at) VALUES (?, ?, ?, 1, NULL, '{}', ?, ?, ?, ?)",
  );
  const job = db.prepare("INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?)");
  const attempt = db.prepare('INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error) VALUES (?, ?, ?, ?, ?, ?)');
  const event = db.prepare('INSERT INTO events (source, dedup_key, conversation_key, received_at) VALUES (?, ?, ?, ?)');
  const random = rng(42);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const row = makeRow(i, random);
      sample(emails, i, total, row);
      conversation.run(row.key, row.source, row.snapshot, row.visitorId, row.state, row.createdAt, row.updatedAt);
      for (const j of row.jobs) job.run(j.id, row.key, j.kind, j.state, j.attempts, j.next, j.error, row.createdAt, row.updatedAt);
      for (const a of attemptsOf(row)) attempt.run(a.jobId, a.startedAt, a.durationMs, a.outcome, a.status, a.error);
      event.run(row.source, `ev-${i}`, row.key, row.createdAt);
    }
  });
  for (let from = 0; from < total; from += BATCH) {
    batch(from, Math.min(total, from + BATCH));
    progress('SQLite rows', Math.min(total, from + BATCH), total);
  }
  process.stderr.write(`  SQLite: building ${definitions.length} indexes\n`);
  for (const index of definitions) db.exec(index.sql);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  return emails;
};

export const loadPostgres = async (url: string, total: number): Promise<string[]> => {
  const emails: string[] = [];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The rows say their own state; the trigger would compute the same one a million times over.
    await client.query('ALTER TABLE jobs DISABLE TRIGGER jobs_state');
    // Indexes are built once after the load (the service's own definitions, read back), not row by row.
    const indexes = (
      await client.query(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('conversations', 'jobs', 'attempts', 'events') AND indexname NOT IN (SELECT conname FROM pg_constraint)",
      )
    ).rows.map((row: unknown) => {
      if (typeof row !== 'object' || row === null || !('indexname' in row) || !('indexdef' in row) || typeof row.indexname !== 'string' || typeof row.indexdef !== 'string')
        throw new Error('unexpected index row');
      return { name: row.indexname, sql: row.indexdef };
    });
    for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
    const random = rng(42);
    for (let from = 0; from < total; from += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, total - from) }, (_, k) => makeRow(from + k, random));
      rows.forEach((row, k) => sample(emails, from + k, total, row));
      const jobs = rows.flatMap((r) => r.jobs.map((j) => ({ ...j, key: r.key, createdAt: r.createdAt, updatedAt: r.updatedAt })));
      const attempts = rows.flatMap(attemptsOf);
      await client.query('BEGIN');
      let tick = performance.now();
      const lap = (what: string) => {
        if (process.env['CONSOLE_BENCH_TRACE'] !== undefined) process.stderr.write(`    ${what} ${(performance.now() - tick).toFixed(0)} ms\n`);
        tick = performance.now();
      };
      // One JSON parameter per table: node-pg's array literals of 10,000 escaped transcripts cost seconds to build and parse.
      const json = (value: unknown) => JSON.stringify(value);
      await client.query(
        `INSERT INTO conversations (key, source, snapshot, version, meta, visitor_id, state, created_at, updated_at)
         SELECT k, s, sn, 1, '{}', v, st, c, u FROM json_to_recordset($1::json) AS x(k text, s text, sn text, v text, st text, c bigint, u bigint)`,
        [json(rows.map((r) => ({ k: r.key, s: r.source, sn: r.snapshot, v: r.visitorId, st: r.state, c: r.createdAt, u: r.updatedAt })))],
      );
      lap('conversations');
      await client.query(
        `INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, last_error, created_at, updated_at)
         SELECT i, k, kd, '', st, a, n, e, c, u FROM json_to_recordset($1::json) AS x(i text, k text, kd text, st text, a int, n bigint, e text, c bigint, u bigint)`,
        [json(jobs.map((j) => ({ i: j.id, k: j.key, kd: j.kind, st: j.state, a: j.attempts, n: j.next, e: j.error, c: j.createdAt, u: j.updatedAt })))],
      );
      lap('jobs');
      await client.query(
        `INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error)
         SELECT j, s, d, o, st, e FROM json_to_recordset($1::json) AS x(j text, s bigint, d int, o text, st int, e text)`,
        [json(attempts.map((a) => ({ j: a.jobId, s: a.startedAt, d: a.durationMs, o: a.outcome, st: a.status, e: a.error })))],
      );
      lap('attempts');
      await client.query(
        `INSERT INTO events (source, dedup_key, conversation_key, received_at) SELECT s, d, k, r FROM json_to_recordset($1::json) AS x(s text, d text, k text, r bigint)`,
        [json(rows.map((r, k) => ({ s: r.source, d: `ev-${from + k}`, k: r.key, r: r.createdAt })))],
      );
      lap('events');
      await client.query('COMMIT');
      lap('commit');
      progress('PostgreSQL rows', from + rows.length, total);
    }
    process.stderr.write(`  PostgreSQL: building ${indexes.length} indexes\n`);
    await client.query("SET maintenance_work_mem = '256MB'");
    for (const index of indexes) await client.query(index.sql);
    await client.query('ALTER TABLE jobs ENABLE TRIGGER jobs_state');
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
  return emails;
};

// ---------------------------------------------------------------------------------------------
// Measuring.

const get = async (url: string): Promise<{ ms: number; shown: number }> => {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: AUTH } });
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
  return { ms, shown: Math.max(0, body.split('<tr>').length - 2) };
};

const measure = async (service: Child, query: string, path: (n: number) => string, samples: number): Promise<ConsoleRow> => {
  // The loader's garbage is collected now rather than in the middle of a timed request (node --expose-gc).
  if (typeof globalThis.gc === 'function') globalThis.gc();
  for (let n = 0; n < 10; n++) await get(`${service.baseUrl}${path(n)}`);
  const times: number[] = [];
  let shown = 0;
  for (let n = 0; n < samples; n++) {
    const result = await get(`${service.baseUrl}${path(n + 10)}`);
    times.push(result.ms);
    shown = result.shown;
  }
  return { query, url: path(0), samples, p50Ms: round1(percentile(times, 50)), p99Ms: round1(percentile(times, 99)), maxMs: round1(Math.max(...times)), shown };
};

/** Every (total/500)th visitor email, kept while loading: what the email searches look for. */
const sample = (emails: string[], i: number, total: number, row: Row): void => {
  if (i % Math.max(1, Math.floor(total / 500)) !== 0) return;
  const email = /"email":"([^"]+)"/.exec(row.snapshot)?.[1];
  if (email !== undefined) emails.push(email);
};

const runOne = async (storage: string, databaseUrl: string, emails: readonly string[], samples: number, deepCursor: () => Promise<string>): Promise<ConsoleRow[]> => {
  const port = await freePort();
  const service = await startChild({
    name: 'chat2crm (console bench)',
    args: ['--import', 'tsx', 'src/main.ts'],
    cwd: ROOT,
    port,
    readyPath: '/healthz',
    readyTimeoutMs: 120_000,
    env: { ...baseEnv(), PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn', WORKER_POLL_MS: '60000' },
  });
  try {
    const after = await deepCursor();
    const prefixes = ['mari', 'jame', 'olga', 'hugo', 'fati', 'elen', 'dani', 'thom'];
    const rows: ConsoleRow[] = [];
    const q = (params: Record<string, string>) => `/admin?${new URLSearchParams(params).toString()}`;
    rows.push(await measure(service, 'first page (newest 50)', () => '/admin', samples));
    rows.push(await measure(service, 'filtered: one platform, dead', () => q({ platform: 'livechat', state: 'dead' }), samples));
    rows.push(await measure(service, 'filtered: one platform, delivered', () => q({ platform: 'olark', state: 'delivered' }), samples));
    rows.push(await measure(service, 'search: an email (a different one each time)', (n) => q({ q: emails[n % emails.length] ?? 'nobody@example.com' }), samples));
    rows.push(await measure(service, 'search: a name prefix (4 letters of a first name)', (n) => q({ q: prefixes[n % prefixes.length] ?? 'mari' }), samples));
    rows.push(await measure(service, 'deep keyset page (~90% down)', () => q({ after }), samples));
    rows.push(await measure(service, 'deep keyset page, filtered by platform', () => q({ after, platform: 'olark' }), samples));
    process.stderr.write(`  ${storage}: measured\n`);
    return rows;
  } finally {
    await service.stop();
  }
};

const cursorOf = (row: unknown): string => {
  if (typeof row !== 'object' || row === null || !('updated_at' in row) || !('key' in row)) throw new Error('no row for the deep cursor');
  return `${String(row.updated_at)}.${String(row.key)}`;
};

export const runConsoleBench = async (): Promise<ConsoleSection[]> => {
  const total = Number(process.env['CONSOLE_BENCH_ROWS'] ?? 1_000_000);
  const samples = Number(process.env['CONSOLE_BENCH_SAMPLES'] ?? 200);
  const sections: ConsoleSection[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'chat2crm-console-bench-'));
  if (process.env['CONSOLE_BENCH_SQLITE'] !== '0')
  try {
    const path = join(dir, 'console.db');
    // The service's own migrations make the schema; the rows go in after.
    await (await openStore({ kind: 'sqlite', path })).close();
    const started = performance.now();
    const emails = loadSqlite(path, total);
    const loadSeconds = round1((performance.now() - started) / 1000);
    const deep = async () => {
      const db = new Database(path, { readonly: true });
      try {
        return cursorOf(db.prepare('SELECT updated_at, key FROM conversations ORDER BY updated_at DESC, key DESC LIMIT 1 OFFSET ?').get(Math.floor(total * 0.9)));
      } finally {
        db.close();
      }
    };
    sections.push({ storage: 'SQLite', status: 'ok', conversations: total, loadSeconds, rows: await runOne('SQLite', `sqlite:${path}`, emails, samples, deep) });
  } catch (error) {
    sections.push({ storage: 'SQLite', status: 'unavailable', reason: error instanceof Error ? error.message : String(error) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const base = process.env['BENCH_DATABASE_URL'];
  if (base !== undefined && base !== '') {
    const schema = `bench_console_${process.pid}`;
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    try {
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
      await (await openStore({ kind: 'postgres', url: url.toString() })).close();
      const started = performance.now();
      const emails = await loadPostgres(url.toString(), total);
      const loadSeconds = round1((performance.now() - started) / 1000);
      const deep = async () => {
        const c = new pg.Client({ connectionString: url.toString() });
        await c.connect();
        try {
          return cursorOf((await c.query('SELECT updated_at, key FROM conversations ORDER BY updated_at DESC, key DESC LIMIT 1 OFFSET $1', [Math.floor(total * 0.9)])).rows[0]);
        } finally {
          await c.end();
        }
      };
      sections.push({ storage: 'PostgreSQL', status: 'ok', conversations: total, loadSeconds, rows: await runOne('PostgreSQL', url.toString(), emails, samples, deep) });
    } catch (error) {
      sections.push({ storage: 'PostgreSQL', status: 'unavailable', reason: error instanceof Error ? error.message : String(error) });
    } finally {
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    }
  }
  return sections;
};

export const renderConsole = (sections: readonly ConsoleSection[]): string => {
  const lines: string[] = [`Console list (goal: p99 ≤ ${GOAL_P99_MS} ms over HTTP)`];
  for (const s of sections) {
    if (s.status === 'unavailable') {
      lines.push(`  ${s.storage}: unavailable (${s.reason})`);
      continue;
    }
    lines.push(`  ${s.storage}, ${s.conversations.toLocaleString('en')} conversations (loaded in ${s.loadSeconds} s):`);
    for (const r of s.rows)
      lines.push(`    ${r.query.padEnd(50)} p50 ${String(r.p50Ms).padStart(6)} ms  p99 ${String(r.p99Ms).padStart(6)} ms  max ${String(r.maxMs).padStart(6)} ms  ${r.shown} shown  ${r.p99Ms <= GOAL_P99_MS ? 'ok' : 'OVER GOAL'}`);
  }
  return lines.join('\n');
};

if (require.main === module)
  runConsoleBench().then(
    (sections) => {
      process.stdout.write(`${renderConsole(sections)}\n${JSON.stringify(sections, null, 2)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`console bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
