/** Settings and intake: what the service keeps, and how a repeated conversation merges. */
import assert from 'node:assert/strict';
import type { Store } from '../../../src/storage/store';
import { at, conversation, messages, T0, withVisitor } from '../fixtures';
import { defined, type Contract } from './context';

export const settingsAndIntake = (contract: Contract): void => {
  let store: Store;
  beforeEach(() => {
    store = contract.store();
  });
  const { running, job } = contract;

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
      const { stored, jobId, duplicate } = await store.intake({ conversation: c, now: T0 });
      assert.equal(duplicate, false);
      assert.deepEqual(stored, { key: 'olark:c1', conversation: c, version: 1, meta: {}, updatedAt: T0 });
      assert.deepEqual(await store.getConversation('olark:c1'), stored);
      const pending = await job(jobId ?? '');
      assert.deepEqual(pending, {
        id: jobId,
        conversationKey: 'olark:c1',
        kind: 'deliver',
        then: [],
        state: 'pending',
        attempts: 0,
        nextAttemptAt: T0,
        createdAt: T0,
        updatedAt: T0,
      });
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
      assert.equal((await job(second.jobId!)).state, 'pending');
      assert.equal((await job(first.id)).state, 'running');
      const third = await store.intake({ conversation: conversation('c1'), now: at(2) });
      assert.equal(third.jobId, second.jobId);
      assert.equal((await store.latestJob('olark:c1'))?.id, second.jobId);
      assert.deepEqual(await store.queueStats(), {
        pending: 1,
        running: 1,
        dead: 0,
        done: 0,
        expired: 0,
        failing: 0,
        oldestPendingAt: at(1),
      });
    });

    it('serializes concurrent intakes of one conversation', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.intake({ conversation: conversation('busy', { messages: messages(i + 1) }), now: at(i) }),
        ),
      );
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
};
