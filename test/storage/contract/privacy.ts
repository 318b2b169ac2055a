/** A person's export and erasure, and RETENTION_DAYS' removal of old transcripts. */
import assert from 'node:assert/strict';
import type { Conversation, Visitor } from '../../../src/domain/conversation';
import type { Action } from '../../../src/domain/event';
import type { Store } from '../../../src/storage/store';
import { at, conversation, record, T0, queued, withVisitor } from '../fixtures';
import { defined, LEASE, type Contract } from './context';

const DAY = 86_400_000;
const change = { created: 'created', added: 'added', updated: 'updated' } as const;

/** What must be gone after the erasure, wherever it was written. */
const ZELDA = { email: 'zelda.q@example.org', name: 'Zelda Quintrell', visitorId: 'v-zq-7731', body: 'my order 8844-zq is late' };
const OTHER = { email: 'someone@else.example', name: 'Otto Other', body: 'other body 5521' };

const chat = (source: string, id: string, visitor: Visitor, body: string): Conversation =>
  conversation(id, {
    source,
    visitor,
    messages: [
      { role: 'visitor', author: visitor.name ?? 'Visitor', body, at: at(1000) },
      { role: 'operator', author: 'Ann', body: `answer to ${id}`, at: at(2000) },
    ],
    operators: [{ id: 'op1', name: 'Ann', email: 'ann@support.example' }],
    tags: ['vip'],
  });

export const privacy = (contract: Contract): void => {
  let store: Store;
  beforeEach(() => {
    store = contract.store();
  });

  const local = (c: Conversation, action: Action = 'lead') =>
    store.upsertLocalRecord({ conversationKey: `${c.source}:${c.id}`, action, conversation: c, change });

  /** Zelda's two conversations (two platforms, two spellings of her email) in every table, and someone else's. */
  const seed = async () => {
    const a = chat('olark', 'a1', { id: ZELDA.visitorId, name: ZELDA.name, email: 'Zelda.Q@Example.org' }, ZELDA.body);
    const jobA = queued(await store.intake({ conversation: a, dedupKey: 'evt-a1', meta: { chat_id: 'a1' }, now: T0 }));
    defined(await store.claimJob(jobA, 'worker-a', at(10), LEASE), 'claimed job');
    await store.finishJob({
      jobId: jobA,
      owner: 'worker-a',
      now: at(20),
      attempt: { jobId: jobA, startedAt: at(10), durationMs: 10, outcome: 'ok' },
      result: {
        kind: 'done',
        record: { conversationKey: 'olark:a1', value: record('L-a1', 'lead', 'hubspot'), version: 1 },
        person: { type: 'contact', id: 'hs-501', url: 'https://app.hubspot.com/contacts/1/record/0-1/501' },
      },
    });
    await store.intake({ conversation: a, dedupKey: 'evt-a2', now: at(30) });
    const b = chat('livechat', 'b1', { name: ZELDA.name, email: ' ZELDA.Q@example.ORG' }, `${ZELDA.body} (again)`);
    const jobB = queued(await store.intake({ conversation: b, dedupKey: 'evt-b1', plan: ['fetch', 'deliver'], now: at(40) }));
    defined(await store.claimJob(jobB, 'worker-a', at(50), LEASE), 'claimed job');
    await store.finishJob({
      jobId: jobB,
      owner: 'worker-a',
      now: at(60),
      attempt: {
        jobId: jobB,
        startedAt: at(50),
        durationMs: 10,
        outcome: 'transient',
        crmStatus: 503,
        error: 'PLATFORM_UNAVAILABLE: 503',
        errorCode: 'PLATFORM_UNAVAILABLE',
      },
      result: { kind: 'retry', nextAttemptAt: at(5000), error: { code: 'PLATFORM_UNAVAILABLE', message: '503' } },
    });
    await local(a);
    await local(b, 'case');
    // A chat the local CRM took in before she gave her email: its record stays unlinked to her person
    // (she has a lead already), and the service's own copy is not here; only the transcript says it is hers.
    const e = chat('olark', 'e1', { name: ZELDA.name }, `${ZELDA.body} (unlinked)`);
    await local(e);
    await local({ ...e, visitor: { name: ZELDA.name, email: ZELDA.email } });
    const c = chat('olark', 'c1', { name: OTHER.name, email: OTHER.email }, OTHER.body);
    await store.intake({ conversation: c, dedupKey: 'evt-c1', now: at(70) });
    await local(c);
  };

  describe('privacy: export and erase a person', () => {
    it('exports every conversation with that email, whatever its case, with steps, attempts, records, events and local CRM records', async () => {
      await seed();
      const exported = await store.exportPerson('  ZELDA.Q@EXAMPLE.ORG ');
      assert.equal(exported.email, ZELDA.email);
      assert.deepEqual(
        exported.conversations.map((c) => c.key),
        ['olark:a1', 'livechat:b1'],
      );
      const [a, b] = exported.conversations;
      assert.ok(a !== undefined && b !== undefined);
      assert.equal(a.conversation.messages[0]?.body, ZELDA.body);
      assert.equal(a.version, 2);
      assert.deepEqual(a.meta, { chat_id: 'a1' });
      assert.deepEqual(a.person, { type: 'contact', id: 'hs-501', url: 'https://app.hubspot.com/contacts/1/record/0-1/501' });
      assert.deepEqual(a.createdAt, T0);
      assert.deepEqual(
        a.events.map((e) => e.dedupKey),
        ['evt-a1', 'evt-a2'],
      );
      assert.deepEqual(
        a.records.map((r) => r.record.id),
        ['L-a1'],
      );
      assert.deepEqual(
        a.steps.map((s) => [s.kind, s.state, s.attemptLog.map((x) => x.outcome)]),
        [
          ['deliver', 'done', ['ok']],
          ['deliver', 'pending', []],
        ],
      );
      assert.deepEqual(
        b.steps.map((s) => [s.kind, s.state, s.attemptLog.map((x) => x.error)]),
        [['fetch', 'pending', ['PLATFORM_UNAVAILABLE: 503']]],
      );
      assert.equal(exported.localCrm.person?.email, ZELDA.email);
      assert.deepEqual(exported.localCrm.records.map((r) => [r.action, r.conversations.map((c) => c.key)]).sort(), [
        ['case', ['livechat:b1']],
        ['lead', ['olark:a1']],
        ['lead', ['olark:e1']],
      ]);
      const text = JSON.stringify(exported);
      assert.ok(text.includes(ZELDA.body) && text.includes('(unlinked)'));
      assert.ok(!text.includes(OTHER.email) && !text.includes(OTHER.body), 'nothing of anyone else');
      assert.ok(text.includes(`"updatedAt":"${at(30).toISOString()}"`), 'dates as ISO strings');
    });

    it('matches a person by the email key personEmail makes, outside ASCII too (console search, export, local CRM)', async () => {
      await store.intake({ conversation: withVisitor('u1', { email: 'ÉLODIE@Exemple.fr' }), now: at(0) });
      await store.intake({ conversation: withVisitor('u2', { email: 'elodie@exemple.fr' }), now: at(1) });
      await store.upsertLocalRecord({
        conversationKey: 'olark:u1',
        action: 'lead',
        conversation: withVisitor('u1', { email: 'ÉLODIE@Exemple.fr' }),
        change: { created: 'created', added: 'added', updated: 'updated' },
      });
      const exported = await store.exportPerson(' élodie@EXEMPLE.FR');
      assert.equal(exported.email, 'élodie@exemple.fr');
      assert.deepEqual(
        exported.conversations.map((c) => c.key),
        ['olark:u1'],
        'É is not E: the ASCII address is another person',
      );
      assert.equal(exported.localCrm.records.length, 1);
      assert.equal((await store.findLocalRecordByEmail('élodie@exemple.fr'))?.email, 'élodie@exemple.fr');
      for (const q of ['ÉLODIE@EXEMPLE.FR', 'élodie@exemple.fr', 'élodie@ex'])
        assert.deepEqual(
          (await store.listConversations({ q, limit: 10 })).conversations.map((c) => c.key),
          ['olark:u1'],
          q,
        );
    });

    it('exports the mapped fields of their local CRM records', async () => {
      const c = chat('olark', 'f1', { id: ZELDA.visitorId, name: ZELDA.name, email: ZELDA.email }, ZELDA.body);
      await store.upsertLocalRecord({
        conversationKey: 'olark:f1',
        action: 'lead',
        conversation: c,
        change,
        fields: { values: { lead: { 'Job title': 'Queen' } }, overwrite: new Set() },
      });
      const exported = await store.exportPerson(ZELDA.email);
      assert.deepEqual(
        exported.localCrm.records.map((r) => r.fields),
        [{ lead: { 'Job title': 'Queen' } }],
      );
    });

    it('exports nothing for an unknown or blank email', async () => {
      await seed();
      assert.deepEqual(await store.exportPerson('nobody@example.org'), {
        email: 'nobody@example.org',
        conversations: [],
        localCrm: { records: [] },
      });
      assert.deepEqual((await store.exportPerson('   ')).conversations, []);
    });

    it('erases the person from every table, names the CRM records left to erase there, and leaves everyone else', async () => {
      await seed();
      for (const needle of [ZELDA.email, ZELDA.name, ZELDA.body, ZELDA.visitorId])
        assert.notDeepEqual(await contract.scan(needle), [], `seeded: ${needle}`);
      const erased = await store.erasePerson('Zelda.Q@example.org');
      assert.deepEqual(erased.counts, {
        conversations: 2,
        events: 3,
        jobs: 3,
        attempts: 2,
        records: 1,
        localConversations: 3,
        localRecords: 3,
        localPeople: 1,
      });
      assert.deepEqual(
        [...erased.crmRecords].sort((x, y) => x.id.localeCompare(y.id)),
        [
          { type: 'contact', id: 'hs-501', url: 'https://app.hubspot.com/contacts/1/record/0-1/501' },
          { crm: 'hubspot', type: 'contact', id: 'L-a1', url: 'https://crm.example/lead/L-a1' },
        ],
      );
      for (const needle of [ZELDA.email, ZELDA.name, ZELDA.body, ZELDA.visitorId])
        assert.deepEqual(await contract.scan(needle), [], `left behind: ${needle}`);
      assert.deepEqual((await store.exportPerson(ZELDA.email)).conversations, []);
      assert.equal(await store.getConversation('olark:a1'), undefined);
      assert.equal(await store.findLocalRecordByEmail(ZELDA.email), undefined);
      // The scan finds what is there: the other visitor's data is untouched.
      assert.deepEqual((await contract.scan(OTHER.body)).sort(), ['conversations.snapshot', 'local_crm_conversations.snapshot']);
      assert.equal((await store.getConversation('olark:c1'))?.conversation.messages[0]?.body, OTHER.body);
      assert.equal((await store.findLocalRecordByEmail(OTHER.email))?.conversation.id, 'c1');
      assert.deepEqual((await store.erasePerson(ZELDA.email)).counts, {
        conversations: 0,
        events: 0,
        jobs: 0,
        attempts: 0,
        records: 0,
        localConversations: 0,
        localRecords: 0,
        localPeople: 0,
      });
    });

    it('erases nothing while one of their steps is running: the delivery would write them back', async () => {
      await seed();
      const jobB = defined(await store.latestJob('livechat:b1'), 'job of b1');
      defined(await store.claimJob(jobB.id, 'worker-b', new Date(), LEASE), 'claimed job');
      const busy = await store.erasePerson(ZELDA.email);
      assert.deepEqual(busy, {
        email: ZELDA.email,
        inFlight: 1,
        counts: { conversations: 0, events: 0, jobs: 0, attempts: 0, records: 0, localConversations: 0, localRecords: 0, localPeople: 0 },
        crmRecords: [],
      });
      assert.notDeepEqual(await contract.scan(ZELDA.body), [], 'all still there');
      assert.equal((await store.exportPerson(ZELDA.email)).conversations.length, 2);
    });

    it("erases a person whose running step is nobody's any more (its lease ran out)", async () => {
      await seed();
      const jobB = defined(await store.latestJob('livechat:b1'), 'job of b1');
      defined(await store.claimJob(jobB.id, 'worker-b', at(6000), LEASE), 'claimed job');
      const erased = await store.erasePerson(ZELDA.email);
      assert.equal(erased.inFlight, 0);
      assert.equal(erased.counts.conversations, 2);
    });

    it('keeps taking the same conversation in after an erasure (a new event is a new start)', async () => {
      await seed();
      await store.erasePerson(ZELDA.email);
      const again = await store.intake({
        conversation: chat('olark', 'a1', { email: ZELDA.email }, 'hello'),
        dedupKey: 'evt-a1',
        now: at(100),
      });
      assert.equal(again.duplicate, false, 'its events went with it');
      assert.equal(again.stored.version, 1);
    });
  });

  describe('privacy: retention', () => {
    const finished = async (id: string, kind: 'done' | 'dead' | 'expired', now: Date) => {
      const jobId = queued(
        await store.intake({
          conversation: chat('olark', id, { name: `Visitor ${id}`, email: `${id}@example.org` }, `body of ${id}`),
          now,
        }),
      );
      defined(await store.claimJob(jobId, 'worker-a', now, LEASE), 'claimed job');
      await store.finishJob({
        jobId,
        owner: 'worker-a',
        now,
        result:
          kind === 'done'
            ? { kind, record: { conversationKey: `olark:${id}`, value: record(`L-${id}`), version: 1 } }
            : { kind, error: { code: 'E', message: 'x' } },
      });
    };

    it('removes the transcripts of conversations that are done and old, a batch at a time, and only those', async () => {
      await finished('r-done', 'done', T0);
      await finished('r-expired', 'expired', T0);
      await finished('r-dead', 'dead', T0);
      await finished('r-new', 'done', at(10 * DAY));
      await store.intake({ conversation: chat('olark', 'r-pending', { name: 'P' }, 'body of r-pending'), now: T0 });
      await store.intake({
        conversation: chat('olark', 'r-stored', { name: 'S', id: 'v-stored' }, 'body of r-stored'),
        plan: [],
        meta: { token: 'x' },
        now: T0,
      });
      const pass = { updatedBefore: at(5 * DAY), now: at(12 * DAY), limit: 2 };
      assert.equal(await store.redactTranscripts(pass), 2);
      assert.equal(await store.redactTranscripts(pass), 1);
      assert.equal(await store.redactTranscripts(pass), 0, 'done ones are not taken again');
      for (const id of ['r-done', 'r-expired', 'r-stored']) {
        const stored = defined(await store.getConversation(`olark:${id}`), id);
        assert.deepEqual(stored.conversation, {
          source: 'olark',
          id,
          visitor: {},
          messages: [],
          tags: ['vip'],
          groups: [],
          operators: [],
          offline: false,
        });
        assert.deepEqual(stored.meta, {});
        assert.deepEqual(await contract.scan(`body of ${id}`), [], id);
        assert.deepEqual(await contract.scan(`${id}@example.org`), []);
      }
      assert.equal((await store.getRecord('olark:r-done', 'lead', 'local'))?.record.id, 'L-r-done', 'the link to the CRM record stays');
      for (const id of ['r-dead', 'r-new', 'r-pending'])
        assert.equal((await store.getConversation(`olark:${id}`))?.conversation.messages.length, 2, id);
      assert.notDeepEqual(await contract.scan('body of r-dead'), []);
    });

    it('takes a conversation in again after its transcript went, and removes the new one once that is done and old', async () => {
      await finished('r-done', 'done', T0);
      assert.equal(await store.redactTranscripts({ updatedBefore: at(5 * DAY), now: at(6 * DAY), limit: 10 }), 1);
      await finished('r-done', 'done', at(7 * DAY));
      assert.equal((await store.getConversation('olark:r-done'))?.conversation.messages.length, 2);
      assert.equal(await store.redactTranscripts({ updatedBefore: at(7 * DAY), now: at(8 * DAY), limit: 10 }), 0, 'not old yet');
      assert.equal(await store.redactTranscripts({ updatedBefore: at(9 * DAY), now: at(10 * DAY), limit: 10 }), 1);
      assert.equal((await store.getConversation('olark:r-done'))?.conversation.messages.length, 0);
    });

    it('ends even when the clock it is given is behind the conversations', async () => {
      await finished('r-done', 'done', at(3 * DAY));
      assert.equal(await store.redactTranscripts({ updatedBefore: at(5 * DAY), now: T0, limit: 10 }), 1);
      assert.equal(await store.redactTranscripts({ updatedBefore: at(5 * DAY), now: T0, limit: 10 }), 0);
    });
  });
};
