/** The console's reads: conversation states kept by the database, keyset pages, search, attention lists. */
import assert from 'node:assert/strict';
import type { Store } from '../../../src/storage/store';
import type { ConversationPage } from '../../../src/storage/console';
import { at, conversation, record, stepError, withVisitor, queued } from '../fixtures';
import { defined, LEASE, type Contract } from './context';

export const consoleViews = (contract: Contract): void => {
  let store: Store;
  beforeEach(() => {
    store = contract.store();
  });
  const { running } = contract;
  const keys = (page: ConversationPage) => page.conversations.map((c) => c.key);

  describe('console views', () => {
    it('a conversation is pending, failing, dead, delivered again after replay, as its steps go', async () => {
      const claimed = await running('s1', 'worker-a', at(0));
      assert.equal(await store.conversationState('olark:s1'), 'pending');
      await store.finishJob({
        jobId: claimed.id,
        owner: 'worker-a',
        now: at(1),
        result: { kind: 'retry', nextAttemptAt: at(2), error: { code: 'CRM_UNAVAILABLE', message: '503' } },
      });
      assert.equal(await store.conversationState('olark:s1'), 'failing');
      const again = defined(await store.claimJob(claimed.id, 'worker-a', at(3), LEASE), 'claimed again');
      assert.equal(await store.conversationState('olark:s1'), 'failing', 'a retry in flight still failed before');
      await store.finishJob({
        jobId: again.id,
        owner: 'worker-a',
        now: at(4),
        result: { kind: 'dead', error: { code: 'CRM_AUTH', message: 'token refused' } },
      });
      assert.equal(await store.conversationState('olark:s1'), 'dead');
      const revived = defined(await store.reviveJob(claimed.id, at(5)), 'revived');
      assert.equal(await store.conversationState('olark:s1'), 'pending');
      defined(await store.claimJob(revived.id, 'worker-a', at(6), LEASE), 'claimed after revive');
      await store.finishJob({
        jobId: revived.id,
        owner: 'worker-a',
        now: at(7),
        result: { kind: 'done', next: { kind: 'notify', then: [] } },
      });
      assert.equal(await store.conversationState('olark:s1'), 'pending', 'the notify step queued after it is pending');
      const notify = defined(await store.latestJob('olark:s1', 'notify'), 'notify job');
      defined(await store.claimJob(notify.id, 'worker-a', at(8), LEASE), 'claimed notify');
      await store.finishJob({
        jobId: notify.id,
        owner: 'worker-a',
        now: at(9),
        result: { kind: 'expired', error: { code: 'EXPIRED', message: 'the chat is over' } },
      });
      assert.equal(await store.conversationState('olark:s1'), 'expired');
      await store.intake({ conversation: conversation('s1', { messages: [] }), plan: [], now: at(10) });
      assert.equal(await store.conversationState('olark:s1'), 'expired', 'an intake without steps changes no state');
      assert.equal(await store.conversationState('olark:none'), undefined);
    });

    it('the state follows what the ingest path skips reading: a release keeps failing, a new step revives an expired one', async () => {
      const claimed = await running('s2', 'worker-a', at(0));
      await store.finishJob({
        jobId: claimed.id,
        owner: 'worker-a',
        now: at(1),
        result: { kind: 'retry', nextAttemptAt: at(2), error: { code: 'CRM_UNAVAILABLE', message: '503' } },
      });
      defined(await store.claimJob(claimed.id, 'worker-b', at(3), LEASE), 'claimed again');
      await store.finishJob({ jobId: claimed.id, owner: 'worker-b', now: at(4), result: { kind: 'release', nextAttemptAt: at(5) } });
      assert.equal(await store.conversationState('olark:s2'), 'failing', 'released without an attempt: the error still stands');
      assert.equal((await contract.job(claimed.id)).lastErrorCode, 'CRM_UNAVAILABLE', 'and its code with it');
      defined(await store.claimJob(claimed.id, 'worker-b', at(6), LEASE), 'claimed a third time');
      await store.finishJob({
        jobId: claimed.id,
        owner: 'worker-b',
        now: at(7),
        result: { kind: 'expired', error: { code: 'CRM_UNAVAILABLE', message: '503 (gave up)' } },
      });
      assert.equal(await store.conversationState('olark:s2'), 'expired');
      await store.intake({ conversation: conversation('s2'), now: at(8) });
      assert.equal(await store.conversationState('olark:s2'), 'pending', 'a new step: work again');
      assert.deepEqual(
        keys(await store.listConversations({ state: 'pending', limit: 10 })),
        ['olark:s2'],
        'the state column the console filters by, not only conversationState',
      );
    });

    it('a listed conversation carries its newest record, of whichever CRM made it', async () => {
      const first = await running('r1', 'worker-a', at(1));
      await store.finishJob({
        jobId: first.id,
        owner: 'worker-a',
        now: at(2),
        result: { kind: 'done', record: { conversationKey: 'olark:r1', value: record('L-1', 'lead', 'local'), version: 1 } },
      });
      await store.intake({ conversation: withVisitor('r2', { email: 'r2@example.com' }), plan: [], now: at(3) });
      const listed = async () => new Map((await store.listConversations({ limit: 10 })).conversations.map((c) => [c.id, c.record]));
      assert.deepEqual((await listed()).get('r1'), record('L-1', 'lead', 'local'));
      assert.equal((await listed()).get('r2'), undefined);
      const second = await running('r1', 'worker-a', at(4));
      await store.finishJob({
        jobId: second.id,
        owner: 'worker-a',
        now: at(5),
        result: { kind: 'done', record: { conversationKey: 'olark:r1', value: record('H-1', 'case', 'hubspot'), version: 1 } },
      });
      assert.deepEqual((await listed()).get('r1'), record('H-1', 'case', 'hubspot'));
      const searched = await store.listConversations({ q: 'r1', limit: 10 });
      assert.deepEqual(
        searched.conversations.map((c) => c.record?.id),
        ['H-1'],
        'a search reads the record too',
      );
    });

    it('lists newest first, in keyset pages that neither repeat nor skip, ties broken by key', async () => {
      for (let i = 0; i < 7; i++) await store.intake({ conversation: conversation(`k${i}`), plan: [], now: at(i < 4 ? 100 : 100 + i) });
      const first = await store.listConversations({ limit: 3 });
      assert.deepEqual(keys(first), ['olark:k6', 'olark:k5', 'olark:k4']);
      const second = await store.listConversations({ limit: 3, after: defined(first.next, 'cursor') });
      assert.deepEqual(keys(second), ['olark:k3', 'olark:k2', 'olark:k1'], 'same updated_at: by key, descending');
      const third = await store.listConversations({ limit: 3, after: defined(second.next, 'cursor') });
      assert.deepEqual(keys(third), ['olark:k0']);
      assert.equal(third.next, undefined);
      const exact = await store.listConversations({ limit: 7 });
      assert.equal(exact.next, undefined, 'no cursor when nothing follows');
    });

    it('filters by platform and state, and shows the visitor from the snapshot', async () => {
      await store.intake({ conversation: withVisitor('a1', { name: 'Ann Lee', email: 'Ann@Example.com' }), now: at(1) });
      await store.intake({ conversation: { ...conversation('b1'), source: 'livechat' }, now: at(2) });
      const dying = await running('c1', 'worker-a', at(3));
      await store.finishJob({
        jobId: dying.id,
        owner: 'worker-a',
        now: at(4),
        result: { kind: 'dead', error: { code: 'CRM_AUTH', message: 'refused' } },
      });
      assert.deepEqual(keys(await store.listConversations({ source: 'livechat', limit: 10 })), ['livechat:b1']);
      assert.deepEqual(keys(await store.listConversations({ state: 'dead', limit: 10 })), ['olark:c1']);
      assert.deepEqual(keys(await store.listConversations({ source: 'olark', state: 'pending', limit: 10 })), ['olark:a1']);
      assert.deepEqual(keys(await store.listConversations({ source: 'livechat', state: 'dead', limit: 10 })), []);
      const [ann] = (await store.listConversations({ q: 'ann@example.com', limit: 10 })).conversations;
      assert.deepEqual(ann, {
        key: 'olark:a1',
        source: 'olark',
        id: 'a1',
        visitorName: 'Ann Lee',
        visitorEmail: 'Ann@Example.com',
        state: 'pending',
        updatedAt: at(1),
      });
    });

    it('searches id, email and name, case-insensitively; prefixes only from three characters; LIKE signs are literal', async () => {
      await store.intake({
        conversation: withVisitor('PJ0MRSHTDG', { name: 'Zoë Martin', email: 'zoe@shop.example' }),
        plan: [],
        now: at(1),
      });
      await store.intake({ conversation: withVisitor('x_1', { name: 'Max', email: 'max%@corp.example' }), plan: [], now: at(2) });
      await store.intake({ conversation: withVisitor('x21', { name: 'Maxine' }), plan: [], now: at(3) });
      const find = async (q: string) => keys(await store.listConversations({ q, limit: 10 }));
      assert.deepEqual(await find('pj0mrshtdg'), ['olark:PJ0MRSHTDG']);
      assert.deepEqual(await find('ZOE@SHOP.EXAMPLE'), ['olark:PJ0MRSHTDG']);
      assert.deepEqual(await find('zoë'), ['olark:PJ0MRSHTDG'], 'name prefix');
      assert.deepEqual(await find('max'), ['olark:x21', 'olark:x_1'], 'prefix of two names, newest first');
      assert.deepEqual(await find('ma'), [], 'two characters: whole values only');
      assert.deepEqual(await find('max%'), ['olark:x_1'], '% is a character, not a wildcard');
      assert.deepEqual(await find('x_1'), ['olark:x_1'], '_ is a character, not a wildcard');
      assert.deepEqual(await find('nobody'), []);
      const paged = await store.listConversations({ q: 'max', limit: 1 });
      assert.deepEqual(keys(paged), ['olark:x21']);
      assert.deepEqual(keys(await store.listConversations({ q: 'max', limit: 1, after: defined(paged.next, 'cursor') })), ['olark:x_1']);
    });

    it('search combines with the platform and state filters', async () => {
      await store.intake({ conversation: withVisitor('o1', { name: 'Sam One', email: 'sam@one.example' }), plan: [], now: at(1) });
      await store.intake({ conversation: { ...withVisitor('l1', { name: 'Sam Two' }), source: 'livechat' }, now: at(2) });
      await store.intake({ conversation: withVisitor('o2', { name: 'Sam Three' }), now: at(3) });
      const find = async (filter: { source?: string; state?: 'pending' | 'delivered' }) =>
        keys(await store.listConversations({ q: 'sam', limit: 10, ...filter }));
      assert.deepEqual(await find({ source: 'olark' }), ['olark:o2', 'olark:o1']);
      assert.deepEqual(await find({ state: 'pending' }), ['olark:o2', 'livechat:l1']);
      assert.deepEqual(await find({ source: 'olark', state: 'delivered' }), ['olark:o1']);
      assert.deepEqual(keys(await store.listConversations({ q: 'sam@one.example', source: 'livechat', limit: 10 })), []);
    });

    it('failing and dead steps, dead ones grouped by error code with the newest example', async () => {
      const fail = async (id: string, error: string, kind: 'retry' | 'dead', now: number) => {
        const job = await running(id, 'worker-a', at(now));
        await store.finishJob({
          jobId: job.id,
          owner: 'worker-a',
          now: at(now + 1),
          result: kind === 'dead' ? { kind, error: stepError(error) } : { kind, error: stepError(error), nextAttemptAt: at(now + 1000) },
        });
        return job.id;
      };
      const retrying = await fail('f1', 'CRM_UNAVAILABLE: 503', 'retry', 10);
      const d1 = await fail('d1', 'CRM_AUTH: token refused', 'dead', 20);
      const d2 = await fail('d2', 'CRM_AUTH: token expired', 'dead', 30);
      // The code is the column written with the error, whatever colons its message holds.
      const d3 = await fail('d3', 'SOURCE_GONE: chat: deleted', 'dead', 40);
      assert.deepEqual(
        (await store.failingJobs(10)).map((j) => j.id),
        [retrying],
      );
      assert.deepEqual(await store.deadErrorGroups(10), [
        { code: 'SOURCE_GONE', count: 1, example: 'SOURCE_GONE: chat: deleted', newestAt: at(41) },
        { code: 'CRM_AUTH', count: 2, example: 'CRM_AUTH: token expired', newestAt: at(31) },
      ]);
      assert.deepEqual(
        (await store.deadJobsWithCode('CRM_AUTH', 10)).map((j) => j.id),
        [d2, d1],
      );
      assert.deepEqual(
        (await store.deadJobsWithCode('CRM_AUTH', 1)).map((j) => j.id),
        [d2],
      );
      assert.deepEqual(
        (await store.deadJobsWithCode('CRM', 10)).map((j) => j.id),
        [],
      );
      assert.deepEqual(
        (await store.deadJobsWithCode('SOURCE_GONE', 10)).map((j) => j.id),
        [d3],
      );
    });

    it('platform activity: the newest event received, and the newest error that still stands', async () => {
      assert.deepEqual(await store.sourceActivity('olark'), {});
      await store.intake({ conversation: conversation('e1'), dedupKey: 'ev-1', now: at(5) });
      await store.intake({ conversation: conversation('e2'), dedupKey: 'ev-2', now: at(9) });
      await store.intake({ conversation: { ...conversation('l1'), source: 'livechat' }, dedupKey: 'ev-3', now: at(50) });
      const job = defined(
        await store.claimJob(queued(await store.intake({ conversation: conversation('e3'), now: at(10) })), 'worker-a', at(10), LEASE),
        'claimed',
      );
      await store.finishJob({
        jobId: job.id,
        owner: 'worker-a',
        now: at(11),
        result: { kind: 'retry', nextAttemptAt: at(99), error: { code: 'CRM_UNAVAILABLE', message: '503' } },
      });
      const olark = await store.sourceActivity('olark');
      assert.deepEqual(olark.lastEventAt, at(9));
      assert.equal(olark.lastStepError?.id, job.id);
      assert.equal(olark.lastStepError?.lastError, 'CRM_UNAVAILABLE: 503');
      assert.deepEqual(await store.sourceActivity('livechat'), { lastEventAt: at(50) });
      const retaken = defined(await store.claimJob(job.id, 'worker-a', at(100), LEASE), 'retaken');
      await store.finishJob({ jobId: retaken.id, owner: 'worker-a', now: at(101), result: { kind: 'done' } });
      assert.equal((await store.sourceActivity('olark')).lastStepError, undefined, 'a step that got through clears it');
    });
  });
};
