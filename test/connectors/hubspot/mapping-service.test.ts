/**
 * MAPPING_FILE with CRM=hubspot through the whole service: mapped fields, owner and company reach
 * HubSpot from an Olark webhook, and a value HubSpot refuses leaves a dead step naming the field
 * (never the value), which the console's replay can retry once the mapping or portal is fixed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { until } from '../../support/polling';
import { postOlark, transcript } from '../../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../../support/service';

const MAPPING = {
  lead: { fields: { jobtitle: '{{custom.role}}', hs_lead_status: '{{custom.status|"NEW"}}' } },
  owner: 'agent',
  company: 'create',
};

const withCustom = (payload: ReturnType<typeof transcript>, customFields: Record<string, string>) => ({
  ...payload,
  visitor: { ...payload.visitor, customFields },
});

describe('MAPPING_FILE with CRM=hubspot, through the service', function () {
  this.timeout(30_000);
  let hubspot: HubspotEmulator;
  let service: TestService;
  let dir: string;

  before(async () => {
    hubspot = await startHubspotEmulator();
    dir = tempDir();
    const file = join(dir, 'mapping.json');
    writeFileSync(file, JSON.stringify(MAPPING));
    service = await startService(
      {
        CRM: 'hubspot',
        HUBSPOT_BASE_URL: hubspot.url,
        HUBSPOT_ACCESS_TOKEN: hubspot.token,
        MAPPING_FILE: file,
        RETRY_SCHEDULE: '100ms,100ms',
      },
      dir,
    );
  });
  after(async () => {
    await service.stop();
    await hubspot.close();
    removeDir(dir);
  });

  it('writes the mapped fields, the agent as owner and the company on the new contact', async () => {
    const payload = withCustom(transcript({ email: 'ada@engines.io' }), { role: 'CTO' });
    const res = await postOlark(service.webhook, payload);
    assert.equal(res.status, 200);
    await until('the contact exists', () => hubspot.state.findByUnique('contacts', 'email', 'ada@engines.io') !== undefined, 10_000);
    const contact = hubspot.state.findByUnique('contacts', 'email', 'ada@engines.io');
    assert.equal(contact?.properties.jobtitle, 'CTO');
    assert.equal(contact?.properties.hs_lead_status, 'NEW');
    // Olark's agent in the transcript helper is Grace, the emulator's seeded owner grace@example.com.
    assert.equal(contact?.properties.hubspot_owner_id, '70001');
    const [company] = hubspot.state.list('companies');
    assert.equal(company?.properties.domain, 'engines.io');
    assert.deepEqual(
      hubspot.state.associations('contacts', contact?.id ?? '', 'companies').map((a) => a.id),
      [company?.id],
    );
  });

  it('leaves a dead step naming the refused field, not its value', async () => {
    const payload = withCustom(transcript({ email: 'bob@engines.io' }), { role: 'CEO', status: 'Very-Private-Status' });
    assert.equal((await postOlark(service.webhook, payload)).status, 200);
    await until('the step is dead', async () => (await service.running.store.listJobs('dead', 10)).length > 0, 15_000);
    const [dead] = await service.running.store.listJobs('dead', 10);
    assert.match(dead?.lastError ?? '', /CRM_VALIDATION/);
    assert.match(dead?.lastError ?? '', /"hs_lead_status" \(INVALID_OPTION\)/);
    assert.match(dead?.lastError ?? '', /MAPPING_FILE lead\.fields\.hs_lead_status/);
    assert.doesNotMatch(dead?.lastError ?? '', /Very-Private-Status/);
    assert.equal(hubspot.state.findByUnique('contacts', 'email', 'bob@engines.io'), undefined);
  });
});
