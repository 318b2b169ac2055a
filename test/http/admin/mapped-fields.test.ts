/**
 * The console's conversation page shows what MAPPING_FILE maps the conversation to: the fields
 * per record kind (overwrite names marked), the owner and the company rules as they apply to
 * this chat; nothing of the kind without a mapping.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postOlark, transcript } from '../../support/olark';
import { tempDir } from '../../support/service';
import { cleanUp, eventually, getAdmin, startConsole, type ConsoleService } from './support';

const MAPPING = {
  lead: { fields: { jobtitle: '{{custom.role|"unknown"}}', hs_lead_status: 'NEW', empty: '{{visitor.referrer}}' } },
  owner: 'agent',
  company: 'match',
  overwrite: ['hs_lead_status'],
};

const delivered = async (service: ConsoleService, email: string, customFields?: Record<string, string>) => {
  const base = transcript({ email, name: 'Mapped' });
  const payload = customFields === undefined ? base : { ...base, visitor: { ...base.visitor, customFields } };
  await postOlark(service.webhook, payload);
  await eventually(async () => (await service.running.store.conversationState(`olark:${payload.id}`)) === 'delivered', 'delivered');
  const res = await getAdmin(`${service.url}/admin/conversations/olark/${payload.id}`);
  assert.equal(res.status, 200);
  return res.text();
};

describe('the console: mapped fields of a conversation', () => {
  let mapped: (ConsoleService & { dir: string }) | undefined;
  let plain: (ConsoleService & { dir: string }) | undefined;
  before(async () => {
    const dir = tempDir('chat2crm-admin-');
    const file = join(dir, 'mapping.json');
    writeFileSync(file, JSON.stringify(MAPPING));
    mapped = await startConsole({ MAPPING_FILE: file }, dir);
    plain = await startConsole();
  });
  after(async () => {
    await cleanUp(mapped);
    await cleanUp(plain);
  });

  it('lists the mapped values, marks the overwrite names, and says whose company and owner apply', async () => {
    assert.ok(mapped !== undefined);
    const page = await delivered(mapped, 'ada@acme-widgets.example', { role: '<b>CTO</b>' });
    assert.match(page, /<h2>Mapped fields<\/h2>/);
    assert.match(page, /<code>jobtitle<\/code><\/td>\s*<td>&lt;b&gt;CTO&lt;\/b&gt;<\/td>/);
    assert.match(page, /<code>hs_lead_status<\/code><\/td>\s*<td>NEW<\/td>\s*<td>overwrite<\/td>/);
    assert.doesNotMatch(page, /<code>empty<\/code>/, 'a template that comes out empty is not written');
    assert.match(page, /the company of acme-widgets\.example, if the CRM has one/);
    assert.match(page, /<dt>Owner<\/dt>/);
  });

  it('says a free-mail address matches no company', async () => {
    assert.ok(mapped !== undefined);
    const page = await delivered(mapped, 'someone@gmail.com');
    assert.match(page, /none: no email, or a free-mail address/);
    assert.match(page, /<code>jobtitle<\/code><\/td>\s*<td>unknown<\/td>/);
  });

  it('shows no such section without MAPPING_FILE', async () => {
    assert.ok(plain !== undefined);
    const page = await delivered(plain, 'plain@acme-widgets.example');
    assert.doesNotMatch(page, /Mapped fields/);
  });
});
