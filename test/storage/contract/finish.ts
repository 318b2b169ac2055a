/** Finishing and reviving jobs: every way a delivery ends, and what a newer intake changes. */
import assert from 'node:assert/strict';
import type { Job, Store } from '../../../src/storage/store';
import { at, conversation, record, T0, queued } from '../fixtures';
import { defined, LEASE, type Contract } from './context';

export const finishing = (contract: Contract): void => {
  let store: Store;
  beforeEach(() => {
    store = contract.store();
  });
  const { running, job } = contract;

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
      assert.deepEqual(await job(claimed.id), {
        id: claimed.id,
        conversationKey: 'olark:c1',
        kind: 'deliver',
        then: [],
        state: 'done',
        attempts: 1,
        nextAttemptAt: T0,
        createdAt: T0,
        updatedAt: at(50),
      });
      assert.deepEqual(await store.getRecord('olark:c1', 'lead', 'local'), { record: record('L1'), version: 1, updatedAt: at(50) });
      assert.equal(await store.getRecord('olark:c1', 'case', 'local'), undefined);
      assert.equal(await store.getRecord('olark:c1', 'lead', 'hubspot'), undefined);
      assert.deepEqual(await store.listAttempts(claimed.id), [attempt]);
    });

    it('keeps the highest version when an older delivery finishes last', async () => {
      const first = await running('c1');
      await store.finishJob({
        jobId: first.id,
        owner: 'worker-a',
        now: at(1),
        result: { kind: 'done', record: { conversationKey: 'olark:c1', value: record('L1'), version: 5 } },
      });
      const second = await running('c1', 'worker-a', at(2));
      await store.finishJob({
        jobId: second.id,
        owner: 'worker-a',
        now: at(3),
        result: { kind: 'done', record: { conversationKey: 'olark:c1', value: record('L1'), version: 3 } },
      });
      assert.equal((await store.getRecord('olark:c1', 'lead', 'local'))?.version, 5);
      const other = await running('c1', 'worker-a', at(4));
      await store.finishJob({
        jobId: other.id,
        owner: 'worker-a',
        now: at(5),
        result: { kind: 'done', record: { conversationKey: 'olark:c1', value: record('C1', 'case'), version: 6 } },
      });
      assert.deepEqual(
        (await store.listRecords('olark:c1')).map((r) => [r.record.action, r.version]),
        [
          ['case', 6],
          ['lead', 5],
        ],
      );
    });

    it('retry: back to pending at the given time with the error, the try counted', async () => {
      const claimed = await running('c1');
      const attempt = {
        jobId: claimed.id,
        startedAt: at(1),
        durationMs: 9,
        outcome: 'transient' as const,
        crmStatus: 503,
        error: 'CRM_UNAVAILABLE: 503',
        errorCode: 'CRM_UNAVAILABLE',
      };
      assert.equal(
        await store.finishJob({
          jobId: claimed.id,
          owner: 'worker-a',
          now: at(10),
          attempt,
          result: { kind: 'retry', nextAttemptAt: at(30_000), error: { code: 'CRM_UNAVAILABLE', message: '503' } },
        }),
        true,
      );
      assert.deepEqual(await job(claimed.id), {
        id: claimed.id,
        conversationKey: 'olark:c1',
        kind: 'deliver',
        then: [],
        state: 'pending',
        attempts: 1,
        nextAttemptAt: at(30_000),
        lastError: 'CRM_UNAVAILABLE: 503',
        lastErrorCode: 'CRM_UNAVAILABLE',
        createdAt: T0,
        updatedAt: at(10),
      });
      assert.deepEqual(await store.listAttempts(claimed.id), [attempt]);
    });

    it('dead: the job stops with its reason', async () => {
      const claimed = await running('c1');
      const attempt = {
        jobId: claimed.id,
        startedAt: at(1),
        durationMs: 3,
        outcome: 'permanent' as const,
        crmStatus: 401,
        error: 'CRM_AUTH: bad token',
        errorCode: 'CRM_AUTH',
      };
      assert.equal(
        await store.finishJob({
          jobId: claimed.id,
          owner: 'worker-a',
          now: at(10),
          attempt,
          result: { kind: 'dead', error: { code: 'CRM_AUTH', message: 'bad token' } },
        }),
        true,
      );
      const dead = await job(claimed.id);
      assert.equal(dead.state, 'dead');
      assert.equal(dead.lastError, 'CRM_AUTH: bad token');
      assert.equal(dead.lastErrorCode, 'CRM_AUTH');
      assert.equal(dead.attempts, 1);
      assert.equal('leaseOwner' in dead, false);
      assert.deepEqual(
        (await store.listJobs('dead', 10)).map((j) => j.id),
        [claimed.id],
      );
      assert.deepEqual(await store.claimDueJobs('worker-b', at(1_000_000), LEASE, 10), []);
    });

    it('release: back to pending without an attempt, keeping the last error', async () => {
      const claimed = await running('c1');
      await store.finishJob({
        jobId: claimed.id,
        owner: 'worker-a',
        now: at(1),
        attempt: { jobId: claimed.id, startedAt: at(1), durationMs: 1, outcome: 'transient', error: 'E: one', errorCode: 'E' },
        result: { kind: 'retry', nextAttemptAt: at(2), error: { code: 'E', message: 'one' } },
      });
      defined(await store.claimJob(claimed.id, 'worker-a', at(3), LEASE), 'reclaim');
      assert.equal(
        await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(4), result: { kind: 'release', nextAttemptAt: at(4) } }),
        true,
      );
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
      assert.deepEqual(
        (await store.listAttempts(claimed.id)).map((a) => a.outcome),
        ['abandoned'],
      );
      assert.equal((await store.getRecord('olark:c1', 'lead', 'local'))?.record.id, 'L1');
      assert.equal(await store.finishJob({ jobId: 'no-such-job', owner: 'worker-a', now: at(1), result: { kind: 'done' } }), false);
    });

    for (const kind of ['retry', 'release'] as const) {
      it(`${kind} while a newer job is pending: this one is done, superseded by it`, async () => {
        const first = await running('c1');
        const jobId = queued(await store.intake({ conversation: conversation('c1'), now: at(1) }));
        const result =
          kind === 'retry' ? { kind, nextAttemptAt: at(100), error: { code: 'E', message: 'x' } } : { kind, nextAttemptAt: at(100) };
        assert.equal(await store.finishJob({ jobId: first.id, owner: 'worker-a', now: at(2), result }), true);
        const superseded = await job(first.id);
        assert.equal(superseded.state, 'done');
        assert.equal(superseded.lastError, `superseded by job ${jobId}`);
        assert.equal((await job(jobId)).state, 'pending');
        assert.deepEqual(await store.queueStats(), {
          pending: 1,
          running: 0,
          dead: 0,
          done: 1,
          expired: 0,
          failing: 0,
          oldestPendingAt: at(1),
        });
      });
    }
  });

  describe('a step handing on what it found', () => {
    it('fetch: merges the transcript, the facts into meta and a decided record type, and queues the next step', async () => {
      const { claimed } = await store.intake({
        conversation: conversation('f1', { messages: [] }),
        plan: ['fetch', 'deliver'],
        meta: { a: '1', b: '2' },
        now: T0,
        claim: { owner: 'worker-a', leaseMs: LEASE },
      });
      const fetch = defined(claimed, 'claimed fetch');
      const full = conversation('f1');
      const ok = await store.finishJob({
        jobId: fetch.id,
        owner: 'worker-a',
        now: at(10),
        result: { kind: 'done', conversation: full, meta: { b: '3', c: '4' }, forced: 'case', next: { kind: 'deliver', then: [] } },
      });
      assert.equal(ok, true);
      const stored = defined(await store.getConversation('olark:f1'), 'stored');
      assert.deepEqual(stored.conversation.messages, full.messages);
      assert.equal(stored.version, 2);
      assert.deepEqual(stored.meta, { a: '1', b: '3', c: '4' });
      assert.equal(stored.forced, 'case');
      assert.equal((await store.latestJob('olark:f1', 'deliver'))?.state, 'pending');
    });

    it('lookup: keeps the person found (with name and company), and forgets it on a later lookup that finds nobody', async () => {
      const { claimed } = await store.intake({
        conversation: conversation('p1'),
        plan: ['lookup'],
        now: T0,
        claim: { owner: 'worker-a', leaseMs: LEASE },
      });
      const person = { type: 'contact', id: '7', url: 'https://crm.example/7', name: 'Ada', company: 'Engines' };
      await store.finishJob({ jobId: defined(claimed, 'lookup').id, owner: 'worker-a', now: at(5), result: { kind: 'done', person } });
      assert.deepEqual((await store.getConversation('olark:p1'))?.person, person);
      const again = await store.intake({
        conversation: conversation('p1'),
        dedupKey: 'second',
        plan: ['lookup'],
        now: at(10),
        claim: { owner: 'worker-a', leaseMs: LEASE },
      });
      await store.finishJob({
        jobId: defined(again.claimed, 'lookup').id,
        owner: 'worker-a',
        now: at(15),
        result: { kind: 'done', person: null },
      });
      assert.equal((await store.getConversation('olark:p1'))?.person, undefined);
    });
  });

  describe('reviveJob', () => {
    const dead = async (id: string, now = T0): Promise<Job> => {
      const claimed = await running(id, 'worker-a', now);
      await store.finishJob({
        jobId: claimed.id,
        owner: 'worker-a',
        now,
        attempt: { jobId: claimed.id, startedAt: now, durationMs: 1, outcome: 'permanent', error: 'E: no', errorCode: 'E' },
        result: { kind: 'dead', error: { code: 'E', message: 'no' } },
      });
      return job(claimed.id);
    };

    it('puts a dead job back to pending with its attempts reset', async () => {
      const gone = await dead('c1');
      const revived = defined(await store.reviveJob(gone.id, at(500)), 'revived');
      assert.deepEqual(revived, {
        id: gone.id,
        conversationKey: 'olark:c1',
        kind: 'deliver',
        then: [],
        state: 'pending',
        attempts: 0,
        nextAttemptAt: at(500),
        createdAt: T0,
        updatedAt: at(500),
      });
      assert.deepEqual(
        (await store.claimDueJobs('worker-b', at(500), LEASE, 5)).map((j) => j.id),
        [gone.id],
      );
    });

    it('revives only dead jobs', async () => {
      const jobId = queued(await store.intake({ conversation: conversation('c1'), now: T0 }));
      assert.equal(await store.reviveJob(jobId, at(1)), undefined);
      assert.equal((await job(jobId)).state, 'pending');
      const claimed = defined(await store.claimJob(jobId, 'worker-a', at(1), LEASE), 'claim');
      assert.equal(await store.reviveJob(claimed.id, at(2)), undefined);
      assert.equal((await job(jobId)).leaseOwner, 'worker-a');
      assert.equal(await store.reviveJob('no-such-job', at(2)), undefined);
    });

    it('hands over to the pending job when a newer intake queued one', async () => {
      const gone = await dead('c1');
      const jobId = queued(await store.intake({ conversation: conversation('c1'), now: at(10) }));
      const revived = defined(await store.reviveJob(gone.id, at(20)), 'revived');
      assert.equal(revived.id, jobId);
      assert.equal(revived.state, 'pending');
      const old = await job(gone.id);
      assert.equal(old.state, 'done');
      assert.equal(old.lastError, `superseded by job ${jobId}`);
      assert.equal((await store.queueStats()).pending, 1);
    });
  });
};
