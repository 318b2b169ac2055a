/** Claiming jobs: due times, limits, expired leases, and one delivery per conversation at a time. */
import assert from 'node:assert/strict';
import type { Store } from '../../../src/storage/store';
import { at, conversation, T0, queued } from '../fixtures';
import { defined, LEASE, type Contract } from './context';

export const claims = (contract: Contract): void => {
  let store: Store;
  beforeEach(() => {
    store = contract.store();
  });
  const { running, job } = contract;

  describe('claimJob', () => {
    it('leases a pending job to its owner', async () => {
      const jobId = queued(await store.intake({ conversation: conversation('c1'), now: T0 }));
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
      await store.finishJob({
        jobId: dead.id,
        owner: 'worker-a',
        now: at(1),
        result: { kind: 'dead', error: { code: 'BAD', message: 'no' } },
      });
      assert.equal(await store.claimJob(done.id, 'worker-b', at(2), LEASE), undefined);
      assert.equal(await store.claimJob(dead.id, 'worker-b', at(2), LEASE), undefined);
      assert.equal(await store.claimJob('no-such-job', 'worker-b', at(2), LEASE), undefined);
    });

    it("holds back a conversation's pending job while another of its jobs has a live lease", async () => {
      const first = await running('c1', 'worker-a', T0, 1000);
      const jobId = queued(await store.intake({ conversation: conversation('c1'), now: at(1) }));
      assert.equal(await store.claimJob(jobId, 'worker-b', at(1000), LEASE), undefined);
      const second = defined(await store.claimJob(jobId, 'worker-b', at(1001), LEASE), 'claim after the lease ran out');
      assert.equal(second.leaseOwner, 'worker-b');
      assert.equal(await store.claimJob(first.id, 'worker-c', at(1002), LEASE), undefined, 'the expired job waits for the live one');
    });
  });

  describe('claimDueJobs', () => {
    it('takes only jobs that are due', async () => {
      const claimed = await running('c1');
      await store.finishJob({
        jobId: claimed.id,
        owner: 'worker-a',
        now: at(1),
        result: { kind: 'retry', nextAttemptAt: at(10_000), error: { code: 'E', message: 'later' } },
      });
      assert.deepEqual(await store.claimDueJobs('worker-b', at(9_999), LEASE, 10), []);
      const due = await store.claimDueJobs('worker-b', at(10_000), LEASE, 10);
      assert.deepEqual(
        due.map((j) => [j.id, j.leaseOwner]),
        [[claimed.id, 'worker-b']],
      );
    });

    it('with batching, fills `limit` slots: up to `size` deliveries share one, any other step takes one, the rest stay pending', async () => {
      // Oldest first: fetch, deliver ×5, fetch, deliver; two slots, deliveries three to a slot.
      const kinds = ['fetch', 'deliver', 'deliver', 'deliver', 'deliver', 'deliver', 'fetch', 'deliver'] as const;
      const ids: string[] = [];
      for (const [i, kind] of kinds.entries())
        ids.push(defined((await store.intake({ conversation: conversation(`m${i}`), plan: [kind], now: at(i) })).jobId, 'job'));
      const claimed = await store.claimDueJobs('worker-a', at(100), LEASE, 2, { kind: 'deliver', size: 3 });
      // The first fetch takes a slot, three deliveries the other; the fourth delivery would open a third slot.
      assert.deepEqual(
        claimed.map((j) => j.id),
        [ids[0], ids[1], ids[2], ids[3]],
      );
      const left = await store.claimDueJobs('worker-b', at(100), LEASE, 10);
      assert.deepEqual(
        left.map((j) => j.id),
        ids.slice(4),
      );
    });

    it('with a batch wait, leaves a short batch of deliveries for later while other steps are due, and not once they are old enough', async () => {
      const ids: string[] = [];
      for (const [i, kind] of (['deliver', 'deliver', 'fetch'] as const).entries())
        ids.push(defined((await store.intake({ conversation: conversation(`w${i}`), plan: [kind], now: at(i) })).jobId, 'job'));
      const mix = { kind: 'deliver', size: 3, waitMs: 1000 } as const;
      // A fetch is due (it will make another delivery): the two deliveries wait for a fuller batch.
      const first = await store.claimDueJobs('worker-a', at(500), LEASE, 4, mix);
      assert.deepEqual(
        first.map((j) => j.id),
        [ids[2]],
      );
      // The oldest delivery has waited 1,000 ms: they go as they are.
      const second = await store.claimDueJobs('worker-a', at(1000), LEASE, 4, mix);
      assert.deepEqual(
        second.map((j) => j.id),
        ids.slice(0, 2),
      );
    });

    it('with a batch wait, claims deliveries at once when no other step is due', async () => {
      const id = defined((await store.intake({ conversation: conversation('alone'), plan: ['deliver'], now: at(0) })).jobId, 'job');
      const claimed = await store.claimDueJobs('worker-a', at(1), LEASE, 4, { kind: 'deliver', size: 100, waitMs: 60_000 });
      assert.deepEqual(
        claimed.map((j) => j.id),
        [id],
      );
    });

    it('takes at most `limit`, oldest first, and never the same job twice', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store.intake({ conversation: conversation(`c${i}`), now: at(i) })).jobId!);
      const first = await store.claimDueJobs('worker-a', at(100), LEASE, 3);
      const second = await store.claimDueJobs('worker-b', at(100), LEASE, 3);
      assert.deepEqual(
        first.map((j) => j.id),
        ids.slice(0, 3),
      );
      assert.deepEqual(
        second.map((j) => j.id),
        ids.slice(3),
      );
      assert.ok(second.every((j) => j.leaseOwner === 'worker-b' && j.state === 'running'));
      assert.deepEqual(await store.claimDueJobs('worker-c', at(100), LEASE, 3), []);
    });

    it('runs one job per conversation at a time', async () => {
      const first = await running('c1');
      const jobId = queued(await store.intake({ conversation: conversation('c1'), now: at(1) }));
      assert.deepEqual(await store.claimDueJobs('worker-b', at(2), LEASE, 10), []);
      await store.finishJob({ jobId: first.id, owner: 'worker-a', now: at(3), result: { kind: 'done' } });
      assert.deepEqual(
        (await store.claimDueJobs('worker-b', at(4), LEASE, 10)).map((j) => j.id),
        [jobId],
      );
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
      const jobId = queued(await store.intake({ conversation: conversation('free'), now: at(100) }));
      assert.deepEqual(
        (await store.claimDueJobs('worker-b', at(200), LEASE, 1)).map((j) => j.id),
        [jobId],
      );
    });
  });
};
