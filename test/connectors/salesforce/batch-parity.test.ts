import { strict as assert } from 'node:assert';
import type { UpsertInput } from '../../../src/domain/connector';
import type { Conversation } from '../../../src/domain/conversation';
import { decodeMapping, mapConversation } from '../../../src/domain/mapping';
import type { CrmRecord } from '../../../src/domain/record';
import type { SfRecord } from '../../emulators/salesforce';
import { conversation, sandbox, value, type Sandbox } from './support';

const mapping = (() => {
  const decoded = decodeMapping({
    owner: 'agent',
    lead: { fields: { Status: 'Working - Contacted', Description: 'never this: the transcript wins', City: '{{visitor.city}}' } },
    case: { fields: { Priority: 'High' } },
    overwrite: ['Status'],
  });
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  return decoded.mapping;
})();

/** A mix the single path treats differently: owner or not, company or free mail, a known Contact, a case. */
const chats = (): { action: 'lead' | 'case'; chat: Conversation }[] =>
  Array.from({ length: 12 }, (_, i) => {
    const c = conversation(
      {
        name: i % 3 === 0 ? `Ada${i} Lovelace` : `Solo${i}`,
        ...(i % 4 === 1 ? {} : { email: i === 5 ? 'known@parity.example' : i % 2 === 0 ? `p${i}@gmail.com` : `p${i}@works${i}.example` }),
        ...(i % 3 === 1 ? { city: 'Lyon', company: 'Visitor Co' } : {}),
      },
      3,
      `parity-${i}`,
    );
    const chat = { ...c, operators: [{ id: 'op1', name: 'Olark Operator', ...(i % 2 === 0 ? { email: 'agent@chat2crm.example' } : {}) }] };
    return { action: i % 4 === 3 || i === 5 ? 'case' : 'lead', chat };
  });

const VOLATILE = new Set(['Id', 'CreatedDate', 'LastModifiedDate', 'WhoId', 'WhatId', 'ContactId']);
const stable = (r: SfRecord | undefined) => Object.fromEntries(Object.entries(r ?? {}).filter(([k]) => !VOLATILE.has(k)));

describe('Salesforce batches write what the single path writes', () => {
  let single: Sandbox;
  let batched: Sandbox;
  beforeEach(async () => {
    [single, batched] = await Promise.all([sandbox(), sandbox()]);
    for (const s of [single, batched]) {
      s.emulator.state.seed('Contact', { LastName: 'Known', Email: 'known@parity.example' });
      const rule = s.emulator.state.addUser({ Email: 'queue@chat2crm.example', Name: 'Queue', IsActive: true });
      s.emulator.state.assignmentRules.set('Lead', rule.Id);
      s.emulator.state.assignmentRules.set('Case', rule.Id);
    }
  });
  afterEach(() => Promise.all([single.emulator.close(), batched.emulator.close()]));

  const compare = (a: readonly CrmRecord[], b: readonly CrmRecord[], when: string) => {
    assert.deepEqual(
      b.map((r) => [r.type, Object.keys(r.refs).sort()]),
      a.map((r) => [r.type, Object.keys(r.refs).sort()]),
      `${when}: the same kinds of records and refs`,
    );
    a.forEach((one, n) => {
      const other = b[n];
      assert.ok(other);
      if (one.type !== 'Contact')
        assert.deepEqual(
          stable(batched.emulator.state.get(other.type, other.id)),
          stable(single.emulator.state.get(one.type, one.id)),
          `${when}: ${one.type} ${n}`,
        );
      const taskA = single.emulator.state.get('Task', one.refs['taskId'] ?? '');
      const taskB = batched.emulator.state.get('Task', other.refs['taskId'] ?? '');
      assert.deepEqual(stable(taskB), stable(taskA), `${when}: Task ${n}`);
      assert.equal(taskB?.[one.type === 'Case' ? 'WhatId' : 'WhoId'], other.id, `${when}: Task ${n} is on its record`);
    });
    for (const type of ['Lead', 'Case', 'Task', 'Contact'])
      assert.equal(batched.emulator.state.all(type).length, single.emulator.state.all(type).length, `${when}: as many ${type}`);
  };

  it('creates, then updates, the same fields, owners and Tasks (mapped fields, owner, Company rule, known Contact)', async () => {
    const list = chats();
    const inputs = (previous?: readonly CrmRecord[], edit = (c: Conversation) => c): UpsertInput[] =>
      list.map(({ action, chat }, n) => {
        const c = edit(chat);
        const prior = previous?.[n];
        return {
          action,
          conversation: c,
          fields: mapConversation(mapping, c, action),
          ...(prior === undefined ? {} : { previous: prior }),
        };
      });
    const one: CrmRecord[] = [];
    for (const input of inputs()) one.push(value(await single.connector.upsert(input)));
    const run = async (list: readonly UpsertInput[]) => {
      if (batched.connector.upsertBatch === undefined) throw new Error('the Salesforce connector has no upsertBatch');
      return batched.connector.upsertBatch(list);
    };
    const many = (await run(inputs())).map(value);
    compare(one, many, 'created');
    assert.ok(
      batched.emulator.state
        .all('Lead')
        .some((l) => l['OwnerId'] !== single.emulator.state.all('User').find((u) => u['Email'] === 'queue@chat2crm.example')?.Id),
      'some Leads have the agent as owner, not the rule',
    );

    // Sales edits, then the chats go on: every value a person typed stays, in both.
    for (const s of [single, batched])
      for (const lead of s.emulator.state.all('Lead')) Object.assign(lead, { Company: 'Sales Typed This', Status: 'Open - Not Contacted' });
    const longer = (c: Conversation) => ({
      ...c,
      visitor: { ...c.visitor, city: 'Nantes', phone: '+33 1 23 45 67 89' },
      messages: [...c.messages, ...c.messages],
    });
    const oneAgain: CrmRecord[] = [];
    for (const input of inputs(one, longer)) oneAgain.push(value(await single.connector.upsert(input)));
    const manyAgain = (await run(inputs(many, longer))).map(value);
    compare(oneAgain, manyAgain, 'updated');
    assert.ok(batched.emulator.state.all('Lead').every((l) => l['Company'] === 'Sales Typed This'));
    assert.ok(
      batched.emulator.state.all('Lead').every((l) => l['Status'] === 'Working - Contacted'),
      'overwrite names are written',
    );
  });
});
