import { strict as assert } from 'node:assert';
import * as t from 'io-ts';
import { createSalesforceConnector } from '../../../connectors/salesforce/connector';
import { createSalesforceClient, type Subrequest, type SubResult } from '../../../connectors/salesforce/client';
import { silentLog, type Log } from '../../../src/domain/log';
import { startSalesforceEmulator } from '../../emulators/salesforce';
import { configFor, connectorFor, conversation, failure, sandbox, value, type Sandbox } from './support';

/** The emulator answers `/composite` with Salesforce's 404 for a resource it does not serve. */
describe('Salesforce connector without /composite: the subrequests one by one', () => {
  let s: Sandbox;
  beforeEach(async () => {
    s = await sandbox({ composite: false });
  });
  afterEach(() => s.emulator.close());

  const calls = (from = 0) =>
    s.emulator
      .apiRequests()
      .slice(from)
      .map((r) => `${r.method} ${r.path} ${r.status}`);
  const composites = () => s.emulator.apiRequests().filter((r) => r.path.endsWith('/composite')).length;
  const leadFields = () => {
    const fields = s.emulator.state.schema.get('Lead')?.fields;
    assert.ok(fields !== undefined, 'the emulator describes Lead');
    return fields;
  };

  it('creates a Lead and its Task with plain REST calls after one 404 from /composite', async () => {
    const chat = conversation({ name: 'Ada Lovelace', email: 'ada@example.com' });
    const record = value(await s.connector.upsert({ action: 'lead', conversation: chat }));

    assert.deepEqual([record.type, record.url], ['Lead', `${s.emulator.url}/lightning/r/Lead/${record.id}/view`]);
    const lead = s.emulator.state.get('Lead', record.id);
    assert.ok(lead);
    assert.deepEqual([lead['Chat_Conversation_Id__c'], lead['LastName'], lead['Email']], [chat.id, 'Lovelace', 'ada@example.com']);
    const tasks = s.emulator.state.all('Task');
    assert.equal(tasks.length, 1);
    assert.deepEqual([tasks[0]?.['WhoId'], tasks[0]?.['Status'], tasks[0]?.Id], [record.id, 'Completed', record.refs['taskId']]);
    const v = '/services/data/v67.0';
    assert.deepEqual(calls(), [
      `POST ${v}/composite 404`,
      `GET ${v}/query 200`,
      `GET ${v}/query 200`,
      `GET ${v}/query 200`,
      `GET ${v}/query 200`,
      `PATCH ${v}/sobjects/Lead/Chat_Conversation_Id__c/${encodeURIComponent(chat.id)} 201`,
      `POST ${v}/sobjects/Task 201`,
    ]);
    assert.equal(s.emulator.tokenRequests().length, 1);
  });

  it('updates the same Lead and Task on a repeat, without trying /composite again', async () => {
    const first = conversation({ email: 'ada@example.com' }, 2);
    const created = value(await s.connector.upsert({ action: 'lead', conversation: first }));
    const before = s.emulator.apiRequests().length;

    const longer = conversation({ name: 'Ada Lovelace', email: 'ada@example.com', company: 'Visitor Co' }, 6, first.id);
    const again = value(await s.connector.upsert({ action: 'lead', conversation: longer, previous: created }));

    assert.deepEqual([again.id, again.refs['taskId']], [created.id, created.refs['taskId']]);
    assert.equal(s.emulator.state.all('Lead').length, 1);
    assert.equal(s.emulator.state.all('Task').length, 1);
    const lead = s.emulator.state.get('Lead', created.id);
    assert.deepEqual([lead?.['LastName'], lead?.['Company']], ['Lovelace', 'Visitor Co'], 'our fallbacks were filled in');
    assert.match(String(s.emulator.state.all('Task')[0]?.['Description']), /message number 6/);
    const v = '/services/data/v67.0';
    assert.deepEqual(calls(before), [
      `GET ${v}/query 200`,
      `GET ${v}/query 200`,
      `GET ${v}/query 200`,
      `GET ${v}/query 200`,
      `PATCH ${v}/sobjects/Lead/Chat_Conversation_Id__c/${encodeURIComponent(first.id)} 200`,
      `PATCH ${v}/sobjects/Task/${created.refs['taskId'] ?? ''} 204`,
    ]);
    assert.equal(composites(), 1);
  });

  it('makes a case related to the Contact, then updates it', async () => {
    const contact = s.emulator.state.seed('Contact', { LastName: 'Hopper', Email: 'grace@example.com' });
    const chat = conversation({ name: 'Grace Hopper', email: 'grace@example.com' });
    const record = value(await s.connector.upsert({ action: 'case', conversation: chat }));

    const kase = s.emulator.state.get('Case', record.id);
    assert.deepEqual(
      [record.type, kase?.['ContactId'], kase?.['Origin'], kase?.['Chat_Conversation_Id__c']],
      ['Case', contact.Id, 'Web', chat.id],
    );
    const [task] = s.emulator.state.all('Task');
    assert.deepEqual([task?.['WhatId'], task?.['WhoId']], [record.id, contact.Id]);
    assert.equal(s.emulator.apiRequests().length, 1 + 3 + 2, 'the 404, three reads, two writes');

    const again = value(
      await s.connector.upsert({
        action: 'case',
        conversation: { ...chat, messages: [...chat.messages, ...chat.messages] },
        previous: record,
      }),
    );
    assert.deepEqual([again.id, again.refs['taskId']], [record.id, record.refs['taskId']]);
    assert.deepEqual([s.emulator.state.all('Case').length, s.emulator.state.all('Task').length], [1, 1]);
  });

  it('reuses an existing Contact, and the person a duplicate rule points to', async () => {
    const contact = s.emulator.state.seed('Contact', { LastName: 'Known', Email: 'known@example.com' });
    const known = value(await s.connector.upsert({ action: 'lead', conversation: conversation({ email: 'known@example.com' }) }));
    assert.deepEqual([known.type, known.id], ['Contact', contact.Id]);

    s.emulator.state.duplicateRules = true;
    const existing = s.emulator.state.seed('Lead', {
      LastName: 'Same',
      Company: 'Phone Co',
      Phone: '+1 (555) 010-0200',
      IsConverted: false,
    });
    const matched = value(
      await s.connector.upsert({ action: 'lead', conversation: conversation({ email: 'other@example.com', phone: '15550100200' }) }),
    );
    assert.deepEqual([matched.type, matched.id], ['Lead', existing.Id]);
    assert.equal(s.emulator.state.all('Lead').length, 1);
    assert.deepEqual(
      s.emulator.state.all('Task').map((x) => x['WhoId']),
      [contact.Id, existing.Id],
    );
  });

  it('still names permanent errors: REQUIRED_FIELD_MISSING, a missing external-id field, several records with one id', async () => {
    leadFields().set('Industry', { name: 'Industry', label: 'Industry', type: 'string', length: 40, required: true });
    const required = failure(await s.connector.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([required.kind, required.code, required.status], ['permanent', 'CRM_VALIDATION', 400]);
    assert.match(required.message, /requires Industry on Lead/);
    assert.deepEqual(
      [s.emulator.state.all('Lead').length, s.emulator.state.all('Task').length],
      [0, 0],
      'the Task was halted after the failed upsert',
    );
    assert.ok(!s.emulator.apiRequests().some((r) => r.method === 'POST' && r.path.endsWith('/sobjects/Task')));
    leadFields().delete('Industry');

    const field = leadFields().get('Chat_Conversation_Id__c');
    assert.ok(field);
    leadFields().set('Chat_Conversation_Id__c', { ...field, externalId: false });
    const missing = failure(await s.connector.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([missing.kind, missing.code, missing.status], ['permanent', 'CRM_MISSING_FIELD', 404]);
    assert.match(missing.message, /Lead\.Chat_Conversation_Id__c.*External ID/);
    leadFields().set('Chat_Conversation_Id__c', field);

    const chat = conversation();
    s.emulator.state.seed('Lead', { LastName: 'A', Company: 'A', Chat_Conversation_Id__c: chat.id });
    s.emulator.state.seed('Lead', { LastName: 'B', Company: 'B', Chat_Conversation_Id__c: chat.id });
    const several = failure(await s.connector.upsert({ action: 'lead', conversation: chat }));
    assert.deepEqual([several.kind, several.code, several.status], ['permanent', 'CRM_DUPLICATE_EXTERNAL_ID', 300]);
    assert.equal(s.emulator.state.all('Task').length, 0);
    assert.equal(composites(), 1);
  });

  it('keeps the Lead of a write whose Task failed (no rollback), and the retry converges on it', async () => {
    const tasks = s.emulator.state.schema.get('Task')?.fields;
    assert.ok(tasks !== undefined);
    tasks.set('Type', { name: 'Type', label: 'Type', type: 'string', length: 40, required: true });
    const chat = conversation({ name: 'Retry Later' });
    const f = failure(await s.connector.upsert({ action: 'lead', conversation: chat }));
    assert.deepEqual([f.kind, f.code], ['permanent', 'CRM_VALIDATION']);
    assert.match(f.message, /requires Type on Task/);
    assert.equal(s.emulator.state.all('Lead').length, 1);
    assert.equal(s.emulator.state.all('Task').length, 0);

    tasks.delete('Type');
    const record = value(await s.connector.upsert({ action: 'lead', conversation: chat }));
    assert.equal(record.id, s.emulator.state.all('Lead')[0]?.Id);
    assert.deepEqual([s.emulator.state.all('Lead').length, s.emulator.state.all('Task').length], [1, 1]);
  });

  it('refreshes an expired session once in the middle of the calls and succeeds', async () => {
    const chat = conversation({ email: 'a@example.com' });
    value(await s.connector.upsert({ action: 'lead', conversation: chat }));
    s.emulator.faults.expireSessions();
    const before = s.emulator.requests.length;
    value(await s.connector.upsert({ action: 'lead', conversation: chat }));
    const after = s.emulator.requests.slice(before).map((r) => `${r.kind} ${r.status}`);
    assert.deepEqual(after, ['api 401', 'token 200', 'api 200', 'api 200', 'api 200', 'api 200', 'api 200', 'api 204']);
  });

  it('keeps limits, 5xx and timeouts of a single call transient for the whole delivery', async () => {
    value(await s.connector.findPerson('warm@example.com'));
    s.emulator.faults.inject({ kind: 'limit' });
    const limited = failure(await s.connector.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([limited.kind, limited.code, limited.status], ['transient', 'CRM_RATE_LIMITED', 403]);
    s.emulator.faults.inject({ kind: 'status', status: 503 });
    assert.deepEqual([failure(await s.connector.upsert({ action: 'lead', conversation: conversation() })).kind], ['transient']);
    const impatient = connectorFor({ ...s.env, SALESFORCE_TIMEOUT_MS: '200' });
    value(await impatient.findPerson('warm@example.com'));
    s.emulator.faults.inject({ kind: 'delay', ms: 500 });
    const slow = failure(await impatient.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([slow.kind, slow.code], ['transient', 'CRM_TIMEOUT']);
    assert.equal(s.emulator.state.all('Lead').length, 0);
  });

  it('tries /composite once per client and warns once, for upserts, findPerson and check()', async () => {
    const warnings: string[] = [];
    const log: Log = { ...silentLog, warn: (_obj, msg) => void warnings.push(msg ?? ''), child: () => log };
    const connector = createSalesforceConnector(configFor(s.env), {
      log,
      publicUrl: 'http://localhost:3000',
    });
    await Promise.all([1, 2, 3].map((n) => connector.findPerson(`p${n}@example.com`).then(value)));
    const chat = conversation({ email: 'once@example.com' });
    value(await connector.upsert({ action: 'lead', conversation: chat }));
    value(await connector.upsert({ action: 'case', conversation: chat }));
    const report = await connector.check();
    assert.equal(report.ok, true, JSON.stringify(report.items));
    assert.equal(composites(), 1, 'the concurrent first calls waited for the one 404');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /does not serve \/composite/);

    value(await connectorFor(s.env).findPerson('x@example.com'));
    assert.equal(composites(), 2, 'a new client tries again');
  });
});

describe('Salesforce client: one by one answers as composite does', () => {
  /** The same calls against an emulator with and one without `/composite`. */
  const both = async (
    run: (composite: (requests: readonly Subrequest[], allOrNone: boolean) => Promise<readonly SubResult[]>) => Promise<void>,
  ) => {
    const answers: (readonly SubResult[])[][] = [];
    for (const composite of [true, false]) {
      const emulator = await startSalesforceEmulator({ composite });
      try {
        emulator.state.seed('Contact', { LastName: 'Seeded', Email: 'seed@example.com' });
        const client = createSalesforceClient(
          configFor({
            SALESFORCE_LOGIN_URL: emulator.url,
            SALESFORCE_CLIENT_ID: emulator.credentials.clientId,
            SALESFORCE_CLIENT_SECRET: emulator.credentials.clientSecret,
          }),
        );
        const seen: (readonly SubResult[])[] = [];
        await run(async (requests, allOrNone) => {
          const result = value(await client.composite(requests, allOrNone, 'Lead'));
          seen.push(result);
          return result;
        });
        answers.push(seen);
      } finally {
        await emulator.close();
      }
    }
    assert.deepEqual(answers[1], answers[0]);
  };

  it('gives the same statuses and bodies for reads, nested references, upserts, updates and failures', async () => {
    const upsert = (value: string, body: Record<string, unknown>): Subrequest => ({
      method: 'PATCH',
      url: `/sobjects/Lead/Chat_Conversation_Id__c/${value}`,
      referenceId: 'lead',
      body,
    });
    await both(async (composite) => {
      const q = (soql: string) => `/query?q=${encodeURIComponent(soql)}`;
      await composite(
        [
          { method: 'GET', url: q("SELECT Id FROM Contact WHERE Email = 'seed@example.com' LIMIT 1"), referenceId: 'q' },
          { method: 'GET', url: '/sobjects/Contact/@{q.records[0].Id}?fields=LastName', referenceId: 'contact' },
          { method: 'GET', url: q("SELECT Id FROM Lead WHERE Email = 'none@example.com' LIMIT 1"), referenceId: 'none' },
        ],
        false,
      );
      const [created] = await composite(
        [
          upsert('c1', { LastName: 'New', Company: 'Co' }),
          { method: 'POST', url: '/sobjects/Task', referenceId: 'task', body: { Subject: 's', WhoId: '@{lead.id}' } },
        ],
        true,
      );
      assert.equal(created?.status, 201);
      const [, task] = await composite(
        [upsert('c1', { Company: 'Other' }), { method: 'GET', url: '/query?q=SELECT+Id+FROM+Task+LIMIT+1', referenceId: 'task' }],
        true,
      );
      assert.equal(task?.status, 200);
      const taskId = await composite([{ method: 'GET', url: q('SELECT Id FROM Task LIMIT 1'), referenceId: 't' }], false);
      const id = t.type({ records: t.array(t.type({ Id: t.string })) }).decode(taskId[0]?.body);
      assert.ok(id._tag === 'Right');
      await composite(
        [{ method: 'PATCH', url: `/sobjects/Task/${id.right.records[0]?.Id ?? ''}`, referenceId: 'task', body: { Description: 'd' } }],
        true,
      );
      await composite(
        [
          upsert('c2', { Company: 'No last name' }),
          { method: 'POST', url: '/sobjects/Task', referenceId: 'task', body: { WhoId: '@{lead.id}' } },
        ],
        true,
      );
      await composite(
        [
          { method: 'GET', url: q('SELECT Nope FROM Lead'), referenceId: 'bad' },
          { method: 'GET', url: q('SELECT Id FROM Lead'), referenceId: 'good' },
        ],
        false,
      );
    });
  });
});
