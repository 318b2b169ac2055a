import { strict as assert } from 'node:assert';
import { isLeft } from 'fp-ts/Either';
import { describeErrors } from '../../../src/domain/codecs';
import { SalesforceConfigCodec } from '../../../connectors/salesforce';
import { configFor, connectorFor, conversation, failure, sandbox, type Sandbox } from './support';

describe('Salesforce connector: permanent failures and check()', () => {
  let s: Sandbox;
  beforeEach(async () => {
    s = await sandbox();
  });
  afterEach(() => s.emulator.close());
  const lead = () => {
    const fields = s.emulator.state.schema.get('Lead')?.fields;
    assert.ok(fields !== undefined, 'the emulator describes Lead');
    return fields;
  };

  it('names the missing external-id field and what the admin must do (NOT_FOUND)', async () => {
    const field = lead().get('Chat_Conversation_Id__c');
    assert.ok(field);
    lead().set('Chat_Conversation_Id__c', { ...field, externalId: false });
    const f = failure(await s.connector.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([f.kind, f.code], ['permanent', 'CRM_MISSING_FIELD']);
    assert.match(f.message, /Lead\.Chat_Conversation_Id__c.*External ID/);
    const report = await s.connector.check();
    assert.equal(report.ok, false);
    assert.match(report.items.find((i) => i.name === 'Lead.Chat_Conversation_Id__c')?.detail ?? '', /not marked "External ID"/);
  });

  it('names the field for REQUIRED_FIELD_MISSING, STRING_TOO_LONG and INVALID_FIELD', async () => {
    lead().set('Industry', { name: 'Industry', label: 'Industry', type: 'string', length: 40, required: true });
    const required = failure(await s.connector.upsert({ action: 'lead', conversation: conversation() }));
    assert.deepEqual([required.code, /requires Industry on Lead/.test(required.message)], ['CRM_VALIDATION', true]);
    lead().delete('Industry');

    lead().set('City', { name: 'City', label: 'City', type: 'string', length: 3 });
    const tooLong = failure(await s.connector.upsert({ action: 'lead', conversation: conversation({ city: 'Lisbon' }) }));
    assert.deepEqual([tooLong.kind, /Lead\.City/.test(tooLong.message), tooLong.message.includes('Lisbon')], ['permanent', true, false]);
    lead().delete('City');

    const missing = failure(await s.connector.upsert({ action: 'lead', conversation: conversation({ city: 'Lisbon' }) }));
    assert.deepEqual([missing.code, /No such column 'City'/.test(missing.message)], ['CRM_MISSING_FIELD', true]);
    assert.equal(s.emulator.state.all('Lead').length, 0, 'allOrNone rolled the write back');
    assert.equal(s.emulator.state.all('Task').length, 0);
  });

  it('reports a healthy org, and picklist values that do not exist', async () => {
    const report = await s.connector.check();
    assert.equal(report.ok, true, JSON.stringify(report.items));
    assert.deepEqual(
      report.items.map((i) => i.name),
      [
        'login',
        'API version',
        'Lead.Chat_Conversation_Id__c',
        'Case.Chat_Conversation_Id__c',
        'Lead.LeadSource = Web',
        'Case.Origin = Web',
        'Task.Status = Completed',
        'Task.Priority = Normal',
      ],
    );
    const chatOrigin = connectorFor({ ...s.env, SALESFORCE_CASE_ORIGIN: 'Chat' });
    const bad = await chatOrigin.check();
    assert.equal(bad.ok, false);
    assert.match(bad.items.find((i) => i.name === 'Case.Origin = Chat')?.detail ?? '', /SALESFORCE_CASE_ORIGIN/);
  });
});

describe('Salesforce configuration', () => {
  const errorsOf = (env: Record<string, string>) => {
    const decoded = SalesforceConfigCodec.decode(env);
    return isLeft(decoded) ? describeErrors(decoded.left) : [];
  };

  it('picks the grant from the keys that are set, with defaults', () => {
    const c = configFor({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_CLIENT_SECRET: 'secret' });
    assert.deepEqual(
      [c.grant.kind, c.loginUrl, c.apiVersion, c.externalIdField, c.caseOrigin, c.leadSource],
      ['client_credentials', 'https://login.salesforce.com', '67.0', 'Chat_Conversation_Id__c', 'Web', 'Web'],
    );
    assert.equal(configFor({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_REFRESH_TOKEN: 'rt' }).grant.kind, 'refresh_token');
    assert.equal(
      configFor({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_CLIENT_SECRET: 's', SALESFORCE_USERNAME: 'u', SALESFORCE_PASSWORD: 'p' }).grant
        .kind,
      'password',
    );
    const jwt = configFor({
      SALESFORCE_CLIENT_ID: 'id',
      SALESFORCE_USERNAME: 'u',
      SALESFORCE_PRIVATE_KEY_FILE: 'k.pem',
      SALESFORCE_LOGIN_URL: 'https://test.salesforce.com',
    });
    assert.deepEqual([jwt.grant.kind, jwt.grant.kind === 'jwt' ? jwt.grant.audience : ''], ['jwt', 'https://test.salesforce.com']);
  });

  it('names the missing key of an incomplete combination, and bad values', () => {
    assert.match(errorsOf({})[0] ?? '', /^SALESFORCE_CLIENT_ID: set one of/);
    const partial = errorsOf({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_USERNAME: 'u' });
    assert.equal(partial.length, 1);
    assert.match(
      partial[0] ?? '',
      /^SALESFORCE_CLIENT_SECRET: the username-password grant \(chosen because SALESFORCE_USERNAME is set\) also needs SALESFORCE_CLIENT_SECRET and SALESFORCE_PASSWORD\. Salesforce retires the username-password grant on 20 February 2027; rather set one of: SALESFORCE_CLIENT_ID \+ SALESFORCE_CLIENT_SECRET/,
    );
    assert.match(
      errorsOf({ SALESFORCE_PRIVATE_KEY_FILE: 'k.pem' })[0] ?? '',
      /JWT bearer.*needs SALESFORCE_CLIENT_ID and SALESFORCE_USERNAME/,
    );
    const bad = errorsOf({
      SALESFORCE_CLIENT_ID: 'id',
      SALESFORCE_CLIENT_SECRET: 's',
      SALESFORCE_API_VERSION: '45.0',
      SALESFORCE_EXTERNAL_ID_FIELD: 'Name',
    });
    assert.deepEqual(
      bad.map((e) => e.split(':')[0]),
      ['SALESFORCE_API_VERSION', 'SALESFORCE_EXTERNAL_ID_FIELD'],
    );
  });
});
