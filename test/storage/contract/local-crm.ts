/** The local CRM's records: one person per email, a lead per person, a case per conversation. */
import assert from 'node:assert/strict';
import type { LocalUpsert } from '../../../src/domain/local-records';
import type { Action } from '../../../src/domain/event';
import type { Conversation } from '../../../src/domain/conversation';
import type { Store } from '../../../src/storage/store';
import { conversation, withVisitor } from '../fixtures';
import { defined, type Contract } from './context';

const change = { created: 'created', added: 'added', updated: 'updated' } as const;
const upsertOf = (c: Conversation, action: Action = 'lead'): LocalUpsert => ({
  conversationKey: `${c.source}:${c.id}`,
  action,
  conversation: c,
  change,
});
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

export const localCrm = (contract: Contract): void => {
  let store: Store;
  beforeEach(() => {
    store = contract.store();
  });
  const record = async (id: string) => defined(await store.getLocalRecord(id), `local record ${id}`);

  describe('local CRM records', () => {
    it('fills blank mapped fields, keeps filled ones, and rewrites the overwrite names on every delivery', async () => {
      const withFields = (c: Conversation, action: Action, values: Record<string, Record<string, string>>): LocalUpsert => ({
        ...upsertOf(c, action),
        fields: { values, overwrite: new Set(['Status']) },
      });
      const first = await store.upsertLocalRecord(
        withFields(conversation('m1'), 'lead', { lead: { Status: 'New', City: 'London', Title: '' } }),
      );
      assert.deepEqual((await record(first.id)).fields, { lead: { Status: 'New', City: 'London', Title: '' } });
      await store.upsertLocalRecord(
        withFields(withVisitor('m1', { name: 'Jo' }, 4), 'lead', { lead: { Status: 'Working', City: 'Paris', Title: 'CTO' } }),
      );
      // City was filled: kept. Title was blank: filled. Status is overwritten.
      assert.deepEqual((await record(first.id)).fields, { lead: { Status: 'Working', City: 'London', Title: 'CTO' } });
      // A delivery without mapped fields (no MAPPING_FILE) leaves them as they are.
      await store.upsertLocalRecord(upsertOf(withVisitor('m1', { name: 'Jo' }, 6)));
      assert.deepEqual((await record(first.id)).fields, { lead: { Status: 'Working', City: 'London', Title: 'CTO' } });
      const kase = await store.upsertLocalRecord(
        withFields(conversation('m2'), 'case', { case: { Priority: 'High' }, contact: { Language: 'en' } }),
      );
      assert.deepEqual((await record(kase.id)).fields, { case: { Priority: 'High' }, contact: { Language: 'en' } });
      const plain = await store.upsertLocalRecord(upsertOf(conversation('m3')));
      assert.deepEqual((await record(plain.id)).fields, {});
    });

    it('keeps one record per conversation and action, with a growing history', async () => {
      const created = await store.upsertLocalRecord(upsertOf(conversation('c1')));
      assert.equal(created.change, 'created');
      const c2 = withVisitor('c1', { name: 'Jo', email: 'Jo@Example.com' }, 4);
      const updated = await store.upsertLocalRecord(upsertOf(c2));
      assert.deepEqual(updated, { id: created.id, change: 'updated' });
      const read = await record(created.id);
      assert.deepEqual(read.conversation, c2);
      assert.deepEqual(
        read.conversations.map((c) => c.key),
        ['olark:c1'],
      );
      assert.equal(read.email, 'jo@example.com');
      assert.deepEqual(
        read.history.map((h) => h.change),
        ['created', 'updated'],
      );
      assert.ok(read.history.every((h) => h.at instanceof Date && !Number.isNaN(h.at.getTime())));
      assert.ok(read.updatedAt.getTime() >= read.createdAt.getTime());
      const asCase = await store.upsertLocalRecord(upsertOf(c2, 'case'));
      assert.notEqual(asCase.id, created.id);
      assert.equal((await record(asCase.id)).action, 'case');
      assert.equal(await store.getLocalRecord('no-such-record'), undefined);
    });

    it("adds a returning visitor's conversation to the lead of the person with that email, whatever its case", async () => {
      const first = await store.upsertLocalRecord(upsertOf(withVisitor('c1', { name: 'Jo', email: 'Jo@Example.COM' })));
      await pause();
      const second = await store.upsertLocalRecord(upsertOf(withVisitor('c2', { name: 'Jo', email: ' jo@example.com' }, 3)));
      assert.deepEqual(second, { id: first.id, change: 'added' });
      const again = await store.upsertLocalRecord(upsertOf(withVisitor('c2', { name: 'Jo', email: 'jo@example.com' }, 5)));
      assert.deepEqual(again, { id: first.id, change: 'updated' });
      const lead = await record(first.id);
      assert.deepEqual(
        lead.conversations.map((c) => [c.key, c.conversation.messages.length]),
        [
          ['olark:c2', 5],
          ['olark:c1', 2],
        ],
      );
      assert.equal(lead.conversation.id, 'c2', 'the conversation updated last');
      assert.deepEqual(
        lead.history.map((h) => h.change),
        ['created', 'added', 'updated'],
      );
      assert.deepEqual(lead.related, []);
    });

    it('gives each conversation of a visitor without email a record of its own', async () => {
      const a = await store.upsertLocalRecord(upsertOf(conversation('c1')));
      const b = await store.upsertLocalRecord(upsertOf(conversation('c2')));
      assert.notEqual(a.id, b.id);
      assert.equal('email' in (await record(a.id)), false);
    });

    it('keeps a case per conversation, linked to the person: the lead lists the cases, a case its lead', async () => {
      const lead = await store.upsertLocalRecord(upsertOf(withVisitor('c1', { email: 'jo@example.com' })));
      await pause();
      const case1 = await store.upsertLocalRecord(upsertOf(withVisitor('c2', { email: 'jo@example.com' }), 'case'));
      await pause();
      const case2 = await store.upsertLocalRecord(upsertOf(withVisitor('c3', { email: 'JO@example.com' }), 'case'));
      assert.equal(new Set([lead.id, case1.id, case2.id]).size, 3);
      assert.deepEqual(
        (await record(lead.id)).related.map((r) => [r.id, r.action]),
        [
          [case1.id, 'case'],
          [case2.id, 'case'],
        ],
      );
      assert.deepEqual(
        (await record(case1.id)).related.map((r) => [r.id, r.action]),
        [
          [lead.id, 'lead'],
          [case2.id, 'case'],
        ],
      );
      assert.deepEqual(
        (await record(case2.id)).conversations.map((c) => c.key),
        ['olark:c3'],
      );
    });

    it("finds the person's lead by email, else their record updated last", async () => {
      const case1 = await store.upsertLocalRecord(upsertOf(withVisitor('c1', { email: 'Jo@Example.COM' }), 'case'));
      assert.equal((await store.findLocalRecordByEmail('  JO@example.com '))?.id, case1.id);
      await pause();
      const case2 = await store.upsertLocalRecord(upsertOf(withVisitor('c2', { email: 'jo@example.com' }), 'case'));
      assert.equal((await store.findLocalRecordByEmail('jo@example.com'))?.id, case2.id);
      const lead = await store.upsertLocalRecord(upsertOf(withVisitor('c3', { email: 'jo@example.com' })));
      await pause();
      await store.upsertLocalRecord(upsertOf(withVisitor('c1', { email: 'jo@example.com' }, 4), 'case'));
      assert.equal((await store.findLocalRecordByEmail('jo@example.com'))?.id, lead.id);
      assert.equal(await store.findLocalRecordByEmail('someone@else.com'), undefined);
      assert.equal(await store.findLocalRecordByEmail('  '), undefined);
    });

    it('links a visitor who gives their email later to that person, without giving the person a second lead', async () => {
      const known = await store.upsertLocalRecord(upsertOf(withVisitor('c1', { email: 'jo@example.com' })));
      const anonymous = await store.upsertLocalRecord(upsertOf(conversation('c2')));
      await store.upsertLocalRecord(upsertOf(withVisitor('c2', { email: 'jo@example.com' }, 3)));
      assert.equal('email' in (await record(anonymous.id)), false, 'the person keeps one lead');
      assert.equal((await store.findLocalRecordByEmail('jo@example.com'))?.id, known.id);
      const lateCase = await store.upsertLocalRecord(upsertOf(conversation('c3'), 'case'));
      await store.upsertLocalRecord(upsertOf(withVisitor('c3', { email: 'jo@example.com' }), 'case'));
      assert.equal((await record(lateCase.id)).email, 'jo@example.com');
      assert.deepEqual(
        (await record(known.id)).related.map((r) => r.id),
        [lateCase.id],
      );
      const newcomer = await store.upsertLocalRecord(upsertOf(conversation('c4')));
      await store.upsertLocalRecord(upsertOf(withVisitor('c4', { email: 'new@example.com' })));
      assert.equal((await record(newcomer.id)).email, 'new@example.com');
      assert.equal((await store.upsertLocalRecord(upsertOf(withVisitor('c5', { email: 'new@example.com' })))).id, newcomer.id);
    });

    it('settles two first upserts of one conversation on one record', async () => {
      const [a, b] = await Promise.all([
        store.upsertLocalRecord(upsertOf(conversation('c1'))),
        store.upsertLocalRecord(upsertOf(conversation('c1'))),
      ]);
      assert.equal(a.id, b.id);
      assert.deepEqual([a.change, b.change].sort(), ['created', 'updated']);
      assert.equal((await record(a.id)).history.length, 2);
    });

    it('settles first upserts of several conversations of one person on one lead', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.upsertLocalRecord(upsertOf(withVisitor(`c${i}`, { email: i % 2 === 0 ? 'jo@example.com' : 'JO@EXAMPLE.COM' }))),
        ),
      );
      assert.equal(new Set(results.map((r) => r.id)).size, 1, JSON.stringify(results));
      assert.deepEqual(results.map((r) => r.change).sort(), ['added', 'added', 'added', 'added', 'added', 'created']);
      assert.equal((await record(defined(results[0], 'result').id)).conversations.length, 6);
    });
  });
};
