/** Queue views, and data that must come back exactly as stored. */
import assert from 'node:assert/strict';
import { conversationKey, type Store } from '../../../src/storage/store';
import { at, conversation, record, T0, queued } from '../fixtures';
import { defined, LEASE, keyOf, type Contract } from './context';

export const views = (contract: Contract): void => {
  let store: Store;
  beforeEach(() => {
    store = contract.store();
  });
  const { running, job } = contract;

  describe('queue views', () => {
    it('queueStats counts each state and dates the oldest pending job', async () => {
      assert.deepEqual(await store.queueStats(), { pending: 0, running: 0, dead: 0, done: 0, expired: 0, failing: 0 });
      await store.intake({ conversation: conversation('p1'), now: at(300) });
      await store.intake({ conversation: conversation('p2'), now: at(100) });
      await running('r1', 'worker-a', at(50));
      const d = await running('d1', 'worker-a', at(10));
      await store.finishJob({
        jobId: d.id,
        owner: 'worker-a',
        now: at(20),
        result: { kind: 'dead', error: { code: 'E', message: 'gone' } },
      });
      const ok = await running('ok1', 'worker-a', at(5));
      await store.finishJob({ jobId: ok.id, owner: 'worker-a', now: at(6), result: { kind: 'done' } });
      assert.deepEqual(await store.queueStats(), {
        pending: 2,
        running: 1,
        dead: 1,
        done: 1,
        expired: 0,
        failing: 0,
        oldestPendingAt: at(100),
      });
    });

    it('queueStats counts as failing the pending and running jobs with a failed attempt, not the dead or fresh ones', async () => {
      const attempt = (jobId: string, outcome: 'transient' | 'permanent') => ({
        jobId,
        startedAt: at(1),
        durationMs: 5,
        outcome,
        error: 'CRM_UNAVAILABLE: 503',
        errorCode: 'CRM_UNAVAILABLE',
      });
      await store.intake({ conversation: conversation('fresh'), now: at(0) });
      const retried = await running('retried', 'worker-a', at(0));
      await store.finishJob({
        jobId: retried.id,
        owner: 'worker-a',
        now: at(2),
        attempt: attempt(retried.id, 'transient'),
        result: { kind: 'retry', nextAttemptAt: at(3), error: { code: 'CRM_UNAVAILABLE', message: '503' } },
      });
      const released = await running('released', 'worker-a', at(0));
      await store.finishJob({ jobId: released.id, owner: 'worker-a', now: at(2), result: { kind: 'release', nextAttemptAt: at(3) } });
      const dead = await running('dead', 'worker-a', at(0));
      await store.finishJob({
        jobId: dead.id,
        owner: 'worker-a',
        now: at(2),
        attempt: attempt(dead.id, 'permanent'),
        result: { kind: 'dead', error: { code: 'CRM_UNAUTHORIZED', message: '401' } },
      });
      assert.equal((await store.queueStats()).failing, 1, 'the retried job only');
      assert.ok((await store.claimJob(retried.id, 'worker-b', at(10), LEASE)) !== undefined);
      const stats = await store.queueStats();
      assert.deepEqual([stats.failing, stats.running, stats.pending, stats.dead], [1, 1, 2, 1], 'still failing while its next try runs');
    });

    it('listJobs filters by state, newest change first, up to the limit', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const claimed = await running(`c${i}`, 'worker-a', at(i));
        await store.finishJob({ jobId: claimed.id, owner: 'worker-a', now: at(100 + i), result: { kind: 'done' } });
        ids.push(claimed.id);
      }
      await store.intake({ conversation: conversation('pending'), now: at(500) });
      assert.deepEqual(
        (await store.listJobs('done', 3)).map((j) => j.id),
        [ids[3], ids[2], ids[1]],
      );
      assert.equal((await store.listJobs('pending', 10)).length, 1);
      assert.deepEqual(await store.listJobs('running', 10), []);
    });

    it('latestJob is the newest job of the conversation', async () => {
      const first = await running('c1');
      const jobId = queued(await store.intake({ conversation: conversation('c1'), now: at(1) }));
      await store.intake({ conversation: conversation('c2'), now: at(2) });
      assert.notEqual(jobId, first.id);
      assert.equal((await store.latestJob('olark:c1'))?.id, jobId);
    });

    it("listAttempts keeps every try of a job in order, and only that job's", async () => {
      const claimed = await running('c1', 'worker-a', T0, 1000);
      await running('c2');
      const taken = defined(await store.claimJob(claimed.id, 'worker-b', at(5000), LEASE), 'takeover');
      await store.finishJob({
        jobId: taken.id,
        owner: 'worker-b',
        now: at(5100),
        attempt: {
          jobId: taken.id,
          startedAt: at(5000),
          durationMs: 100,
          outcome: 'transient',
          crmStatus: 429,
          error: 'RATE: slow down',
          errorCode: 'RATE',
        },
        result: { kind: 'retry', nextAttemptAt: at(6000), error: { code: 'RATE', message: 'slow down' } },
      });
      defined(await store.claimJob(taken.id, 'worker-b', at(6000), LEASE), 'retry claim');
      await store.finishJob({
        jobId: taken.id,
        owner: 'worker-b',
        now: at(6100),
        attempt: { jobId: taken.id, startedAt: at(6000), durationMs: 80, outcome: 'skipped' },
        result: { kind: 'done' },
      });
      assert.deepEqual(
        (await store.listAttempts(taken.id)).map((a) => [a.outcome, a.crmStatus, a.durationMs]),
        [
          ['abandoned', undefined, 0],
          ['transient', 429, 100],
          ['skipped', undefined, 80],
        ],
      );
      assert.equal((await job(taken.id)).attempts, 3);
      assert.deepEqual(await store.listAttempts('no-such-job'), []);
    });
  });

  describe('data round trips', () => {
    it('keeps unicode, exact times and absent optional fields as they were', async () => {
      const c = conversation('ünï-😀', {
        visitor: { name: 'Zoë 张伟 محمد', email: 'zoe@exämple.com', countryCode: 'FR' },
        messages: [
          {
            role: 'visitor',
            author: 'Zoë',
            body: 'Bonjour "quotes" \'and\' \\ back\nnew line 😀 ‮rtl',
            at: new Date('2026-03-01T09:00:00.123Z'),
          },
          { role: 'operator', author: 'Ann', body: '', at: new Date('1999-12-31T23:59:59.999Z') },
          { role: 'system', author: 'Olark', body: 'x'.repeat(20_000), at: new Date('2026-03-01T09:00:01.000Z') },
        ],
        tags: ['vip', 'é'],
        groups: ['Support FR'],
        operators: [
          { id: 'op1', name: 'Ann' },
          { id: 'op2', name: 'Bob', email: 'bob@example.com' },
        ],
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
      const jobId = queued(await store.intake({ conversation: conversation('c1'), now: T0 }));
      const pending = await job(jobId);
      for (const field of ['leaseOwner', 'leaseExpiresAt', 'lastError']) assert.equal(field in pending, false, field);
      const [attempt] = await (async () => {
        const claimed = defined(await store.claimJob(jobId, 'w', T0, LEASE), 'claim');
        await store.finishJob({
          jobId: claimed.id,
          owner: 'w',
          now: at(1),
          attempt: { jobId, startedAt: T0, durationMs: 1, outcome: 'ok' },
          result: { kind: 'done' },
        });
        return store.listAttempts(jobId);
      })();
      assert.equal('crmStatus' in defined(attempt, 'attempt'), false);
      assert.equal('error' in defined(attempt, 'attempt'), false);
      assert.equal('lastError' in (await job(jobId)), false);
    });

    it('keeps record refs and reads records back as stored', async () => {
      const claimed = await running('c1');
      const value = { ...record('T-9', 'case', 'hubspot'), refs: { note: 'n-1', contact: 'ç-2' } };
      await store.finishJob({
        jobId: claimed.id,
        owner: 'worker-a',
        now: at(7),
        result: { kind: 'done', record: { conversationKey: 'olark:c1', value, version: 1 } },
      });
      assert.deepEqual(await store.listRecords('olark:c1'), [{ record: value, version: 1, updatedAt: at(7) }]);
    });

    it('lists the records of every CRM the conversation went to, newest first (CRM switched on one database)', async () => {
      const first = await running('c1', 'worker-a', at(1));
      const local = record('L-1', 'lead', 'local');
      await store.finishJob({
        jobId: first.id,
        owner: 'worker-a',
        now: at(2),
        result: { kind: 'done', record: { conversationKey: 'olark:c1', value: local, version: 1 } },
      });
      const second = await running('c1', 'worker-a', at(3));
      const hubspot = record('H-1', 'case', 'hubspot');
      await store.finishJob({
        jobId: second.id,
        owner: 'worker-a',
        now: at(4),
        result: { kind: 'done', record: { conversationKey: 'olark:c1', value: hubspot, version: 2 } },
      });
      assert.deepEqual(
        (await store.listRecords('olark:c1')).map((r) => [r.record.crm, r.record.id]),
        [
          ['hubspot', 'H-1'],
          ['local', 'L-1'],
        ],
      );
    });
  });
};
