import { strict as assert } from 'node:assert';
import { decodeMapping, mapConversation, type MappedFields } from '../../../src/domain/mapping';
import type { Conversation, Visitor } from '../../../src/domain/conversation';
import { silentLog } from '../../../src/domain/log';
import { createSalesforceConnector } from '../../../connectors/salesforce/connector';
import { configFor, conversation, failure, sandbox, value, type Sandbox } from './support';

const mappingOf = (json: unknown) => {
  const decoded = decodeMapping(json);
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  return decoded.mapping;
};

/** A chat whose operator has an email (what `owner: "agent"` looks up). */
const chatBy = (operatorEmail: string | undefined, visitor: Visitor = {}, id?: string): Conversation => {
  const c = conversation(visitor, 2, id);
  return { ...c, operators: [{ id: 'op1', name: 'Olark Operator', ...(operatorEmail === undefined ? {} : { email: operatorEmail }) }] };
};

const ownerQueries = (s: Sandbox) =>
  s.emulator
    .apiRequests()
    .flatMap((r) => (r.subrequests ?? []).map((x) => x.url))
    .filter((u) => decodeURIComponent(u).includes('FROM User')).length;

/** The subrequest that wrote the Lead or Case of the last delivery. */
const lastWrite = (s: Sandbox, type: 'Lead' | 'Case') =>
  s.emulator
    .apiRequests()
    .flatMap((r) => r.subrequests ?? [])
    .filter((x) => x.method === 'PATCH' && x.url.includes(`/sobjects/${type}/`))
    .at(-1);

describe('Salesforce connector: mapped fields, owner and company', () => {
  let s: Sandbox;
  beforeEach(async () => {
    s = await sandbox();
  });
  afterEach(() => s.emulator.close());

  const deliver = (action: 'lead' | 'case', chat: Conversation, fields: MappedFields | undefined) =>
    s.connector.upsert({ action, conversation: chat, ...(fields === undefined ? {} : { fields }) });

  it('writes lead.fields on the Lead and case.fields on the Case, never a Contact', async () => {
    const mapping = mappingOf({
      lead: { fields: { Status: 'Working - Contacted', City: '{{visitor.city}}' } },
      case: { fields: { Priority: '{{form.Priority|"Medium"}}' } },
      contact: { fields: { Description: 'from chat' } },
    });
    const chat = { ...conversation({ email: 'kim@acme.io', city: 'Oslo' }), form: { priority: 'High' } };
    const lead = value(await deliver('lead', chat, mapConversation(mapping, chat, 'lead')));
    assert.deepEqual(
      [s.emulator.state.get('Lead', lead.id)?.['Status'], s.emulator.state.get('Lead', lead.id)?.['City']],
      ['Working - Contacted', 'Oslo'],
    );

    const contact = s.emulator.state.seed('Contact', { LastName: 'Kim', Email: 'kim@acme.io', Description: 'typed by sales' });
    const kase = value(await deliver('case', chat, mapConversation(mapping, chat, 'case')));
    assert.equal(s.emulator.state.get('Case', kase.id)?.['Priority'], 'High');
    assert.equal(s.emulator.state.get('Contact', contact.Id)?.['Description'], 'typed by sales');
  });

  it('fills blanks on repeats and writes overwrite names every time', async () => {
    const mapping = mappingOf({ lead: { fields: { City: '{{custom.city}}', Status: '{{custom.status}}' } }, overwrite: ['Status'] });
    const first = { ...conversation({ email: 'a@acme.io' }), custom: { city: 'Oslo', status: 'Working - Contacted' } };
    const created = value(await deliver('lead', first, mapConversation(mapping, first, 'lead')));
    const lead = s.emulator.state.get('Lead', created.id);
    assert.ok(lead);
    lead['City'] = 'Bergen'; // typed by sales
    const again = { ...first, custom: { city: 'Trondheim', status: 'Closed - Not Converted' } };
    value(await deliver('lead', again, mapConversation(mapping, again, 'lead')));
    assert.deepEqual([lead['City'], lead['Status']], ['Bergen', 'Closed - Not Converted']);
    lead['City'] = '';
    value(await deliver('lead', again, mapConversation(mapping, again, 'lead')));
    assert.equal(lead['City'], 'Trondheim', 'a blank is filled');
  });

  it('sets the agent as owner on creation with Sforce-Auto-Assign: FALSE, never changes it, and looks the agent up once', async () => {
    const agent = s.emulator.state.all('User').find((u) => u['Email'] === 'agent@chat2crm.example');
    assert.ok(agent);
    s.emulator.state.assignmentRules.set('Lead', s.emulator.state.integrationUserId ?? '');
    const mapping = mappingOf({ owner: 'agent' });
    const chat = chatBy('Agent@chat2crm.example', { email: 'o@acme.io' });
    const created = value(await deliver('lead', chat, mapConversation(mapping, chat, 'lead')));
    assert.equal(s.emulator.state.get('Lead', created.id)?.['OwnerId'], agent.Id, 'the assignment rule did not override it');
    assert.equal(lastWrite(s, 'Lead')?.autoAssign, 'FALSE');

    const other = s.emulator.state.addUser({ Email: 'other@chat2crm.example', Name: 'Other', IsActive: true });
    const later = chatBy('other@chat2crm.example', { email: 'o@acme.io' }, chat.id);
    value(await deliver('lead', later, mapConversation(mapping, later, 'lead')));
    assert.equal(s.emulator.state.get('Lead', created.id)?.['OwnerId'], agent.Id, 'never changed later, by us or by the rule');
    const update = lastWrite(s, 'Lead');
    assert.equal(update?.autoAssign, 'FALSE', 'an update keeps the rule from running again');
    assert.ok(other.Id);

    for (let i = 0; i < 3; i++) {
      const next = chatBy('agent@chat2crm.example', { email: `n${i}@acme.io` });
      value(await deliver('lead', next, mapConversation(mapping, next, 'lead')));
    }
    assert.equal(ownerQueries(s), 2, 'one lookup per agent email over five deliveries');
  });

  it('sets no owner for an agent without an active User, and the assignment rule wins without the header', async () => {
    const rule = s.emulator.state.addUser({ Email: 'queue.owner@chat2crm.example', Name: 'Rule Owner', IsActive: true });
    s.emulator.state.assignmentRules.set('Lead', rule.Id);
    const mapping = mappingOf({ owner: 'agent' });
    const before = s.emulator.apiRequests().length;
    const chat = chatBy('former.agent@chat2crm.example', { email: 'p@acme.io' });
    const created = value(await deliver('lead', chat, mapConversation(mapping, chat, 'lead')));
    assert.equal(s.emulator.apiRequests().length - before, 2, 'the lookup rides in the read: 2 calls for a new lead with owner lookup');
    assert.equal(s.emulator.state.get('Lead', created.id)?.['OwnerId'], rule.Id);
    assert.equal(lastWrite(s, 'Lead')?.autoAssign, undefined);
    const again = chatBy('former.agent@chat2crm.example', { email: 'q@acme.io' });
    value(await deliver('lead', again, mapConversation(mapping, again, 'lead')));
    assert.equal(ownerQueries(s), 1, 'the miss is cached too');
  });

  it('owner given as a user id or email: always that user on creation; "none": never', async () => {
    const agent = s.emulator.state.all('User').find((u) => u['Email'] === 'agent@chat2crm.example');
    assert.ok(agent);
    const byId = mappingOf({ owner: agent.Id });
    const c1 = chatBy(undefined, { email: 'r@acme.io' });
    const l1 = value(await deliver('lead', c1, mapConversation(byId, c1, 'lead')));
    assert.equal(s.emulator.state.get('Lead', l1.id)?.['OwnerId'], agent.Id);
    assert.equal(ownerQueries(s), 0);
    const byEmail = mappingOf({ owner: 'agent@chat2crm.example' });
    const c2 = chatBy(undefined, {});
    const k2 = value(await deliver('case', c2, mapConversation(byEmail, c2, 'case')));
    assert.equal(s.emulator.state.get('Case', k2.id)?.['OwnerId'], agent.Id);
    assert.equal(lastWrite(s, 'Case')?.autoAssign, 'FALSE');
    const none = mappingOf({ owner: 'none' });
    const c3 = chatBy('agent@chat2crm.example', {});
    const l3 = value(await deliver('lead', c3, mapConversation(none, c3, 'lead')));
    assert.equal(s.emulator.state.get('Lead', l3.id)?.['OwnerId'], s.emulator.state.integrationUserId);
  });

  it('without a mapping: no header on creation, so the rule assigns; updates never reassign what sales changed', async () => {
    const rule = s.emulator.state.addUser({ Email: 'rule@chat2crm.example', Name: 'Rule', IsActive: true });
    const seller = s.emulator.state.addUser({ Email: 'seller@chat2crm.example', Name: 'Seller', IsActive: true });
    s.emulator.state.assignmentRules.set('Lead', rule.Id);
    s.emulator.state.assignmentRules.set('Case', rule.Id);
    for (const action of ['lead', 'case'] as const) {
      const type = action === 'lead' ? 'Lead' : 'Case';
      const chat = conversation({ email: `${action}@acme.io` });
      const created = value(await s.connector.upsert({ action, conversation: chat }));
      assert.equal(lastWrite(s, type)?.autoAssign, undefined);
      const stored = s.emulator.state.get(type, created.id);
      assert.equal(stored?.['OwnerId'], rule.Id);
      if (stored !== undefined) stored['OwnerId'] = seller.Id; // reassigned by hand
      value(
        await s.connector.upsert({ action, conversation: { ...chat, messages: [...chat.messages, ...chat.messages] }, previous: created }),
      );
      assert.equal(s.emulator.state.get(type, created.id)?.['OwnerId'], seller.Id, `${type} kept its owner`);
      assert.equal(lastWrite(s, type)?.autoAssign, 'FALSE');
    }
  });

  it('links a Case to the Contact with the visitor email and its Account', async () => {
    const account = s.emulator.state.seed('Account', { Name: 'Acme' });
    const contact = s.emulator.state.seed('Contact', { LastName: 'Lee', Email: 'lee@acme.io', AccountId: account.Id });
    const kase = value(await s.connector.upsert({ action: 'case', conversation: conversation({ email: 'lee@acme.io' }) }));
    const stored = s.emulator.state.get('Case', kase.id);
    assert.deepEqual([stored?.['ContactId'], stored?.['AccountId']], [contact.Id, account.Id]);
  });

  it('Lead Company: visitor.company, else a work email domain, else [not provided] for free mail', async () => {
    const company = async (visitor: Visitor) =>
      s.emulator.state.get('Lead', value(await s.connector.upsert({ action: 'lead', conversation: conversation(visitor) })).id)?.[
        'Company'
      ];
    assert.equal(await company({ email: 'a@acme.io', company: 'Acme Inc' }), 'Acme Inc');
    assert.equal(await company({ email: 'b@Sales.Acme.io', name: 'Bo Li' }), 'sales.acme.io');
    assert.equal(await company({ email: 'c@gmail.com', name: 'Cy Ng' }), '[not provided]');
  });

  it('a refused mapped value is a permanent failure naming the field, not the value', async () => {
    const picklist = mappingOf({ lead: { fields: { Status: '{{custom.status}}' } } });
    const chat = { ...conversation({ email: 'x@acme.io' }), custom: { status: 'Secret-Value-42' } };
    const refused = failure(await deliver('lead', chat, mapConversation(picklist, chat, 'lead')));
    assert.equal(refused.kind, 'permanent');
    assert.match(refused.message, /Lead\.Status.*lead\.fields\.Status/);
    assert.doesNotMatch(refused.message, /Secret-Value-42/);

    const long = mappingOf({ lead: { fields: { City: '{{custom.town}}' } } });
    const far = { ...conversation({ email: 'y@acme.io' }), custom: { town: 'Llanfairpwllgwyngyll-Secret-'.repeat(3) } };
    const tooLong = failure(await deliver('lead', far, mapConversation(long, far, 'lead')));
    assert.match(tooLong.message, /lead\.fields\.City.*Lead\.City.*STRING_TOO_LONG/);
    assert.doesNotMatch(tooLong.message, /Secret/);

    const unknown = mappingOf({ case: { fields: { Nope__c: 'x' } } });
    const missing = failure(await deliver('case', chat, mapConversation(unknown, chat, 'case')));
    assert.equal(missing.code, 'CRM_MISSING_FIELD');
    assert.match(missing.message, /Nope__c.*case\.fields\.Nope__c/);
  });

  it('setup (check) names each mapped field that is missing or not writable', async () => {
    const mapping = mappingOf({
      lead: { fields: { Nope__c: 'x', IsConverted: 'y', city: '{{visitor.city}}', LeadSource: 'Chat', Status: '{{custom.status}}' } },
      case: { fields: { Priority: 'High' } },
      contact: { fields: { Title: 'z' } },
    });
    const connector = createSalesforceConnector(configFor(s.env), {
      log: silentLog,
      publicUrl: 'http://localhost:3000',
      mapping,
    });
    const report = await connector.check();
    assert.equal(report.ok, false);
    const item = (name: string) => report.items.find((i) => i.name === name);
    assert.match(item('Lead.Nope__c (lead.fields)')?.detail ?? '', /no such field on Lead/);
    assert.equal(item('Lead.Nope__c (lead.fields)')?.ok, false);
    assert.match(item('Lead.IsConverted (lead.fields)')?.detail ?? '', /cannot create or edit/);
    assert.equal(item('Lead.city (lead.fields)')?.ok, true, 'names are case-insensitive');
    assert.equal(item('Case.Priority (case.fields)')?.ok, true);
    assert.match(
      item('Lead.LeadSource (lead.fields)')?.detail ?? '',
      /"Chat" is not an active value of the restricted picklist Lead\.LeadSource/,
    );
    assert.equal(item('Lead.Status (lead.fields)')?.ok, true, 'a template is checked at delivery');
    assert.match(item('contact.fields')?.detail ?? '', /never changed/);
  });
});

describe('Salesforce connector: CRM calls per new lead with mapping, without /composite', () => {
  it('counts the calls one by one: 6 without an owner lookup, 7 with one', async () => {
    const s = await sandbox({ composite: false });
    try {
      const warm = conversation({ email: 'warm@acme.io' });
      value(await s.connector.upsert({ action: 'lead', conversation: warm })); // learns that /composite is not served
      const calls = async (chat: Conversation, fields?: MappedFields) => {
        const before = s.emulator.apiRequests().length;
        value(await s.connector.upsert({ action: 'lead', conversation: chat, ...(fields === undefined ? {} : { fields }) }));
        return s.emulator.apiRequests().slice(before);
      };
      assert.equal((await calls(conversation({ email: 'n1@acme.io' }))).length, 6);
      const mapping = mappingOf({ owner: 'agent', lead: { fields: { City: 'Oslo' } } });
      const chat = chatBy('agent@chat2crm.example', { email: 'n2@acme.io' });
      const withOwner = await calls(chat, mapConversation(mapping, chat, 'lead'));
      assert.equal(withOwner.length, 7);
      const write = withOwner.find((r) => r.method === 'PATCH' && r.path.includes('/sobjects/Lead/'));
      assert.equal(write?.autoAssign, 'FALSE', 'the header goes on the plain REST call too');
      const next = chatBy('agent@chat2crm.example', { email: 'n3@acme.io' });
      assert.equal((await calls(next, mapConversation(mapping, next, 'lead'))).length, 6, 'the cached agent costs no call');
    } finally {
      await s.emulator.close();
    }
  });
});
