/**
 * `deliverHere`: a sync webhook's `deliver` to the local CRM written in the intake's own
 * transaction, only when nothing else of the conversation is queued or running, and leaving
 * nothing of itself behind when it fails.
 */
import assert from 'node:assert/strict';
import type { LocalDelivery } from '../../../src/domain/local-records';
import type { CrmRecord } from '../../../src/domain/record';
import type { IntakeInput, Store, StoredConversation } from '../../../src/storage/store';
import { at, conversation, T0, withVisitor } from '../fixtures';
import { defined, keyOf, LEASE, type Contract } from './context';

const change = { created: 'created', added: 'added', updated: 'updated' } as const;
const toRecord = (id: string): CrmRecord => ({
  crm: 'local',
  action: 'lead',
  type: 'lead',
  id,
  url: `http://chat2crm.test/records/${id}`,
  refs: {},
});
const claim = { owner: 'web-a', leaseMs: LEASE };

/** What the pipeline passes: the conversation as stored, as a lead; `seen` collects what it was given. */
const deliverer =
  (seen: StoredConversation[] = []) =>
  (stored: StoredConversation): LocalDelivery => {
    seen.push(stored);
    return { upsert: { conversationKey: stored.key, action: 'lead', conversation: stored.conversation, change }, toRecord };
  };

export const deliverHere = (contract: Contract): void => {
  let store: Store;
  beforeEach(() => {
    store = contract.store();
  });
  const { job } = contract;
  const intake = (input: Omit<IntakeInput, 'claim' | 'deliverHere'>, deliver = deliverer()) =>
    store.intake({ ...input, claim, deliverHere: deliver });

  describe('intake with deliverHere (the local CRM in the intake transaction)', () => {
    it('stores a new conversation delivered: its step done with one attempt, the record at version 1, the conversation delivered', async () => {
      const seen: StoredConversation[] = [];
      const result = await intake(
        { conversation: withVisitor('h1', { name: 'Jo', email: 'jo@example.com' }), dedupKey: 'e1', now: T0 },
        deliverer(seen),
      );
      const delivered = defined(result.delivered, 'delivered');
      assert.equal(result.jobId, undefined, 'no further step');
      assert.equal(result.claimed, undefined);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.version, 1);
      const done = await job(delivered.jobId);
      assert.equal(done.kind, 'deliver');
      assert.equal(done.state, 'done');
      assert.equal(done.attempts, 1);
      assert.equal(done.leaseOwner, undefined);
      const attempts = await store.listAttempts(delivered.jobId);
      assert.deepEqual(
        attempts.map((a) => a.outcome),
        ['ok'],
      );
      const stored = defined(await store.getRecord(keyOf('h1'), 'lead', 'local'), 'record reference');
      assert.deepEqual(stored.record, delivered.record);
      assert.equal(stored.version, 1);
      const local = defined(await store.getLocalRecord(delivered.record.id), 'local record');
      assert.equal(local.email, 'jo@example.com');
      assert.deepEqual(
        local.history.map((h) => h.change),
        ['created'],
      );
      assert.equal(await store.conversationState(keyOf('h1')), 'delivered');
      assert.equal((await store.queueStats()).running, 0);
    });

    it('updates the same record for a repeat with nothing queued, at the new version', async () => {
      const first = defined((await intake({ conversation: conversation('h1'), now: T0 })).delivered, 'first');
      const again = defined((await intake({ conversation: withVisitor('h1', { name: 'Jo Doe' }, 6), now: at(1000) })).delivered, 'repeat');
      assert.equal(again.record.id, first.record.id);
      assert.notEqual(again.jobId, first.jobId);
      assert.equal(defined(await store.getRecord(keyOf('h1'), 'lead', 'local'), 'record').version, 2);
      const local = defined(await store.getLocalRecord(first.record.id), 'local record');
      assert.equal(local.conversation.messages.length, 6);
      assert.deepEqual(
        local.history.map((h) => h.change),
        ['created', 'updated'],
      );
    });

    it('queues and claims as usual while another step of the conversation is running or queued', async () => {
      const running = defined((await store.intake({ conversation: conversation('h1'), now: T0, claim })).claimed, 'first claimed');
      const seen: StoredConversation[] = [];
      const whileRunning = await intake({ conversation: conversation('h1'), now: at(1) }, deliverer(seen));
      assert.equal(whileRunning.delivered, undefined);
      assert.equal(seen.length, 0, 'not even asked');
      assert.equal(whileRunning.claimed, undefined, 'one step of a conversation at a time');
      const pendingId = defined(whileRunning.jobId, 'queued job');
      assert.equal((await job(pendingId)).state, 'pending');
      assert.equal(await store.finishJob({ jobId: running.id, owner: 'web-a', now: at(2), result: { kind: 'done' } }), true);
      const whilePending = await intake({ conversation: conversation('h1'), now: at(3) });
      assert.equal(whilePending.delivered, undefined);
      assert.equal(whilePending.jobId, pendingId, 'the pending job is shared');
      assert.equal(await store.getRecord(keyOf('h1'), 'lead', 'local'), undefined);
    });

    it('leaves nothing of a failed delivery behind, and claims the step to be run as usual', async () => {
      const failing = (stored: StoredConversation): LocalDelivery => ({
        ...deliverer()(stored),
        toRecord: () => {
          throw new Error('boom after the local record was written');
        },
      });
      const result = await intake({ conversation: withVisitor('h1', { name: 'Jo', email: 'unique-h1@example.com' }), now: T0 }, failing);
      assert.equal(result.delivered, undefined);
      const claimed = defined(result.claimed, 'claimed step');
      assert.equal(claimed.kind, 'deliver');
      assert.equal(claimed.state, 'running');
      assert.equal(await store.findLocalRecordByEmail('unique-h1@example.com'), undefined);
      const places = await contract.scan('unique-h1@example.com');
      assert.deepEqual(
        places.filter((p) => p.startsWith('local_')),
        [],
        `the local CRM kept ${places.join(', ')}`,
      );
      assert.equal(await store.getRecord(keyOf('h1'), 'lead', 'local'), undefined);
      assert.equal(await store.conversationState(keyOf('h1')), 'pending');
      const thrown = await intake({ conversation: conversation('h2'), now: T0 }, () => {
        throw new Error('boom before anything was written');
      });
      assert.equal(defined(thrown.claimed, 'claimed step').kind, 'deliver');
    });

    it('queues and claims the step after deliver', async () => {
      const result = await intake({ conversation: conversation('h1'), plan: ['deliver', 'notify'], now: T0 });
      defined(result.delivered, 'delivered');
      const next = defined(result.claimed, 'next step claimed');
      assert.equal(next.kind, 'notify');
      assert.equal(next.id, result.jobId);
      assert.equal(next.leaseOwner, 'web-a');
      assert.equal(await store.conversationState(keyOf('h1')), 'pending');
    });

    it('is not used for a duplicate event, a plan not starting with deliver, or an intake without a claim', async () => {
      const seen: StoredConversation[] = [];
      defined((await intake({ conversation: conversation('h1'), dedupKey: 'e1', now: T0 }, deliverer(seen))).delivered, 'first');
      const duplicate = await intake({ conversation: conversation('h1'), dedupKey: 'e1', now: at(1) }, deliverer(seen));
      assert.equal(duplicate.duplicate, true);
      assert.equal(duplicate.delivered, undefined);
      const lookup = await intake({ conversation: conversation('h2'), plan: ['lookup', 'deliver'], now: T0 }, deliverer(seen));
      assert.equal(lookup.delivered, undefined);
      assert.equal(defined(lookup.claimed, 'lookup claimed').kind, 'lookup');
      const unclaimed = await store.intake({ conversation: conversation('h3'), now: T0, deliverHere: deliverer(seen) });
      assert.equal(unclaimed.delivered, undefined);
      assert.equal(seen.length, 1);
    });
  });
};
