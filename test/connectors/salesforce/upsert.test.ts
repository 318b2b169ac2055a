import { strict as assert } from 'node:assert';
import { connectorFor, conversation, failure, sandbox, value, type Sandbox } from './support';

describe('Salesforce connector: leads, cases and tasks against the emulator', () => {
  let s: Sandbox;
  beforeEach(async () => {
    s = await sandbox();
  });
  afterEach(() => s.emulator.close());

  const apiSince = (from: number) => s.emulator.apiRequests().slice(from);

  it('creates a lead with fallbacks, the transcript in Description and one completed Task, in 2 round trips', async () => {
    const chat = conversation({
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
      city: 'London',
      region: 'England',
      country: 'United Kingdom',
    });
    const record = value(await s.connector.upsert({ action: 'lead', conversation: chat }));

    assert.equal(record.type, 'Lead');
    assert.equal(record.url, `${s.emulator.url}/lightning/r/Lead/${record.id}/view`);
    const lead = s.emulator.state.get('Lead', record.id);
    assert.ok(lead);
    assert.equal(lead['Chat_Conversation_Id__c'], chat.id);
    assert.equal(lead['LastName'], '[not provided]');
    assert.equal(lead['Company'], '[not provided]');
    assert.deepEqual(
      [lead['Email'], lead['City'], lead['State'], lead['Country'], lead['LeadSource']],
      ['ada@example.com', 'London', 'England', 'United Kingdom', 'Web'],
    );
    assert.match(String(lead['Description']), /message number 2/);
    const tasks = s.emulator.state.all('Task');
    assert.equal(tasks.length, 1);
    assert.deepEqual([tasks[0]?.['WhoId'], tasks[0]?.['Status'], tasks[0]?.Id], [record.id, 'Completed', record.refs['taskId']]);
    assert.equal(s.emulator.apiRequests().length, 2, 'sequential round trips for a new lead');
    assert.equal(s.emulator.tokenRequests().length, 1);
  });

  it('updates the same Lead and Task on a repeat, fills blanks and keeps what a salesperson set', async () => {
    const first = conversation({ name: 'Ada Lovelace' }, 2);
    const created = value(await s.connector.upsert({ action: 'lead', conversation: first }));
    const lead = s.emulator.state.get('Lead', created.id);
    assert.ok(lead);
    lead['Company'] = 'Analytical Engines Ltd';
    const before = s.emulator.apiRequests().length;

    const longer = { ...conversation({ name: 'Ada Lovelace', email: 'ada@example.com', company: 'Visitor Co' }, 6, first.id) };
    const again = value(await s.connector.upsert({ action: 'lead', conversation: longer, previous: created }));

    assert.equal(again.id, created.id);
    assert.equal(again.refs['taskId'], created.refs['taskId']);
    assert.equal(apiSince(before).length, 2, 'sequential round trips for a repeat');
    assert.equal(s.emulator.state.all('Lead').length, 1);
    assert.equal(s.emulator.state.all('Task').length, 1);
    assert.equal(lead['Company'], 'Analytical Engines Ltd');
    assert.equal(lead['Email'], 'ada@example.com');
    assert.deepEqual([lead['FirstName'], lead['LastName']], ['Ada', 'Lovelace']);
    assert.match(String(lead['Description']), /message number 6/);
    assert.match(String(s.emulator.state.all('Task')[0]?.['Description']), /message number 6/);
  });

  it('URL-encodes the external id in the upsert path', async () => {
    const chat = conversation({}, 2, 'a b/c?d');
    const record = value(await s.connector.upsert({ action: 'lead', conversation: chat }));
    assert.equal(s.emulator.state.get('Lead', record.id)?.['Chat_Conversation_Id__c'], 'a b/c?d');
    const write = s.emulator.apiRequests()[1]?.subrequests?.[0];
    assert.equal(write?.url, '/services/data/v67.0/sobjects/Lead/Chat_Conversation_Id__c/a%20b%2Fc%3Fd');
  });

  it('makes a case with origin, supplied fields, the contact and a Task, in 2 round trips', async () => {
    const contact = s.emulator.state.seed('Contact', { LastName: 'Hopper', Email: 'grace@example.com' });
    const chat = conversation({ name: 'Grace Hopper', email: 'grace@example.com', phone: '555-0100' });
    const record = value(await s.connector.upsert({ action: 'case', conversation: chat }));

    assert.equal(record.type, 'Case');
    assert.equal(s.emulator.apiRequests().length, 2, 'sequential round trips for a case');
    const kase = s.emulator.state.get('Case', record.id);
    assert.ok(kase);
    assert.deepEqual(
      [
        kase['Origin'],
        kase['SuppliedName'],
        kase['SuppliedEmail'],
        kase['SuppliedPhone'],
        kase['ContactId'],
        kase['Chat_Conversation_Id__c'],
      ],
      ['Web', 'Grace Hopper', 'grace@example.com', '555-0100', contact.Id, chat.id],
    );
    assert.match(String(kase['Subject']), /^Chat with Grace Hopper: message number 1/);
    const [task] = s.emulator.state.all('Task');
    assert.deepEqual([task?.['WhatId'], task?.['WhoId']], [record.id, contact.Id]);

    const again = value(
      await s.connector.upsert({
        action: 'case',
        conversation: { ...chat, messages: [...chat.messages, ...chat.messages] },
        previous: record,
      }),
    );
    assert.equal(again.id, record.id);
    assert.equal(s.emulator.state.all('Case').length, 1);
    assert.equal(s.emulator.state.all('Task').length, 1);
  });

  it('reuses an existing Contact with the visitor email instead of creating a Lead', async () => {
    const contact = s.emulator.state.seed('Contact', { LastName: 'Known', Email: 'Known@Example.com' });
    const record = value(await s.connector.upsert({ action: 'lead', conversation: conversation({ email: 'known@example.com' }) }));
    assert.deepEqual([record.type, record.id], ['Contact', contact.Id]);
    assert.equal(record.url, `${s.emulator.url}/lightning/r/Contact/${contact.Id}/view`);
    assert.equal(s.emulator.state.all('Lead').length, 0);
    assert.equal(s.emulator.state.all('Task')[0]?.['WhoId'], contact.Id);
  });

  it('logs on the converted Contact once the lead was converted', async () => {
    const chat = conversation({ name: 'Alan Turing' });
    const created = value(await s.connector.upsert({ action: 'lead', conversation: chat }));
    const contact = s.emulator.state.convertLead(created.id);
    const again = value(
      await s.connector.upsert({
        action: 'lead',
        conversation: { ...chat, messages: [...chat.messages, ...chat.messages] },
        previous: created,
      }),
    );
    assert.deepEqual([again.type, again.id], ['Contact', contact.Id]);
    assert.equal(s.emulator.state.all('Task').length, 1);
    assert.match(String(s.emulator.state.all('Task')[0]?.['Description']), /message number 2[\s\S]*message number 2/);
  });

  it('follows CANNOT_UPDATE_CONVERTED_LEAD when the lead is converted between read and write', async () => {
    const chat = conversation({ name: 'Alan Turing' });
    const created = value(await s.connector.upsert({ action: 'lead', conversation: chat }));
    let converted: string | undefined;
    let composites = 0;
    // Converted by someone else after our read (1st composite) and before our write (2nd).
    s.emulator.faults.beforeApiRequest = ({ path }) => {
      if (path.endsWith('/composite') && ++composites === 2) converted = s.emulator.state.convertLead(created.id).Id;
    };
    const again = value(await s.connector.upsert({ action: 'lead', conversation: chat, previous: created }));
    assert.deepEqual([again.type, again.id], ['Contact', converted]);
    assert.ok(
      s.emulator.apiRequests().some((r) => r.subrequests?.some((x) => x.status === 400)),
      'the write hit CANNOT_UPDATE_CONVERTED_LEAD',
    );
  });

  it('sends concurrent duplicate deliveries to one Lead', async () => {
    const chat = conversation({ name: 'Racy Visitor' });
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => s.connector.upsert({ action: 'lead', conversation: chat })));
    const ids = new Set(outcomes.map((o) => value(o).id));
    assert.equal(ids.size, 1);
    assert.equal(s.emulator.state.all('Lead').length, 1);
  });

  it('treats 5xx, dropped connections and timeouts as transient', async () => {
    s.emulator.faults.inject({ kind: 'status', status: 503 });
    assert.deepEqual([failure(await s.connector.upsert({ action: 'lead', conversation: conversation() })).code], ['CRM_UNAVAILABLE']);
    s.emulator.faults.inject({ kind: 'drop' });
    const dropped = failure(await s.connector.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([dropped.kind, dropped.code], ['transient', 'CRM_UNAVAILABLE']);
    const impatient = connectorFor({ ...s.env, SALESFORCE_TIMEOUT_MS: '200' });
    s.emulator.faults.inject({ kind: 'delay', ms: 500 });
    const slow = failure(await impatient.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([slow.kind, slow.code], ['transient', 'CRM_TIMEOUT']);
  });

  it('reuses the person a duplicate rule points to (DUPLICATES_DETECTED)', async () => {
    s.emulator.state.duplicateRules = true;
    const existing = s.emulator.state.seed('Lead', {
      LastName: 'Same',
      Company: 'Phone Co',
      Phone: '+1 (555) 010-0200',
      IsConverted: false,
    });
    const record = value(
      await s.connector.upsert({ action: 'lead', conversation: conversation({ email: 'other@example.com', phone: '15550100200' }) }),
    );
    assert.deepEqual([record.type, record.id], ['Lead', existing.Id]);
    assert.equal(s.emulator.state.all('Lead').length, 1);
    assert.equal(s.emulator.state.all('Task')[0]?.['WhoId'], existing.Id);
  });

  it('finds a person by email: a Contact first, then an open Lead', async () => {
    assert.equal(value(await s.connector.findPerson('nobody@example.com')), undefined);
    const lead = s.emulator.state.seed('Lead', { LastName: 'L', Company: 'C', Email: 'p@example.com', IsConverted: false });
    assert.deepEqual(value(await s.connector.findPerson('p@example.com')), {
      type: 'Lead',
      id: lead.Id,
      url: `${s.emulator.url}/lightning/r/Lead/${lead.Id}/view`,
    });
    const contact = s.emulator.state.seed('Contact', { LastName: 'C', Email: 'p@example.com' });
    assert.equal(value(await s.connector.findPerson('p@example.com'))?.id, contact.Id);
    assert.equal(value(await s.connector.findPerson("o'brien\\@example.com")), undefined);
  });
});
