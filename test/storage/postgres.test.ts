/**
 * The Store contract on PostgreSQL, plus what only several processes can get wrong. Needs
 * TEST_DATABASE_URL; without it every test here is reported pending, never passed. Each run
 * works in a schema of its own, so parallel runs and other test files sharing the database
 * are left alone.
 */
import { migrationsOf } from '../../src/storage/migrations';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/store';
import type { Job, Store } from '../../src/storage/store';
import { at, conversation, messages, queued } from './fixtures';
import { storeContract } from './store.contract';
import { postgresScan } from './scan';

const baseUrl = process.env['TEST_DATABASE_URL'];
const schema = `store_test_${process.pid}_${randomBytes(4).toString('hex')}`;

const schemaUrl = (url: string): string => {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
};

const requireUrl = (): string => {
  if (baseUrl === undefined || baseUrl === '') throw new Error('TEST_DATABASE_URL is not set');
  return baseUrl;
};

const admin = async <A>(work: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: requireUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/** Rows of an inspection query, left unknown: the tests compare them whole. */
const adminRows = (sql: string): Promise<unknown[]> =>
  admin(async (c) => {
    const rows: unknown[] = (await c.query(sql)).rows;
    return rows;
  });

const resetSchema = () =>
  admin(async (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)).then(() => undefined);
const open = (poolSize?: number) => openPostgresStore(schemaUrl(requireUrl()), poolSize === undefined ? {} : { poolSize });

describe('PostgreSQL store', function () {
  before(function () {
    // Pending, not passed: a run without a database must not look like a green PostgreSQL suite.
    if (baseUrl === undefined || baseUrl === '') this.skip();
  });
  after(async function () {
    if (baseUrl === undefined || baseUrl === '') return;
    await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  });

  storeContract(
    'PostgreSQL',
    () => open(),
    resetSchema,
    (needle) => postgresScan(requireUrl(), schema)(needle),
  );

  describe('several processes', () => {
    let stores: Store[] = [];
    beforeEach(async () => {
      await resetSchema();
      // Opened together: the migration lock lets exactly one of them create the schema.
      stores = await Promise.all([open(10), open(10)]);
    });
    afterEach(async () => {
      await Promise.all(stores.map((s) => s.close()));
    });
    const storeAt = (i: number): Store => {
      const store = stores[i % stores.length];
      if (store === undefined) throw new Error('no store');
      return store;
    };

    it('applies each migration once when instances start together', async () => {
      assert.deepEqual(
        await adminRows(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`),
        migrationsOf('postgres').map((_, i) => ({ version: i + 1 })),
      );
    });

    it('serializes 50 concurrent intakes of one new conversation from two stores', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          storeAt(i).intake({ conversation: conversation('race', { messages: messages((i % 7) + 1) }), now: at(i) }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.stored.version).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(new Set(results.map((r) => r.jobId)).size, 1);
      const stored = await storeAt(0).getConversation('olark:race');
      assert.equal(stored?.version, 50);
      assert.equal(stored?.conversation.messages.length, 7);
      const counts = await adminRows(
        `SELECT (SELECT COUNT(*) FROM ${schema}.conversations)::int AS conversations, (SELECT COUNT(*) FROM ${schema}.jobs)::int AS jobs`,
      );
      assert.deepEqual(counts, [{ conversations: 1, jobs: 1 }]);
    });

    it('settles settingOrCreate across stores on one value', async () => {
      const values = await Promise.all(Array.from({ length: 20 }, (_, i) => storeAt(i).settingOrCreate('token', () => `v${i}`)));
      assert.equal(new Set(values).size, 1);
    });

    it('survives the server dropping its idle connections', async () => {
      const name = `${schema}_idle`;
      const url = new URL(schemaUrl(requireUrl()));
      url.searchParams.set('application_name', name);
      const errors: Error[] = [];
      const store = await openPostgresStore(url.toString(), { poolSize: 2, onError: (error) => errors.push(error) });
      try {
        await Promise.all([store.ping(), store.ping()]);
        const killed = await adminRows(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = '${name}'`,
        );
        assert.ok(killed.length > 0, 'no idle connection to drop');
        // Every dropped connection reports on its own time: until each has, the pool may still hand out one that is gone.
        for (let i = 0; i < 200 && errors.length < killed.length; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.equal(errors.length, killed.length, 'each dropped connection was reported');
        await store.ping();
        assert.equal((await store.intake({ conversation: conversation('after'), now: at(0) })).stored.version, 1);
      } finally {
        await store.close();
      }
    });

    it('lets exactly one of four simultaneous claims on one conversation win, round after round', async () => {
      const [s0, s1] = [storeAt(0), storeAt(1)];
      for (let round = 0; round < 40; round++) {
        // The conversation's only due jobs: one whose holder died, and a newer pending one.
        const start = at(round * 10_000);
        const id = `r${round}`;
        const expired = queued(await s0.intake({ conversation: conversation(id), now: start }));
        assert.ok(await s0.claimJob(expired, 'crashed', start, 1));
        const pending = queued(await s0.intake({ conversation: conversation(id), now: start }));
        const now = new Date(start.getTime() + 10);
        const results = await Promise.all([
          s0.claimDueJobs('a', now, 60_000, 1),
          s1.claimDueJobs('b', now, 60_000, 1),
          s0.claimJob(pending, 'c', now, 60_000).then((job) => (job === undefined ? [] : [job])),
          s1.claimJob(expired, 'd', now, 60_000).then((job) => (job === undefined ? [] : [job])),
        ]);
        const winners = results.flat();
        assert.equal(
          winners.length,
          1,
          `round ${round}: ${winners.map((j) => `${j.leaseOwner} took ${j.id === expired ? 'expired' : 'pending'}`).join(', ')}`,
        );
        for (const owner of ['a', 'b', 'c', 'd']) await s0.finishJob({ jobId: expired, owner, now, result: { kind: 'done' } });
        for (const owner of ['a', 'b', 'c', 'd']) await s0.finishJob({ jobId: pending, owner, now, result: { kind: 'done' } });
        const rest = await s1.claimDueJobs('e', now, 60_000, 5);
        assert.equal(rest.length, 1, `round ${round}: the other job runs once the winner is done`);
        await s1.finishJob({ jobId: rest[0]?.id ?? '', owner: 'e', now, result: { kind: 'done' } });
      }
    });

    it('claims each of 200 jobs exactly once across stores, never two of one conversation at a time', async () => {
      // 100 conversations, each with an expired running job and a newer pending one: 200 due jobs,
      // of which only one per conversation may run at any moment. Workers mix batch claims with
      // claims of single jobs (the inline delivery) and hold each job a little while.
      const setup = storeAt(0);
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) {
        const jobId = queued(await setup.intake({ conversation: conversation(`c${i}`), now: at(2 * i) }));
        assert.ok(await setup.claimJob(jobId, 'crashed', at(2 * i), 1000));
        ids.push(jobId, (await setup.intake({ conversation: conversation(`c${i}`), now: at(2 * i + 1) })).jobId!);
      }
      const now = at(5000);
      const claims = new Map<string, string>();
      const runningByConversation = new Map<string, string>();
      const violations: string[] = [];
      const pause = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));
      const claim = async (store: Store, owner: string): Promise<Job[]> => {
        if (Math.random() < 0.5) return store.claimDueJobs(owner, now, 60_000, 1 + Math.floor(Math.random() * 4));
        const unclaimed = ids.filter((id) => !claims.has(id));
        const id = unclaimed[Math.floor(Math.random() * unclaimed.length)];
        const job = id === undefined ? undefined : await store.claimJob(id, owner, now, 60_000);
        return job === undefined ? [] : [job];
      };
      const worker = async (store: Store, owner: string) => {
        for (let idle = 0; claims.size < 200 && idle < 500;) {
          const jobs = await claim(store, owner);
          if (jobs.length === 0) {
            idle++;
            await pause();
            continue;
          }
          idle = 0;
          for (const job of jobs) {
            if (claims.has(job.id)) violations.push(`job ${job.id} claimed by ${claims.get(job.id)} and ${owner}`);
            claims.set(job.id, owner);
            const other = runningByConversation.get(job.conversationKey);
            if (other !== undefined) violations.push(`${job.conversationKey}: ${job.id} claimed while ${other} runs`);
            runningByConversation.set(job.conversationKey, job.id);
          }
          await Promise.all(
            jobs.map(async (job) => {
              await pause();
              // Forget it before finishing: once finished, another worker may rightly take the conversation.
              runningByConversation.delete(job.conversationKey);
              assert.equal(await store.finishJob({ jobId: job.id, owner, now, result: { kind: 'done' } }), true);
            }),
          );
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, i) => worker(storeAt(i), `worker-${i}`)));
      assert.deepEqual(violations, []);
      assert.equal(claims.size, 200);
      assert.deepEqual(await storeAt(1).queueStats(), { pending: 0, running: 0, dead: 0, done: 200, expired: 0, failing: 0 });
      assert.deepEqual(await adminRows(`SELECT COUNT(*)::int AS n FROM ${schema}.attempts WHERE outcome = 'abandoned'`), [{ n: 100 }]);
    });
  });
});
