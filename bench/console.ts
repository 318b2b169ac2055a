/**
 * The console's conversation list over a database of 1,000,000 conversations: the first page, a
 * filtered page, searches (an email; a name prefix), and a deep keyset page, each timed over
 * HTTP (with Basic auth) against the service in a child process; goal p99 ≤ 100 ms.
 *
 * The data is bulk-loaded straight into the database (not through webhooks: that would take
 * hours): conversations spread over a year and four platforms, with visitor names and emails
 * drawn from name lists (so names repeat, emails mostly do not), 2–8 messages each, their steps
 * (done for most; some pending, failing, dead or expired, with attempts), their events and, for
 * the delivered ones, the CRM record the stable link forwards to. The schema is the service's own,
 * made by its migrations; SQLite rows go in through prepared statements in transactions of
 * 10,000, PostgreSQL rows as one JSON document per table and batch (json_to_recordset), with the
 * state triggers off and the indexes dropped while loading (the rows carry their state; each index
 * is built once afterwards, from the service's own definition).
 *
 * The section that loads and measures (this list among the other figures at scale) is
 * bench/scale.ts; `npx tsx bench/scale.ts` runs it alone.
 */
import Database from 'better-sqlite3';
import * as t from 'io-ts';
import pg from 'pg';
import { personEmail } from '../src/domain/local-records';
import { decodeRow } from '../src/storage/row-codecs';
import { toRecordJson } from '../src/storage/serialization';
import { percentile, round1 } from './stats';

/** The console's Basic-auth password: the service under test is started with it. */
export const ADMIN_PASSWORD = 'bench-console-password';
const AUTH = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
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

/** What the load kept for the measurements: emails to search for, conversations to open by their stable link. */
export interface Sample {
  readonly emails: string[];
  readonly links: { readonly source: string; readonly id: string }[];
}

// ---------------------------------------------------------------------------------------------
// The data: deterministic (a seeded generator), so two runs measure the same database.

const FIRST = [
  'Maria',
  'James',
  'Anna',
  'Mohammed',
  'Li',
  'Sofia',
  'Lucas',
  'Emma',
  'Noah',
  'Olivia',
  'Liam',
  'Ava',
  'Mateo',
  'Mia',
  'Elena',
  'David',
  'Sara',
  'Daniel',
  'Laura',
  'Marc',
  'Julia',
  'Thomas',
  'Chloe',
  'Hugo',
  'Lea',
  'Paul',
  'Ines',
  'Jonas',
  'Nina',
  'Omar',
  'Fatima',
  'Yuki',
  'Hana',
  'Ivan',
  'Olga',
  'Pedro',
  'Lucia',
  'Ahmed',
  'Zoe',
  'Martin',
];
const LAST = [
  'Garcia',
  'Smith',
  'Müller',
  'Rossi',
  'Dubois',
  'Kowalski',
  'Nguyen',
  'Wang',
  'Silva',
  'Jensen',
  'Novak',
  'Ivanova',
  'Tanaka',
  'Kim',
  'Hassan',
  'Lopez',
  'Martin',
  'Bernard',
  'Schmidt',
  'Fischer',
  'Moreau',
  'Laurent',
  'Costa',
  'Santos',
  'Haddad',
  'Cohen',
  'Popescu',
  'Horvat',
  'Nielsen',
  'Berg',
];
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
const ERRORS = [
  'CRM_AUTH: the CRM refused the token (401)',
  'CRM_VALIDATION: the CRM refused the record (400): property chat_conversation_id does not exist',
  'CALL_TIMEOUT: the CRM did not answer within 30000 ms',
  'PLATFORM_AUTH: the platform refused our credentials (401)',
];

export const rng = (seed: number) => {
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
  readonly id: string;
  readonly snapshot: string;
  readonly visitorId: string;
  readonly visitorName: string | null;
  readonly visitorEmail: string | null;
  /** The CRM record (JSON) of a delivered conversation. */
  readonly record: { readonly action: 'lead' | 'case'; readonly json: string } | null;
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

export const makeRow = (i: number, random: () => number): Row => {
  const pick = <A>(xs: readonly A[]): A => xs[Math.floor(random() * xs.length)] as A;
  const source = SOURCES[i % 10 < 4 ? 0 : i % 10 < 7 ? 1 : i % 10 < 8 ? 2 : 3] ?? 'olark';
  // Eight hex digits per draw: a digit per draw made generating the rows a fifth of the load.
  const hex = (n: number) => {
    let out = '';
    while (out.length < n)
      out += Math.floor(random() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, n);
  };
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
  const visitor = {
    id: `v${hex(12)}`,
    ...(named ? { name: `${first} ${last}` } : {}),
    ...(withEmail ? { email } : {}),
    country: 'France',
    pageUrl: 'https://shop.example/pricing',
  };
  const snapshot = JSON.stringify({
    source,
    id,
    visitor,
    messages,
    tags: random() < 0.2 ? ['support'] : [],
    groups: [],
    operators: [{ id: 'op1', name: 'Support' }],
    offline: random() < 0.05,
  });
  const roll = random();
  const state: State = roll < 0.93 ? 'delivered' : roll < 0.95 ? 'pending' : roll < 0.97 ? 'failing' : roll < 0.99 ? 'dead' : 'expired';
  const kinds: ('deliver' | 'notify')[] = source === 'olark' ? ['deliver'] : ['deliver', 'notify'];
  // Waiting for a retry later than the bench lasts (from the real clock): the service's worker
  // finds nothing due, as in a healthy deployment, until the claim measurement makes some due.
  const future = Date.now() + 30 * 24 * 3600_000;
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
        return {
          id: jobId,
          kind,
          state: 'expired' as const,
          attempts: 3,
          next: updatedAt,
          error: 'EXPIRED: the chat ended before the link could be shown',
        };
    }
  });
  const action = random() < 0.8 ? ('lead' as const) : ('case' as const);
  const recordId = hex(32);
  const record =
    state === 'delivered'
      ? {
          action,
          json: toRecordJson({
            crm: 'local',
            action,
            type: action,
            id: recordId,
            url: `http://127.0.0.1:3000/records/${recordId}`,
            refs: {},
          }),
        }
      : null;
  return {
    key: `${source}:${id}`,
    source,
    id,
    snapshot,
    visitorId: visitor.id,
    visitorName: named ? `${first} ${last}` : null,
    visitorEmail: withEmail ? email : null,
    record,
    state,
    createdAt,
    updatedAt,
    jobs,
  };
};

/**
 * Columns the loader fills beside the snapshot, when the schema has them as plain columns (they
 * are generated ones, filled by the database, in some versions of the schema).
 */
const EXTRA_COLUMNS = {
  conversation_id: (r: Row) => r.id,
  visitor_email: (r: Row) => r.visitorEmail,
  visitor_name: (r: Row) => r.visitorName,
  email_key: (r: Row) => personEmail(r.visitorEmail ?? undefined) ?? null,
} as const;
type ExtraColumn = keyof typeof EXTRA_COLUMNS;
const isExtra = (name: string): name is ExtraColumn => Object.hasOwn(EXTRA_COLUMNS, name);

export const attemptsOf = (row: Row) =>
  row.jobs.flatMap((job) =>
    Array.from({ length: job.attempts }, (_, a) => {
      const ok = job.state === 'done' && a === job.attempts - 1;
      return {
        jobId: job.id,
        startedAt: row.createdAt + a * 60_000,
        durationMs: 120 + a,
        outcome: ok ? 'ok' : 'transient',
        status: ok ? 200 : 503,
        error: ok ? null : job.error,
      };
    }),
  );

// ---------------------------------------------------------------------------------------------
// Loading.

const BATCH = 10_000;
const progress = (what: string, done: number, total: number) => {
  if (done % 100_000 === 0 || done === total)
    process.stderr.write(`  ${what}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}\n`);
};

/** Every (total/500)th visitor email and every (total/1000)th conversation, kept while loading. */
const sampler = (total: number) => {
  const sample: Sample = { emails: [], links: [] };
  const emailEvery = Math.max(1, Math.floor(total / 500));
  const linkEvery = Math.max(1, Math.floor(total / 1000));
  const keep = (i: number, row: Row) => {
    if (i % emailEvery === 0 && row.visitorEmail !== null) sample.emails.push(row.visitorEmail);
    if (i % linkEvery === 0) sample.links.push({ source: row.source, id: row.id });
  };
  return { sample, keep };
};

const SqliteSchemaRow = t.type({ type: t.string, name: t.string, sql: t.string });
const PostgresIndexRow = t.type({ indexname: t.string, indexdef: t.string });
const ColumnRow = t.type({ column_name: t.string });

export const loadSqlite = (path: string, total: number): Sample => {
  const { sample, keep } = sampler(total);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -512000');
  // Triggers and indexes are put back once after the load (the service's own definitions, read
  // back), not run row by row: the rows carry their state.
  const schema = db
    .prepare(
      "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN ('conversations', 'jobs', 'attempts', 'events', 'records')",
    )
    .all()
    .map((row) => decodeRow(SqliteSchemaRow, 'schema', row));
  for (const item of schema) db.exec(`DROP ${item.type === 'index' ? 'INDEX' : 'TRIGGER'} ${item.name}`);
  const plain = db
    .prepare("SELECT name FROM pragma_table_xinfo('conversations') WHERE hidden = 0")
    .pluck()
    .all()
    .filter((name): name is ExtraColumn => typeof name === 'string' && isExtra(name));
  const conversation = db.prepare(
    `INSERT INTO conversations (key, source, snapshot, version, forced, meta, visitor_id, state, created_at, updated_at${plain.map((c) => `, ${c}`).join('')})
     VALUES (?, ?, ?, 1, NULL, '{}', ?, ?, ?, ?${plain.map(() => ', ?').join('')})`,
  );
  const job = db.prepare(
    "INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?)",
  );
  const attempt = db.prepare(
    'INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const event = db.prepare('INSERT INTO events (source, dedup_key, conversation_key, received_at) VALUES (?, ?, ?, ?)');
  const record = db.prepare(
    "INSERT INTO records (conversation_key, action, crm, record, version, updated_at) VALUES (?, ?, 'local', ?, 1, ?)",
  );
  const random = rng(42);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const row = makeRow(i, random);
      keep(i, row);
      conversation.run(
        row.key,
        row.source,
        row.snapshot,
        row.visitorId,
        row.state,
        row.createdAt,
        row.updatedAt,
        ...plain.map((c) => EXTRA_COLUMNS[c](row)),
      );
      for (const j of row.jobs) job.run(j.id, row.key, j.kind, j.state, j.attempts, j.next, j.error, row.createdAt, row.updatedAt);
      for (const a of attemptsOf(row)) attempt.run(a.jobId, a.startedAt, a.durationMs, a.outcome, a.status, a.error);
      event.run(row.source, `ev-${i}`, row.key, row.createdAt);
      if (row.record !== null) record.run(row.key, row.record.action, row.record.json, row.updatedAt);
    }
  });
  for (let from = 0; from < total; from += BATCH) {
    batch(from, Math.min(total, from + BATCH));
    progress('SQLite rows', Math.min(total, from + BATCH), total);
  }
  process.stderr.write(`  SQLite: building ${schema.filter((s) => s.type === 'index').length} indexes\n`);
  for (const item of schema) db.exec(item.sql);
  // No ANALYZE: the service never runs it, so its queries meet a database without statistics.
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return sample;
};

export const loadPostgres = async (url: string, total: number): Promise<Sample> => {
  const { sample, keep } = sampler(total);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The rows say their own state; the trigger would compute the same one a million times over.
    await client.query('ALTER TABLE jobs DISABLE TRIGGER jobs_state');
    // Indexes are built once after the load (the service's own definitions, read back), not row by row.
    const indexes = (
      await client.query(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('conversations', 'jobs', 'attempts', 'events', 'records') AND indexname NOT IN (SELECT conname FROM pg_constraint)",
      )
    ).rows.map((row: unknown) => decodeRow(PostgresIndexRow, 'index', row));
    for (const index of indexes) await client.query(`DROP INDEX ${index.indexname}`);
    const plain = (
      await client.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'conversations' AND is_generated = 'NEVER'",
      )
    ).rows
      .map((row: unknown) => decodeRow(ColumnRow, 'column', row).column_name)
      .filter(isExtra);
    const random = rng(42);
    for (let from = 0; from < total; from += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, total - from) }, (_, k) => makeRow(from + k, random));
      rows.forEach((row, k) => keep(from + k, row));
      const jobs = rows.flatMap((r) => r.jobs.map((j) => ({ ...j, key: r.key, createdAt: r.createdAt, updatedAt: r.updatedAt })));
      const attempts = rows.flatMap(attemptsOf);
      await client.query('BEGIN');
      let tick = performance.now();
      const lap = (what: string) => {
        if (process.env['CONSOLE_BENCH_TRACE'] !== undefined)
          process.stderr.write(`    ${what} ${(performance.now() - tick).toFixed(0)} ms\n`);
        tick = performance.now();
      };
      // One JSON parameter per table: node-pg's array literals of 10,000 escaped transcripts cost seconds to build and parse.
      const json = (value: unknown) => JSON.stringify(value);
      await client.query(
        `INSERT INTO conversations (key, source, snapshot, version, meta, visitor_id, state, created_at, updated_at${plain.map((c) => `, ${c}`).join('')})
         SELECT k, s, sn, 1, '{}', v, st, c, u${plain.map((c) => `, ${c}`).join('')}
         FROM json_to_recordset($1::json) AS x(k text, s text, sn text, v text, st text, c bigint, u bigint${plain.map((c) => `, ${c} text`).join('')})`,
        [
          json(
            rows.map((r) => ({
              k: r.key,
              s: r.source,
              sn: r.snapshot,
              v: r.visitorId,
              st: r.state,
              c: r.createdAt,
              u: r.updatedAt,
              ...Object.fromEntries(plain.map((c) => [c, EXTRA_COLUMNS[c](r)])),
            })),
          ),
        ],
      );
      lap('conversations');
      await client.query(
        `INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, last_error, created_at, updated_at)
         SELECT i, k, kd, '', st, a, n, e, c, u FROM json_to_recordset($1::json) AS x(i text, k text, kd text, st text, a int, n bigint, e text, c bigint, u bigint)`,
        [
          json(
            jobs.map((j) => ({
              i: j.id,
              k: j.key,
              kd: j.kind,
              st: j.state,
              a: j.attempts,
              n: j.next,
              e: j.error,
              c: j.createdAt,
              u: j.updatedAt,
            })),
          ),
        ],
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
      await client.query(
        `INSERT INTO records (conversation_key, action, crm, record, version, updated_at) SELECT k, a, 'local', r, 1, u FROM json_to_recordset($1::json) AS x(k text, a text, r text, u bigint)`,
        [json(rows.flatMap((r) => (r.record === null ? [] : [{ k: r.key, a: r.record.action, r: r.record.json, u: r.updatedAt }])))],
      );
      lap('records');
      await client.query('COMMIT');
      lap('commit');
      progress('PostgreSQL rows', from + rows.length, total);
    }
    process.stderr.write(`  PostgreSQL: building ${indexes.length} indexes\n`);
    await client.query("SET maintenance_work_mem = '256MB'");
    for (const index of indexes) await client.query(index.indexdef);
    await client.query('ALTER TABLE jobs ENABLE TRIGGER jobs_state');
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
  return sample;
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

const measure = async (baseUrl: string, query: string, path: (n: number) => string, samples: number): Promise<ConsoleRow> => {
  // The loader's garbage is collected now rather than in the middle of a timed request (node --expose-gc).
  if (typeof globalThis.gc === 'function') globalThis.gc();
  for (let n = 0; n < 10; n++) await get(`${baseUrl}${path(n)}`);
  const times: number[] = [];
  let shown = 0;
  for (let n = 0; n < samples; n++) {
    const result = await get(`${baseUrl}${path(n + 10)}`);
    times.push(result.ms);
    shown = result.shown;
  }
  return {
    query,
    url: path(0),
    samples,
    p50Ms: round1(percentile(times, 50)),
    p99Ms: round1(percentile(times, 99)),
    maxMs: round1(Math.max(...times)),
    shown,
  };
};

/** The console list's queries against a service started with ADMIN_PASSWORD; `after` is a cursor ~90 % down the list. */
export const measureConsole = async (baseUrl: string, emails: readonly string[], after: string, samples: number): Promise<ConsoleRow[]> => {
  const prefixes = ['mari', 'jame', 'olga', 'hugo', 'fati', 'elen', 'dani', 'thom'];
  const rows: ConsoleRow[] = [];
  const q = (params: Record<string, string>) => `/admin?${new URLSearchParams(params).toString()}`;
  rows.push(await measure(baseUrl, 'first page (newest 50)', () => '/admin', samples));
  rows.push(await measure(baseUrl, 'filtered: one platform, dead', () => q({ platform: 'livechat', state: 'dead' }), samples));
  rows.push(await measure(baseUrl, 'filtered: one platform, delivered', () => q({ platform: 'olark', state: 'delivered' }), samples));
  rows.push(
    await measure(
      baseUrl,
      'search: an email (a different one each time)',
      (n) => q({ q: emails[n % emails.length] ?? 'nobody@example.com' }),
      samples,
    ),
  );
  rows.push(
    await measure(
      baseUrl,
      'search: a name prefix (4 letters of a first name)',
      (n) => q({ q: prefixes[n % prefixes.length] ?? 'mari' }),
      samples,
    ),
  );
  rows.push(await measure(baseUrl, 'deep keyset page (~90% down)', () => q({ after }), samples));
  rows.push(await measure(baseUrl, 'deep keyset page, filtered by platform', () => q({ after, platform: 'olark' }), samples));
  return rows;
};

/** The console's cursor for a row of (updated_at, key). */
export const cursorOf = (row: unknown): string => {
  if (typeof row !== 'object' || row === null || !('updated_at' in row) || !('key' in row)) throw new Error('no row for the deep cursor');
  return `${String(row.updated_at)}.${String(row.key)}`;
};

export const renderConsoleRows = (rows: readonly ConsoleRow[], indent: string): string[] =>
  rows.map(
    (r) =>
      `${indent}${r.query.padEnd(50)} p50 ${String(r.p50Ms).padStart(6)} ms  p99 ${String(r.p99Ms).padStart(6)} ms  max ${String(r.maxMs).padStart(6)} ms  ${r.shown} shown  ${r.p99Ms <= GOAL_P99_MS ? '✓' : '✗'}`,
  );
