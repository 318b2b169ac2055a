/**
 * The Store contract: every adapter runs this suite (sqlite.test.ts, postgres.test.ts). Each
 * test starts from an empty database, and asserts what a store that got it wrong would fail.
 */
import assert from 'node:assert/strict';
import { conversationKey, type Job, type Store } from '../../src/storage/store';
import { at, conversation, messages, record, T0, withVisitor } from './fixtures';

const LEASE = 60_000;
const keyOf = (id: string) => conversationKey({ source: 'olark', id });

const defined = <A>(value: A | undefined, what: string): A => {
  assert.notEqual(value, undefined, `${what} is missing`);
  if (value === undefined) throw new Error('unreachable');
  return value;
};

export const storeContract = (name: string, open: () => Promise<Store>, reset: () => Promise<void>): void => {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      await reset();
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    /** A conversation taken in with its pending job claimed by `owner`. */
    const running = async (id: string, owner = 'worker-a', now = T0, leaseMs = LEASE): Promise<Job> => {
      const { jobId } = await store.intake({ conversation: conversation(id), now });
      return defined(await store.claimJob(jobId, owner, now, leaseMs), 'claimed job');
    };
    const job = async (id: string) => defined(await store.getJob(id), `job ${id}`);

    describe('settings', () => {
      it('stores, reads back and overwrites a setting', async () => {
        assert.equal(await store.getSetting('olark.token'), undefined);
        await store.setSetting('olark.token', 'first');
        await store.setSetting('olark.token', 'second');
        assert.equal(await store.getSetting('olark.token'), 'second');
        assert.equal(await store.getSetting('other'), undefined);
      });

      it('settingOrCreate keeps the first value and ignores later creators', async () => {
        assert.equal(await store.settingOrCreate('token', () => 'made-1'), 'made-1');
        assert.equal(await store.settingOrCreate('token', () => 'made-2'), 'made-1');
        assert.equal(await store.getSetting('token'), 'made-1');
      });

      it('settingOrCreate calls that race settle on one value', async () => {
        const values = await Promise.all(Array.from({ length: 8 }, (_, i) => store.settingOrCreate('race', () => `value-${i}`)));
        const stored = await store.getSetting('race');
        assert.equal(new Set(values).size, 1, `got ${values.join(', ')}`);
        assert.equal(values[0], stored);
      });

      it('reports a working connection', async () => {
        await store.ping();
      });
    });

    describe('intake', () => {
      it('stores a new conversation as version 1 with one pending job due now', async () => {
        const c = conversation('c1');
        const { stored, jobId } = await store.intake({ conversation: c, now: T0 });
        assert.deepEqual(stored, { key: 'olark:c1', conversation: c, version: 1, updatedAt: T0 });
        assert.deepEqual(await store.getConversation('olark:c1'), stored);
        const pending = await job(jobId);
        assert.deepEqual(pending, { id: jobId, conversationKey: 'olark:c1', state: 'pending', attempts: 0, nextAttemptAt: T0, createdAt: T0, updatedAt: T0 });
        assert.equal((await store.latestJob('olark:c1'))?.id, jobId);
      });

      it('merges a repeat: the fuller transcript wins, blank visitor fields are filled, the version grows', async () => {
        const first = await store.intake({ conversation: withVisitor('c1', { name: 'Jo', phone: '+33 1' }, 3), now: T0 });
        const second = await store.intake({ conversation: withVisitor('c1', { email: 'jo@example.com', name: 'Joanna' }, 1), now: at(5000) });
        assert.equal(second.stored.version, 2);
        assert.deepEqual(second.stored.conversation.messages, messages(3));
        assert.deepEqual(second.stored.conversation.visitor, { name: 'Joanna', phone: '+33 1', email: 'jo@example.com' });
        assert.deepEqual(second.stored.updatedAt, at(5000));
        assert.equal(second.jobId, first.jobId, 'a repeat shares the pending job');
        const third = await store.intake({ conversation: withVisitor('c1', {}, 5), now: at(6000) });
        assert.equal(third.stored.version, 3);
        assert.equal(third.stored.conversation.messages.length, 5);
        assert.deepEqual(await store.getConversation('olark:c1'), third.stored);
        assert.equal((await store.queueStats()).pending, 1);
      });

      it('keeps the last forced record type until another one is forced', async () => {
        await store.intake({ conversation: conversation('c1'), forced: 'case', now: T0 });
        const repeat = await store.intake({ conversation: conversation('c1'), now: at(1) });
        assert.equal(repeat.stored.forced, 'case');
        const changed = await store.intake({ conversation: conversation('c1'), forced: 'lead', now: at(2) });
        assert.equal(changed.stored.forced, 'lead');
        assert.equal((await store.getConversation('olark:c1'))?.forced, 'lead');
      });

      it('queues a new pending job when the conversation is being delivered, and shares that one after', async () => {
        const first = await running('c1');
        const second = await store.intake({ conversation: conversation('c1'), now: at(1) });
        assert.notEqual(second.jobId, first.id);
        assert.equal((await job(second.jobId)).state, 'pending');
        assert.equal((await job(first.id)).state, 'running');
        const third = await store.intake({ conversation: conversation('c1'), now: at(2) });
        assert.equal(third.jobId, second.jobId);
        assert.equal((await store.latestJob('olark:c1'))?.id, second.jobId);
        assert.deepEqual(await store.queueStats(), { pending: 1, running: 1, dead: 0, done: 0, oldestPendingAt: at(1) });
      });

      it('serializes concurrent intakes of one conversation', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.intake({ conversation: conversation('busy', { messages: messages(i + 1) }), now: at(i) })));
        assert.deepEqual(
          results.map((r) => r.stored.version).sort((a, b) => a - b),
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        assert.equal(new Set(results.map((r) => r.jobId)).size, 1);
        const stored = defined(await store.getConversation('olark:busy'), 'conversation');
        assert.equal(stored.version, 20);
        assert.equal(stored.conversation.messages.length, 20, 'the fullest transcript wins whatever the order');
      });

      it('knows nothing about conversations never taken in', async () => {
        assert.equal(await store.getConversation('olark:none'), undefined);
        assert.equal(await store.latestJob('olark:none'), undefined);
        assert.deepEqual(await store.listRecords('olark:none'), []);
      });
    });

    describe('claimJob', () => {
      it('leases a pending job to its owner', async () => {
        const { jobId } = await store.intake({ conversation: conversation('c1'), now: T0 });
        const claimed = defined(await store.claimJob(jobId, 'worker-a', at(10), LEASE), 'claim');
        assert.equal(claimed.state, 'running');
        assert.equal(claimed.leaseOwner, 'worker-a');
        assert.deepEqual(claimed.leaseExpiresAt, at(10 + LEASE));
        assert.equal(claimed.attempts, 0);
        assert.deepEqual(await job(jobId), claimed);
      });

      it('does not take a job whose lease is live, even for another owner', async () => {
        const claimed = await running('c1', 'worker-a');
        assert.equal(await store.claimJob(claimed.id, 'worker-b', at(LEASE), LEASE), undefined);
        assert.equal((await job(claimed.id)).leaseOwner, 'worker-a');
      });

      it('takes over an expired lease, counting the abandoned try', async () => {
        const claimed = await running('c1', 'worker-a', T0, 1000);
        const taken = defined(await store.claimJob(claimed.id, 'worker-b', at(1001), LEASE), 'takeover');
        assert.equal(taken.leaseOwner, 'worker-b');
        assert.equal(taken.attempts, 1);
        const attempts = await store.listAttempts(claimed.id);
        assert.equal(attempts.length, 1);
        assert.equal(attempts[0]?.outcome, 'abandoned');
        assert.equal(attempts[0]?.durationMs, 0);
        assert.equal(await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(1002), result: { kind: 'done' } }), false);
      });

      it('refuses finished, dead and unknown jobs', async () => {
        const done = await running('c1');
        await store.finishJob({ jobId: done.id, owner: 'worker-a', now: at(1), result: { kind: 'done' } });
        const dead = await running('c2');
        await store.finishJob({ jobId: dead.id, owner: 'worker-a', now: at(1), result: { kind: 'dead', error: 'BAD: no' } });
        assert.equal(await store.claimJob(done.id, 'worker-b', at(2), LEASE), undefined);
        assert.equal(await store.claimJob(dead.id, 'worker-b', at(2), LEASE), undefined);
        assert.equal(await store.claimJob('no-such-job', 'worker-b', at(2), LEASE), undefined);
      });

      it('holds back a conversation\'s pending job while another of its jobs has a live lease', async () => {
        const first = await running('c1', 'worker-a', T0, 1000);
        const { jobId } = await store.intake({ conversation: conversation('c1'), now: at(1) });
        assert.equal(await store.claimJob(jobId, 'worker-b', at(1000), LEASE), undefined);
        const second = defined(await store.claimJob(jobId, 'worker-b', at(1001), LEASE), 'claim after the lease ran out');
        assert.equal(second.leaseOwner, 'worker-b');
        assert.equal(await store.claimJob(first.id, 'worker-c', at(1002), LEASE), undefined, 'the expired job waits for the live one');
      });
    });

    describe('claimDueJobs', () => {
      it('takes only jobs that are due', async () => {
        const claimed = await running('c1');
        await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(1), result: { kind: 'retry', nextAttemptAt: at(10_000), error: 'E: later' } });
        assert.deepEqual(await store.claimDueJobs('worker-b', at(9_999), LEASE, 10), []);
        const due = await store.claimDueJobs('worker-b', at(10_000), LEASE, 10);
        assert.deepEqual(
          due.map((j) => [j.id, j.leaseOwner]),
          [[claimed.id, 'worker-b']],
        );
      });

      it('takes at most `limit`, oldest first, and never the same job twice', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.intake({ conversation: conversation(`c${i}`), now: at(i) })).jobId);
        const first = await store.claimDueJobs('worker-a', at(100), LEASE, 3);
        const second = await store.claimDueJobs('worker-b', at(100), LEASE, 3);
        assert.deepEqual(first.map((j) => j.id), ids.slice(0, 3));
        assert.deepEqual(second.map((j) => j.id), ids.slice(3));
        assert.ok(second.every((j) => j.leaseOwner === 'worker-b' && j.state === 'running'));
        assert.deepEqual(await store.claimDueJobs('worker-c', at(100), LEASE, 3), []);
      });

      it('runs one job per conversation at a time', async () => {
        const first = await running('c1');
        const { jobId } = await store.intake({ conversation: conversation('c1'), now: at(1) });
        assert.deepEqual(await store.claimDueJobs('worker-b', at(2), LEASE, 10), []);
        await store.finishJob({ jobId: first.id, owner: 'worker-a', now: at(3), result: { kind: 'done' } });
        assert.deepEqual((await store.claimDueJobs('worker-b', at(4), LEASE, 10)).map((j) => j.id), [jobId]);
      });

      it('takes one job of a conversation per batch when two are due', async () => {
        const first = await running('c1', 'worker-a', T0, 1000);
        await store.intake({ conversation: conversation('c1'), now: at(1) });
        const batch = await store.claimDueJobs('worker-b', at(5000), LEASE, 10);
        assert.equal(batch.length, 1);
        assert.equal((await store.queueStats()).running, 1);
        assert.ok(batch[0]?.id === first.id ? batch[0].attempts === 1 : batch[0]?.attempts === 0);
      });

      it('reclaims expired leases with an abandoned attempt, and leaves live ones alone', async () => {
        const claimed = await running('c1', 'worker-a', T0, 1000);
        assert.deepEqual(await store.claimDueJobs('worker-b', at(1000), LEASE, 10), []);
        const [taken] = await store.claimDueJobs('worker-b', at(1001), LEASE, 10);
        assert.equal(taken?.id, claimed.id);
        assert.equal(taken?.leaseOwner, 'worker-b');
        assert.equal(taken?.attempts, 1);
        assert.deepEqual(
          (await store.listAttempts(claimed.id)).map((a) => [a.outcome, a.startedAt.getTime()]),
          [['abandoned', at(1001).getTime()]],
        );
      });

      it('is not starved by due jobs of busy conversations', async () => {
        // Six conversations are being delivered and each has a newer intake queued (due first);
        // a worker with one free slot must still find the free conversation behind them.
        for (let i = 0; i < 6; i++) {
          await running(`busy${i}`, 'worker-a', T0);
          await store.intake({ conversation: conversation(`busy${i}`), now: at(1 + i) });
        }
        const { jobId } = await store.intake({ conversation: conversation('free'), now: at(100) });
        assert.deepEqual((await store.claimDueJobs('worker-b', at(200), LEASE, 1)).map((j) => j.id), [jobId]);
      });
    });

    describe('finishJob', () => {
      it('done: stores the record with its version and completes the job', async () => {
        const claimed = await running('c1');
        const attempt = { jobId: claimed.id, startedAt: at(5), durationMs: 42, outcome: 'ok' as const };
        const ok = await store.finishJob({
          jobId: claimed.id,
          owner: 'worker-a',
          now: at(50),
          attempt,
          result: { kind: 'done', record: { conversationKey: 'olark:c1', value: record('L1'), version: 1 } },
        });
        assert.equal(ok, true);
        assert.deepEqual(await job(claimed.id), { id: claimed.id, conversationKey: 'olark:c1', state: 'done', attempts: 1, nextAttemptAt: T0, createdAt: T0, updatedAt: at(50) });
        assert.deepEqual(await store.getRecord('olark:c1', 'lead', 'local'), { record: record('L1'), version: 1, updatedAt: at(50) });
        assert.equal(await store.getRecord('olark:c1', 'case', 'local'), undefined);
        assert.equal(await store.getRecord('olark:c1', 'lead', 'hubspot'), undefined);
        assert.deepEqual(await store.listAttempts(claimed.id), [attempt]);
      });

      it('keeps the highest version when an older delivery finishes last', async () => {
        const first = await running('c1');
        await store.finishJob({ jobId: first.id, owner: 'worker-a', now: at(1), result: { kind: 'done', record: { conversationKey: 'olark:c1', value: record('L1'), version: 5 } } });
        const second = await running('c1', 'worker-a', at(2));
        await store.finishJob({ jobId: second.id, owner: 'worker-a', now: at(3), result: { kind: 'done', record: { conversationKey: 'olark:c1', value: record('L1'), version: 3 } } });
        assert.equal((await store.getRecord('olark:c1', 'lead', 'local'))?.version, 5);
        const other = await running('c1', 'worker-a', at(4));
        await store.finishJob({ jobId: other.id, owner: 'worker-a', now: at(5), result: { kind: 'done', record: { conversationKey: 'olark:c1', value: record('C1', 'case'), version: 6 } } });
        assert.deepEqual(
          (await store.listRecords('olark:c1')).map((r) => [r.record.action, r.version]),
          [['case', 6], ['lead', 5]],
        );
      });

      it('retry: back to pending at the given time with the error, the try counted', async () => {
        const claimed = await running('c1');
        const attempt = { jobId: claimed.id, startedAt: at(1), durationMs: 9, outcome: 'transient' as const, crmStatus: 503, error: 'CRM_UNAVAILABLE: 503' };
        assert.equal(await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(10), attempt, result: { kind: 'retry', nextAttemptAt: at(30_000), error: 'CRM_UNAVAILABLE: 503' } }), true);
        assert.deepEqual(await job(claimed.id), {
          id: claimed.id,
          conversationKey: 'olark:c1',
          state: 'pending',
          attempts: 1,
          nextAttemptAt: at(30_000),
          lastError: 'CRM_UNAVAILABLE: 503',
          createdAt: T0,
          updatedAt: at(10),
        });
        assert.deepEqual(await store.listAttempts(claimed.id), [attempt]);
      });

      it('dead: the job stops with its reason', async () => {
        const claimed = await running('c1');
        const attempt = { jobId: claimed.id, startedAt: at(1), durationMs: 3, outcome: 'permanent' as const, crmStatus: 401, error: 'CRM_AUTH: bad token' };
        assert.equal(await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(10), attempt, result: { kind: 'dead', error: 'CRM_AUTH: bad token' } }), true);
        const dead = await job(claimed.id);
        assert.equal(dead.state, 'dead');
        assert.equal(dead.lastError, 'CRM_AUTH: bad token');
        assert.equal(dead.attempts, 1);
        assert.equal('leaseOwner' in dead, false);
        assert.deepEqual((await store.listJobs('dead', 10)).map((j) => j.id), [claimed.id]);
        assert.deepEqual(await store.claimDueJobs('worker-b', at(1_000_000), LEASE, 10), []);
      });

      it('release: back to pending without an attempt, keeping the last error', async () => {
        const claimed = await running('c1');
        await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(1), attempt: { jobId: claimed.id, startedAt: at(1), durationMs: 1, outcome: 'transient', error: 'E: one' }, result: { kind: 'retry', nextAttemptAt: at(2), error: 'E: one' } });
        defined(await store.claimJob(claimed.id, 'worker-a', at(3), LEASE), 'reclaim');
        assert.equal(await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(4), result: { kind: 'release', nextAttemptAt: at(4) } }), true);
        const released = await job(claimed.id);
        assert.equal(released.state, 'pending');
        assert.equal(released.attempts, 1);
        assert.equal(released.lastError, 'E: one');
        assert.deepEqual(released.nextAttemptAt, at(4));
        assert.equal('leaseExpiresAt' in released, false);
        assert.equal((await store.listAttempts(claimed.id)).length, 1);
      });

      it('lost lease: answers false and leaves the new holder alone, but keeps the record', async () => {
        const claimed = await running('c1', 'worker-a', T0, 1000);
        defined(await store.claimJob(claimed.id, 'worker-b', at(2000), LEASE), 'takeover');
        const ok = await store.finishJob({
          jobId: claimed.id,
          owner: 'worker-a',
          now: at(2500),
          attempt: { jobId: claimed.id, startedAt: T0, durationMs: 2500, outcome: 'ok' },
          result: { kind: 'done', record: { conversationKey: 'olark:c1', value: record('L1'), version: 1 } },
        });
        assert.equal(ok, false);
        const current = await job(claimed.id);
        assert.equal(current.state, 'running');
        assert.equal(current.leaseOwner, 'worker-b');
        assert.deepEqual((await store.listAttempts(claimed.id)).map((a) => a.outcome), ['abandoned']);
        assert.equal((await store.getRecord('olark:c1', 'lead', 'local'))?.record.id, 'L1');
        assert.equal(await store.finishJob({ jobId: 'no-such-job', owner: 'worker-a', now: at(1), result: { kind: 'done' } }), false);
      });

      for (const kind of ['retry', 'release'] as const) {
        it(`${kind} while a newer job is pending: this one is done, superseded by it`, async () => {
          const first = await running('c1');
          const { jobId } = await store.intake({ conversation: conversation('c1'), now: at(1) });
          const result = kind === 'retry' ? { kind, nextAttemptAt: at(100), error: 'E: x' } : { kind, nextAttemptAt: at(100) };
          assert.equal(await store.finishJob({ jobId: first.id, owner: 'worker-a', now: at(2), result }), true);
          const superseded = await job(first.id);
          assert.equal(superseded.state, 'done');
          assert.equal(superseded.lastError, `superseded by job ${jobId}`);
          assert.equal((await job(jobId)).state, 'pending');
          assert.deepEqual(await store.queueStats(), { pending: 1, running: 0, dead: 0, done: 1, oldestPendingAt: at(1) });
        });
      }
    });

    describe('reviveJob', () => {
      const dead = async (id: string, now = T0): Promise<Job> => {
        const claimed = await running(id, 'worker-a', now);
        await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now, attempt: { jobId: claimed.id, startedAt: now, durationMs: 1, outcome: 'permanent', error: 'E: no' }, result: { kind: 'dead', error: 'E: no' } });
        return job(claimed.id);
      };

      it('puts a dead job back to pending with its attempts reset', async () => {
        const gone = await dead('c1');
        const revived = defined(await store.reviveJob(gone.id, at(500)), 'revived');
        assert.deepEqual(revived, { id: gone.id, conversationKey: 'olark:c1', state: 'pending', attempts: 0, nextAttemptAt: at(500), createdAt: T0, updatedAt: at(500) });
        assert.deepEqual((await store.claimDueJobs('worker-b', at(500), LEASE, 5)).map((j) => j.id), [gone.id]);
      });

      it('revives only dead jobs', async () => {
        const { jobId } = await store.intake({ conversation: conversation('c1'), now: T0 });
        assert.equal(await store.reviveJob(jobId, at(1)), undefined);
        assert.equal((await job(jobId)).state, 'pending');
        const claimed = defined(await store.claimJob(jobId, 'worker-a', at(1), LEASE), 'claim');
        assert.equal(await store.reviveJob(claimed.id, at(2)), undefined);
        assert.equal((await job(jobId)).leaseOwner, 'worker-a');
        assert.equal(await store.reviveJob('no-such-job', at(2)), undefined);
      });

      it('hands over to the pending job when a newer intake queued one', async () => {
        const gone = await dead('c1');
        const { jobId } = await store.intake({ conversation: conversation('c1'), now: at(10) });
        const revived = defined(await store.reviveJob(gone.id, at(20)), 'revived');
        assert.equal(revived.id, jobId);
        assert.equal(revived.state, 'pending');
        const old = await job(gone.id);
        assert.equal(old.state, 'done');
        assert.equal(old.lastError, `superseded by job ${jobId}`);
        assert.equal((await store.queueStats()).pending, 1);
      });
    });

    describe('queue views', () => {
      it('queueStats counts each state and dates the oldest pending job', async () => {
        assert.deepEqual(await store.queueStats(), { pending: 0, running: 0, dead: 0, done: 0 });
        await store.intake({ conversation: conversation('p1'), now: at(300) });
        await store.intake({ conversation: conversation('p2'), now: at(100) });
        await running('r1', 'worker-a', at(50));
        const d = await running('d1', 'worker-a', at(10));
        await store.finishJob({ jobId: d.id, owner: 'worker-a', now: at(20), result: { kind: 'dead', error: 'E' } });
        const ok = await running('ok1', 'worker-a', at(5));
        await store.finishJob({ jobId: ok.id, owner: 'worker-a', now: at(6), result: { kind: 'done' } });
        assert.deepEqual(await store.queueStats(), { pending: 2, running: 1, dead: 1, done: 1, oldestPendingAt: at(100) });
      });

      it('listJobs filters by state, newest change first, up to the limit', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const claimed = await running(`c${i}`, 'worker-a', at(i));
          await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(100 + i), result: { kind: 'done' } });
          ids.push(claimed.id);
        }
        await store.intake({ conversation: conversation('pending'), now: at(500) });
        assert.deepEqual((await store.listJobs('done', 3)).map((j) => j.id), [ids[3], ids[2], ids[1]]);
        assert.equal((await store.listJobs('pending', 10)).length, 1);
        assert.deepEqual(await store.listJobs('running', 10), []);
      });

      it('latestJob is the newest job of the conversation', async () => {
        const first = await running('c1');
        const { jobId } = await store.intake({ conversation: conversation('c1'), now: at(1) });
        await store.intake({ conversation: conversation('c2'), now: at(2) });
        assert.notEqual(jobId, first.id);
        assert.equal((await store.latestJob('olark:c1'))?.id, jobId);
      });

      it('listAttempts keeps every try of a job in order, and only that job\'s', async () => {
        const claimed = await running('c1', 'worker-a', T0, 1000);
        await running('c2');
        const taken = defined(await store.claimJob(claimed.id, 'worker-b', at(5000), LEASE), 'takeover');
        await store.finishJob({ jobId: taken.id, owner: 'worker-b', now: at(5100), attempt: { jobId: taken.id, startedAt: at(5000), durationMs: 100, outcome: 'transient', crmStatus: 429, error: 'RATE: slow down' }, result: { kind: 'retry', nextAttemptAt: at(6000), error: 'RATE: slow down' } });
        defined(await store.claimJob(taken.id, 'worker-b', at(6000), LEASE), 'retry claim');
        await store.finishJob({ jobId: taken.id, owner: 'worker-b', now: at(6100), attempt: { jobId: taken.id, startedAt: at(6000), durationMs: 80, outcome: 'skipped' }, result: { kind: 'done' } });
        assert.deepEqual(
          (await store.listAttempts(taken.id)).map((a) => [a.outcome, a.crmStatus, a.durationMs]),
          [['abandoned', undefined, 0], ['transient', 429, 100], ['skipped', undefined, 80]],
        );
        assert.equal((await job(taken.id)).attempts, 3);
        assert.deepEqual(await store.listAttempts('no-such-job'), []);
      });
    });

    describe('local records', () => {
      it('keeps one record per conversation and action, with a growing history', async () => {
        const created = await store.upsertLocalRecord({ conversationKey: 'olark:c1', action: 'lead', conversation: conversation('c1'), change: 'created' });
        const c2 = withVisitor('c1', { name: 'Jo', email: 'Jo@Example.com' }, 4);
        const updated = await store.upsertLocalRecord({ conversationKey: 'olark:c1', action: 'lead', conversation: c2, change: 'transcript: 4 lines' });
        assert.equal(updated.id, created.id);
        assert.deepEqual(updated.createdAt, created.createdAt);
        assert.deepEqual(updated.conversation, c2);
        assert.deepEqual(updated.history.map((h) => h.change), ['created', 'transcript: 4 lines']);
        assert.ok(updated.history.every((h) => h.at instanceof Date && !Number.isNaN(h.at.getTime())));
        assert.deepEqual(await store.getLocalRecord(created.id), updated);
        const asCase = await store.upsertLocalRecord({ conversationKey: 'olark:c1', action: 'case', conversation: c2, change: 'created' });
        assert.notEqual(asCase.id, created.id);
        assert.equal(asCase.action, 'case');
        assert.equal(await store.getLocalRecord('no-such-record'), undefined);
      });

      it('finds a record by email whatever its case, the most recently updated first', async () => {
        const older = await store.upsertLocalRecord({ conversationKey: 'olark:c1', action: 'lead', conversation: withVisitor('c1', { email: 'Jo@Example.COM' }), change: 'created' });
        await new Promise((resolve) => setTimeout(resolve, 5));
        const newer = await store.upsertLocalRecord({ conversationKey: 'olark:c2', action: 'lead', conversation: withVisitor('c2', { email: 'jo@example.com' }), change: 'created' });
        assert.equal((await store.findLocalRecordByEmail('  JO@example.com '))?.id, newer.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.upsertLocalRecord({ conversationKey: 'olark:c1', action: 'lead', conversation: withVisitor('c1', { email: 'jo@EXAMPLE.com' }), change: 'updated' });
        assert.equal((await store.findLocalRecordByEmail('jo@example.com'))?.id, older.id);
        assert.equal(await store.findLocalRecordByEmail('someone@else.com'), undefined);
      });

      it('settles two first upserts of one conversation on one record', async () => {
        const [a, b] = await Promise.all([
          store.upsertLocalRecord({ conversationKey: 'olark:c1', action: 'lead', conversation: conversation('c1'), change: 'one' }),
          store.upsertLocalRecord({ conversationKey: 'olark:c1', action: 'lead', conversation: conversation('c1'), change: 'two' }),
        ]);
        assert.equal(a.id, b.id);
        assert.equal(defined(await store.getLocalRecord(a.id), 'record').history.length, 2);
      });
    });

    describe('data round trips', () => {
      it('keeps unicode, exact times and absent optional fields as they were', async () => {
        const c = conversation('ünï-😀', {
          visitor: { name: 'Zoë 张伟 محمد', email: 'zoe@exämple.com', countryCode: 'FR' },
          messages: [
            { role: 'visitor', author: 'Zoë', body: 'Bonjour "quotes" \'and\' \\ back\nnew line 😀 ‮rtl', at: new Date('2026-03-01T09:00:00.123Z') },
            { role: 'operator', author: 'Ann', body: '', at: new Date('1999-12-31T23:59:59.999Z') },
            { role: 'system', author: 'Olark', body: 'x'.repeat(20_000), at: new Date('2026-03-01T09:00:01.000Z') },
          ],
          tags: ['vip', 'é'],
          groups: ['Support FR'],
          operators: [{ id: 'op1', name: 'Ann' }, { id: 'op2', name: 'Bob', email: 'bob@example.com' }],
          offline: true,
        });
        const { stored } = await store.intake({ conversation: c, now: new Date(8_640_000_000_000) });
        const read = defined(await store.getConversation(conversationKey(c)), 'conversation');
        assert.deepEqual(read, stored);
        assert.deepEqual(read.conversation, c);
        assert.deepEqual(read.updatedAt, new Date(8_640_000_000_000));
        assert.deepEqual(Object.keys(read.conversation.visitor).sort(), ['countryCode', 'email', 'name']);
        assert.equal('email' in defined(read.conversation.operators[0], 'operator'), false);
        assert.equal('forced' in read, false);
        assert.equal(read.key, keyOf('ünï-😀'));
      });

      it('leaves lease and error fields out of a job that has none', async () => {
        const { jobId } = await store.intake({ conversation: conversation('c1'), now: T0 });
        const pending = await job(jobId);
        for (const field of ['leaseOwner', 'leaseExpiresAt', 'lastError']) assert.equal(field in pending, false, field);
        const [attempt] = await (async () => {
          const claimed = defined(await store.claimJob(jobId, 'w', T0, LEASE), 'claim');
          await store.finishJob({ jobId: claimed.id, owner: 'w', now: at(1), attempt: { jobId, startedAt: T0, durationMs: 1, outcome: 'ok' }, result: { kind: 'done' } });
          return store.listAttempts(jobId);
        })();
        assert.equal('crmStatus' in defined(attempt, 'attempt'), false);
        assert.equal('error' in defined(attempt, 'attempt'), false);
        assert.equal('lastError' in (await job(jobId)), false);
      });

      it('keeps record refs and reads records back as stored', async () => {
        const claimed = await running('c1');
        const value = { ...record('T-9', 'case', 'hubspot'), refs: { note: 'n-1', contact: 'ç-2' } };
        await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(7), result: { kind: 'done', record: { conversationKey: 'olark:c1', value, version: 1 } } });
        assert.deepEqual(await store.listRecords('olark:c1'), [{ record: value, version: 1, updatedAt: at(7) }]);
      });
    });
  });
};
