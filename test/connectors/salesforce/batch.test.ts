import { strict as assert } from 'node:assert';
import type { UpsertInput } from '../../../src/domain/connector';
import type { Conversation } from '../../../src/domain/conversation';
import { decodeMapping, mapConversation } from '../../../src/domain/mapping';
import type { Outcome } from '../../../src/domain/outcome';
import type { CrmRecord } from '../../../src/domain/record';
import { collectionFaults } from '../../emulators/salesforce/collections';
import { conversation, failure, sandbox, value, type Sandbox } from './support';

const mappingOf = (json: unknown) => {
  const decoded = decodeMapping(json);
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  return decoded.mapping;
};

/** n conversations with distinct visitors (no email shared with anyone in the org). */
const chats = (n: number, tag: string, long = false): Conversation[] =>
  Array.from({ length: n }, (_, i) => {
    // `long`: ids the size of a UUID-keyed chat platform's and long work emails, to show they still fit one query.
    const pad = long ? `-${(i * 7919).toString(16).padStart(8, '0')}-4e2a-9c1b-${'f'.repeat(12)}` : '';
    return conversation({ name: `Visitor ${tag}${i}`, email: `v${i}${pad}.${tag}@acme-${tag}.example` }, 2, `${tag}-${i}${pad}`);
  });
const leads = (list: readonly Conversation[]): UpsertInput[] => list.map((c) => ({ action: 'lead', conversation: c }));

const nth = (outcomes: readonly Outcome<CrmRecord>[], n: number): Outcome<CrmRecord> => outcomes[n] ?? assert.fail(`no outcome ${n}`);

const batch = async (s: Sandbox, inputs: readonly UpsertInput[]): Promise<readonly Outcome<CrmRecord>[]> => {
  if (s.connector.upsertBatch === undefined) throw new Error('the Salesforce connector has no upsertBatch');
  return s.connector.upsertBatch(inputs);
};

describe('Salesforce connector: batches with sObject Collections', () => {
  let s: Sandbox;
  beforeEach(async () => {
    s = await sandbox();
  });
  afterEach(() => s.emulator.close());
  const calls = () => s.emulator.apiRequests().length;

  it('declares batches of 200', () => {
    assert.equal(s.connector.batchLimit, 200);
  });

  it('200 new leads cost 3 API calls (read, Lead upsert, Task create), one Lead and one Task each, in input order', async () => {
    const list = chats(200, 'new', true);
    const outcomes = await batch(s, leads(list));
    assert.equal(outcomes.length, 200);
    assert.equal(calls(), 3, 'one read, one Lead collection upsert, one Task collection create');
    assert.equal(s.emulator.state.all('Lead').length, 200);
    assert.equal(s.emulator.state.all('Task').length, 200);
    outcomes.forEach((outcome, i) => {
      const record = value(outcome);
      const lead = s.emulator.state.get('Lead', record.id);
      assert.equal(lead?.['Chat_Conversation_Id__c'], list[i]?.id, `outcome ${i} is its own conversation's Lead`);
      const task = s.emulator.state.get('Task', record.refs['taskId'] ?? '');
      assert.equal(task?.['WhoId'], record.id);
      assert.equal(task?.['Subject'], `Chat transcript: olark ${list[i]?.id}`);
      assert.equal(record.url, `${s.emulator.url}/lightning/r/Lead/${record.id}/view`);
    });
    const collectionCalls = collectionFaults(s.emulator.state).calls;
    assert.deepEqual(
      collectionCalls.map((c) => [c.operation, c.records, c.autoAssign]),
      [
        ['upsert', 200, undefined],
        ['create', 200, undefined],
      ],
      'new leads without an owner go without Sforce-Auto-Assign, so the org assigns them',
    );
  });

  it('repeats update the same Leads and Tasks in 3 calls, fill only blanks, never duplicate; a rerun without `previous` (a crash before storing) too', async () => {
    const list = chats(200, 'rep');
    const first = (await batch(s, leads(list))).map(value);
    const kept = s.emulator.state.get('Lead', first[7]?.id ?? '');
    assert.ok(kept);
    kept['Company'] = 'Set By Sales Ltd';
    const before = calls();
    const longer = list.map((c) => ({
      ...c,
      visitor: { ...c.visitor, company: 'Visitor Co', city: 'Lyon' },
      messages: [...c.messages, ...c.messages],
    }));
    const again = (
      await batch(
        s,
        longer.map((c, i) => ({ action: 'lead' as const, conversation: c, ...(first[i] ? { previous: first[i] } : {}) })),
      )
    ).map(value);
    assert.equal(calls() - before, 3, 'read, Lead upsert, Task update');
    assert.deepEqual(
      again.map((r) => [r.id, r.refs['taskId']]),
      first.map((r) => [r.id, r.refs['taskId']]),
    );
    assert.equal(s.emulator.state.all('Lead').length, 200);
    assert.equal(s.emulator.state.all('Task').length, 200);
    assert.equal(kept['Company'], 'Set By Sales Ltd', 'what a person typed stays');
    assert.equal(kept['City'], 'Lyon', 'a blank is filled');
    assert.match(
      String(s.emulator.state.get('Task', first[7]?.refs['taskId'] ?? '')?.['Description']),
      /message number 2[\s\S]*message number 2/,
    );
    assert.deepEqual(
      collectionFaults(s.emulator.state)
        .calls.slice(2)
        .map((c) => [c.operation, c.records, c.autoAssign]),
      [
        ['upsert', 200, 'FALSE'],
        ['update', 200, undefined],
      ],
      'updates of existing Leads keep their owner (Sforce-Auto-Assign: FALSE)',
    );

    // The process died after Salesforce wrote but before the outcomes were stored: no `previous`.
    const rerun = (await batch(s, leads(longer))).map(value);
    assert.deepEqual(
      rerun.map((r) => [r.id, r.refs['taskId']]),
      first.map((r) => [r.id, r.refs['taskId']]),
    );
    assert.equal(s.emulator.state.all('Lead').length, 200);
    assert.equal(s.emulator.state.all('Task').length, 200);
  });

  it('a crash between the Lead upsert and the Tasks leaves no duplicate Lead or Task when the batch runs again', async () => {
    const list = chats(50, 'crash');
    s.emulator.faults.beforeApiRequest = ({ method, path }) => {
      if (method === 'POST' && path.endsWith('/composite/sobjects')) throw new Error('the org fell over while creating Tasks');
    };
    const broken = await batch(s, leads(list));
    for (const outcome of broken) assert.deepEqual([failure(outcome).kind, failure(outcome).code], ['transient', 'CRM_UNAVAILABLE']);
    assert.equal(s.emulator.state.all('Lead').length, 50, 'the Leads were written');
    assert.equal(s.emulator.state.all('Task').length, 0);
    s.emulator.faults.beforeApiRequest = undefined;
    const retried = (await batch(s, leads(list))).map(value);
    assert.equal(s.emulator.state.all('Lead').length, 50);
    assert.equal(s.emulator.state.all('Task').length, 50);
    assert.equal(new Set(retried.map((r) => r.id)).size, 50);
  });

  it('mixes Leads and Cases in one batch: still 3 calls, one upsert collection per type', async () => {
    const contact = s.emulator.state.seed('Contact', { LastName: 'Known', Email: 'known@acme-mix.example', AccountId: null });
    const list = chats(200, 'mix');
    const inputs: UpsertInput[] = list.map((c, i) =>
      i % 2 === 0
        ? { action: 'case', conversation: i === 0 ? { ...c, visitor: { ...c.visitor, email: 'known@acme-mix.example' } } : c }
        : { action: 'lead', conversation: c },
    );
    const outcomes = (await batch(s, inputs)).map(value);
    assert.equal(calls(), 3);
    assert.deepEqual(
      outcomes.map((r) => r.type),
      inputs.map((i) => (i.action === 'case' ? 'Case' : 'Lead')),
    );
    assert.equal(s.emulator.state.all('Case').length, 100);
    assert.equal(s.emulator.state.all('Lead').length, 100);
    assert.equal(s.emulator.state.all('Task').length, 200);
    const firstCase = outcomes[0];
    assert.equal(firstCase?.refs['contactId'], contact.Id);
    const task = s.emulator.state.get('Task', firstCase?.refs['taskId'] ?? '');
    assert.deepEqual(
      [task?.['WhatId'], task?.['WhoId'], task?.['Subject']],
      [firstCase?.id, contact.Id, `Chat transcript (case): olark ${list[0]?.id}`],
    );
    assert.equal(s.emulator.state.get('Case', firstCase?.id ?? '')?.['ContactId'], contact.Id);
    const upserts = collectionFaults(s.emulator.state).calls.filter((c) => c.operation === 'upsert');
    assert.deepEqual(
      upserts.map((c) => [c.type, c.records]),
      [
        ['Lead', 100],
        ['Case', 100],
      ],
    );
  });

  it('200 new Cases cost 3 calls; a mixed batch with an agent to look up 4 (six queries make two reads), then 3 once cached', async () => {
    const cases = (
      await batch(
        s,
        chats(200, 'cases').map((c) => ({ action: 'case' as const, conversation: c })),
      )
    ).map(value);
    assert.equal(calls(), 3);
    assert.equal(s.emulator.state.all('Case').length, 200);
    assert.equal(s.emulator.state.get('Task', cases[9]?.refs['taskId'] ?? '')?.['WhatId'], cases[9]?.id);

    const owner = mappingOf({ owner: 'agent' });
    const byAgent = (list: Conversation[]): UpsertInput[] =>
      list.map((c, i) => {
        const chat = { ...c, operators: [{ id: 'op1', name: 'Olark Operator', email: 'agent@chat2crm.example' }] };
        const action = i % 2 === 0 ? ('lead' as const) : ('case' as const);
        return { action, conversation: chat, fields: mapConversation(owner, chat, action) };
      });
    const agent = s.emulator.state.all('User').find((u) => u['Email'] === 'agent@chat2crm.example');
    const before = calls();
    const first = (await batch(s, byAgent(chats(200, 'owned')))).map(value);
    assert.equal(calls() - before, 4, 'Lead, Case, Task, Contact, person and User queries: two reads of at most five');
    assert.ok(first.every((r) => s.emulator.state.get(r.type, r.id)?.['OwnerId'] === agent?.Id));
    const again = calls();
    (await batch(s, byAgent(chats(200, 'owned-later')))).map(value);
    assert.equal(calls() - again, 3, 'the agent is cached');
  });

  it('reuses a Contact with the visitor email instead of a new Lead, as the single path does', async () => {
    const contact = s.emulator.state.seed('Contact', { LastName: 'Known', Email: 'v3.reuse@acme-reuse.example' });
    const outcomes = (await batch(s, leads(chats(5, 'reuse')))).map(value);
    assert.deepEqual([outcomes[3]?.type, outcomes[3]?.id, outcomes[3]?.refs['personId']], ['Contact', contact.Id, contact.Id]);
    assert.equal(s.emulator.state.all('Lead').length, 4);
    assert.equal(s.emulator.state.get('Task', outcomes[3]?.refs['taskId'] ?? '')?.['WhoId'], contact.Id);
  });

  it('a duplicate rule matching someone the read could not find hands that conversation to the single path, which logs on that person', async () => {
    const dup = await sandbox({ duplicateRules: true });
    try {
      const contact = dup.emulator.state.seed('Contact', { LastName: 'Phoned', Phone: '+33 1 23 45 67 89' });
      const [first, second, third] = chats(3, 'dup');
      assert.ok(first && second && third);
      const phoned: Conversation = { ...second, visitor: { name: 'No Email', phone: '+33 1 23 45 67 89' } };
      const outcomes = (await batch(dup, leads([first, phoned, third]))).map(value);
      assert.deepEqual(
        outcomes.map((r) => r.type),
        ['Lead', 'Contact', 'Lead'],
      );
      assert.equal(outcomes[1]?.id, contact.Id);
      assert.equal(dup.emulator.state.get('Task', outcomes[1]?.refs['taskId'] ?? '')?.['WhoId'], contact.Id);
      assert.equal(dup.emulator.state.all('Lead').length, 2);
      assert.equal(dup.emulator.state.all('Task').length, 3);
    } finally {
      await dup.emulator.close();
    }
  });

  it('follows Leads converted before the batch, and one converted between its read and its write, to their Contacts', async () => {
    const list = chats(3, 'conv');
    const first = (await batch(s, leads(list))).map(value);
    const before = s.emulator.state.convertLead(first[0]?.id ?? '');
    const raced = first[2]?.id ?? '';
    let racedContact: string | undefined;
    collectionFaults(s.emulator.state).failRecord = ({ operation, record }) => {
      if (operation !== 'upsert' || record['Chat_Conversation_Id__c'] !== list[2]?.id || racedContact !== undefined) return undefined;
      racedContact = s.emulator.state.convertLead(raced).Id;
      return { errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] };
    };
    const again = (await batch(s, leads(list))).map(value);
    assert.deepEqual(
      again.map((r) => [r.type, r.id]),
      [
        ['Contact', before.Id],
        ['Lead', first[1]?.id],
        ['Contact', racedContact],
      ],
    );
    assert.deepEqual(
      again.map((r) => r.refs['taskId']),
      first.map((r) => r.refs['taskId']),
      'the same Tasks, now on the Contacts',
    );
    assert.equal(s.emulator.state.all('Task').length, 3);
    assert.equal(s.emulator.state.get('Task', again[2]?.refs['taskId'] ?? '')?.['WhoId'], racedContact);
  });

  it('a record Salesforce refuses fails that conversation alone, classified as a single call would be', async () => {
    const list = chats(6, 'refuse');
    collectionFaults(s.emulator.state).failRecord = ({ operation, record }) => {
      if (operation !== 'upsert') return undefined;
      const id = record['Chat_Conversation_Id__c'];
      if (id === 'refuse-1')
        return { errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Industry]', fields: ['Industry'] };
      if (id === 'refuse-2')
        return { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] };
      if (id === 'refuse-3') return { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Secret-Value refused', fields: [] };
      return undefined;
    };
    const outcomes = await batch(s, leads(list));
    const required = failure(nth(outcomes, 1));
    assert.deepEqual([required.kind, required.code], ['permanent', 'CRM_VALIDATION']);
    assert.match(required.message, /Industry on Lead/);
    const locked = failure(nth(outcomes, 2));
    assert.deepEqual([locked.kind, locked.code], ['transient', 'CRM_UNAVAILABLE']);
    const rule = failure(nth(outcomes, 3));
    assert.deepEqual([rule.kind, rule.code], ['permanent', 'CRM_REJECTED']);
    assert.doesNotMatch(rule.message, /Secret-Value/);
    for (const n of [0, 4, 5]) value(nth(outcomes, n));
    assert.equal(s.emulator.state.all('Lead').length, 3);
    assert.equal(s.emulator.state.all('Task').length, 3, 'no Task for a refused Lead');
  });

  it('a refused mapped value names the field, for that conversation only', async () => {
    const mapping = mappingOf({ lead: { fields: { Status: '{{custom.status}}' } } });
    const list = chats(3, 'mapped').map((c, i) => ({ ...c, custom: { status: i === 1 ? 'Secret-Value-42' : 'Working - Contacted' } }));
    const outcomes = await batch(
      s,
      list.map((c) => ({ action: 'lead' as const, conversation: c, fields: mapConversation(mapping, c, 'lead') })),
    );
    const refused = failure(nth(outcomes, 1));
    assert.equal(refused.kind, 'permanent');
    assert.match(refused.message, /Lead\.Status.*lead\.fields\.Status/);
    assert.doesNotMatch(refused.message, /Secret-Value-42/);
    const ok = value(nth(outcomes, 0));
    assert.equal(s.emulator.state.get('Lead', ok.id)?.['Status'], 'Working - Contacted');
    value(nth(outcomes, 2));
  });

  it('a whole call answering 500 fails every conversation transiently, and so does REQUEST_LIMIT_EXCEEDED', async () => {
    s.emulator.faults.inject({ kind: 'status', status: 500 });
    const down = await batch(s, leads(chats(4, 'down')));
    for (const outcome of down) assert.deepEqual([failure(outcome).kind, failure(outcome).code], ['transient', 'CRM_UNAVAILABLE']);
    s.emulator.faults.inject({ kind: 'limit' });
    const limited = await batch(s, leads(chats(4, 'limit')));
    for (const outcome of limited) assert.deepEqual([failure(outcome).kind, failure(outcome).code], ['transient', 'CRM_RATE_LIMITED']);
    assert.equal(s.emulator.state.all('Lead').length, 0);
  });

  it('an expired session is refreshed once, as for single calls; a session refused even when fresh fails every conversation permanently', async () => {
    value(nth(await batch(s, leads(chats(1, 'warm'))), 0));
    s.emulator.faults.expireSessions();
    const refreshed = await batch(s, leads(chats(5, 'expired')));
    refreshed.forEach((o) => value(o));
    assert.equal(s.emulator.tokenRequests().length, 2);
    s.emulator.faults.rejectSessions = true;
    const refused = await batch(s, leads(chats(5, 'refused')));
    for (const outcome of refused) assert.deepEqual([failure(outcome).kind, failure(outcome).code], ['permanent', 'CRM_UNAUTHORIZED']);
  });

  it('the org running out of its daily API requests mid-batch fails every conversation as rate limited', async () => {
    const tight = await sandbox({ apiLimit: 2 });
    try {
      const outcomes = await batch(tight, leads(chats(10, 'daily')));
      for (const outcome of outcomes) assert.equal(failure(outcome).code, 'CRM_RATE_LIMITED');
      assert.equal(tight.emulator.state.all('Lead').length, 10, 'the Leads went in before the limit was reached');
      assert.equal(tight.emulator.state.all('Task').length, 0);
    } finally {
      await tight.emulator.close();
    }
  });

  it('where /composite is not served, the same collections go one by one: still a fixed number of calls per batch', async () => {
    const plain = await sandbox({ composite: false });
    try {
      const run = (inputs: readonly UpsertInput[]) => batch(plain, inputs);
      const small = (await run(leads(chats(10, 'plain-small')))).map(value);
      const afterSmall = plain.emulator.apiRequests().length;
      const large = (await run(leads(chats(200, 'plain-large')))).map(value);
      const forLarge = plain.emulator.apiRequests().length - afterSmall;
      assert.equal(afterSmall, 7, 'the refused /composite, four queries, the Lead upsert, the Task create');
      assert.equal(forLarge, 6, 'the same calls for 200 conversations as for 10, without the refused /composite');
      assert.equal(plain.emulator.state.all('Lead').length, 210);
      assert.equal(plain.emulator.state.all('Task').length, 210);
      assert.equal(new Set([...small, ...large].map((r) => r.refs['taskId'])).size, 210);
    } finally {
      await plain.emulator.close();
    }
  });

  it('more than 200 inputs go in slices of 200', async () => {
    const outcomes = await batch(s, leads(chats(201, 'many')));
    assert.equal(outcomes.filter((o) => o.ok).length, 201);
    assert.equal(calls(), 6);
    assert.ok(collectionFaults(s.emulator.state).calls.every((c) => c.records <= 200));
  });
});
