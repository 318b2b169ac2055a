/**
 * MAPPING_FILE with CRM=salesforce through the real service: mapped values and the agent as
 * owner reach the emulated org; a value Salesforce refuses makes a dead step that names the
 * field, never the value.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulators/salesforce';
import { eventually } from '../../http/admin/support';
import { integrationUrlOf } from '../../support/expect';
import { postOlark, transcript } from '../../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../../support/service';

const MAPPING = { lead: { fields: { Status: '{{custom.status}}', City: '{{custom.town}}' } }, owner: 'agent' };

const withCustom = (payload: ReturnType<typeof transcript>, customFields: Record<string, string>) => ({
  ...payload,
  visitor: { ...payload.visitor, customFields },
});

describe('MAPPING_FILE with Salesforce, through the service', function () {
  this.timeout(20_000);
  let salesforce: SalesforceEmulator;
  let service: TestService;
  let dir: string;
  before(async () => {
    dir = tempDir();
    const file = join(dir, 'mapping.json');
    writeFileSync(file, JSON.stringify(MAPPING));
    salesforce = await startSalesforceEmulator();
    // The Olark operator of test/support/olark.ts writes as grace@example.com.
    salesforce.state.addUser({ Email: 'grace@example.com', Name: 'Grace', IsActive: true });
    const { clientId, clientSecret } = salesforce.credentials;
    service = await startService(
      {
        CRM: 'salesforce',
        SALESFORCE_LOGIN_URL: salesforce.url,
        SALESFORCE_CLIENT_ID: clientId,
        SALESFORCE_CLIENT_SECRET: clientSecret,
        MAPPING_FILE: file,
      },
      dir,
    );
  });
  after(async () => {
    await service.stop();
    await salesforce.close();
    removeDir(dir);
  });

  it('writes the mapped fields and the agent as owner on the new Lead', async () => {
    const payload = withCustom(transcript({ email: 'mapped@acme.io' }), { status: 'Working - Contacted', town: 'Oslo' });
    // Olark waits for the record link: the Lead exists when the webhook answers.
    await integrationUrlOf(await postOlark(service.webhook, payload));
    const lead = salesforce.state.all('Lead').find((l) => l['Chat_Conversation_Id__c'] === payload.id);
    const grace = salesforce.state.all('User').find((u) => u['Email'] === 'grace@example.com');
    assert.deepEqual(
      [lead?.['Status'], lead?.['City'], lead?.['Company'], lead?.['OwnerId']],
      ['Working - Contacted', 'Oslo', 'acme.io', grace?.Id],
    );
  });

  it('a refused value is a dead step naming the field, not the value', async () => {
    const payload = withCustom(transcript({ email: 'refused@acme.io' }), { status: 'Hush-Secret-77' });
    await postOlark(service.webhook, payload);
    await eventually(async () => (await service.running.store.conversationState(`olark:${payload.id}`)) === 'dead', 'a dead step');
    const dead = (await service.running.store.listJobs('dead', 10)).map((j) => j.lastError ?? '');
    assert.equal(dead.length, 1);
    assert.match(dead[0] ?? '', /Lead\.Status.*lead\.fields\.Status/);
    assert.doesNotMatch(dead[0] ?? '', /Hush-Secret-77/);
  });
});

describe('npm run setup with CRM=salesforce and MAPPING_FILE', function () {
  this.timeout(60_000);
  it('names each mapped field that is missing or not writable, and exits 1', async () => {
    const dir = tempDir();
    const salesforce = await startSalesforceEmulator();
    try {
      const file = join(dir, 'mapping.json');
      writeFileSync(
        file,
        JSON.stringify({
          lead: { fields: { Missing_Field__c: 'x', Status: 'Working - Contacted' } },
          case: { fields: { IsConverted: 'y' } },
        }),
      );
      const { clientId, clientSecret } = salesforce.credentials;
      const root = resolve(__dirname, '../../..');
      const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/setup.ts')], {
        cwd: dir, // no .env of the developer's is read
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          CRM: 'salesforce',
          SALESFORCE_LOGIN_URL: salesforce.url,
          SALESFORCE_CLIENT_ID: clientId,
          SALESFORCE_CLIENT_SECRET: clientSecret,
          MAPPING_FILE: file,
          DATABASE_URL: `sqlite:${join(dir, 'setup.db')}`,
          PUBLIC_URL: 'http://127.0.0.1:3000',
        },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((done) => child.once('close', done));
      assert.equal(code, 1, output);
      assert.match(output, /FAIL {2}Lead\.Missing_Field__c \(lead\.fields\): no such field on Lead/);
      assert.match(output, /ok {4}Lead\.Status \(lead\.fields\)/);
      // Case has no IsConverted: named as missing too.
      assert.match(output, /FAIL {2}Case\.IsConverted \(case\.fields\)/);
    } finally {
      await salesforce.close();
      removeDir(dir);
    }
  });
});
