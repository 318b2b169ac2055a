/**
 * CRM switched on one database: a conversation delivered to the earlier CRM keeps its record in
 * the console (labelled by CRM) and its stable link; the link leads to the newest record of any CRM.
 */
import assert from 'node:assert/strict';
import { postOlark, transcript } from '../../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../../support/service';
import { eventually, getAdmin, PASSWORD, startConsole } from './support';

describe('console and stable link after CRM is switched', () => {
  let dir: string;
  let later: TestService | undefined;
  beforeEach(() => {
    dir = tempDir('chat2crm-switch-');
  });
  afterEach(async () => {
    await later?.stop();
    later = undefined;
    removeDir(dir);
  });

  it('shows the earlier CRM record, labelled, and the stable link leads to the newest record of any CRM', async function () {
    this.timeout(20_000);
    const payload = transcript({ email: 'switch@example.com', name: 'Sam Switch' });
    const key = `olark:${payload.id}`;
    const earlier = await startConsole({}, dir);
    let scriptedUrl: string;
    try {
      await postOlark(earlier.webhook, payload);
      await eventually(async () => (await earlier.running.store.listRecords(key)).length === 1, 'delivered to the scripted CRM');
      scriptedUrl = (await earlier.running.store.listRecords(key))[0]?.record.url ?? '';
      assert.match(scriptedUrl, /^https:\/\/crm\.example\//);
    } finally {
      await earlier.stop();
    }

    // The same database, now with CRM=local (the default).
    later = await startService({ ADMIN_PASSWORD: PASSWORD }, dir);
    const url = later.url;
    const page = await (await getAdmin(`${url}/admin/conversations/olark/${payload.id}`)).text();
    assert.doesNotMatch(page, /none yet/);
    assert.match(
      page,
      /<li data-crm="scripted">Lead in <strong>scripted<\/strong> <span class="muted">\(an earlier CRM\)<\/span>: <a href="https:\/\/crm\.example\//,
    );
    const link = await fetch(`${url}/r/olark/${payload.id}`, { redirect: 'manual' });
    assert.equal(link.status, 302, 'not "No CRM record for this chat"');
    assert.equal(link.headers.get('location'), scriptedUrl);
    const list = await (await getAdmin(`${url}/admin?q=${payload.id}`)).text();
    assert.match(list, /<td class="c-kind" data-label="Lead or case">Lead<\/td>/);
    assert.match(list, /<td class="c-record" data-label="CRM record"><span class="crm">scripted<\/span> <a href="https:\/\/crm\.example\//);

    // The chat comes again: the local CRM's record is the newest, and the link leads to it.
    const again = {
      ...payload,
      items: [...payload.items, { kind: 'MessageToOperator', body: 'one more thing', timestamp: '1558107999.1', nickname: 'Agent' }],
    };
    await postOlark(later.webhook, again);
    await eventually(async () => (await later?.running.store.listRecords(key))?.length === 2, 'delivered to the local CRM too');
    const [newest] = await later.running.store.listRecords(key);
    assert.ok(newest !== undefined);
    assert.equal(newest.record.crm, 'local');
    const moved = await fetch(`${url}/r/olark/${payload.id}`, { redirect: 'manual' });
    assert.equal(moved.headers.get('location'), newest.record.url);
    const both = await (await getAdmin(`${url}/admin/conversations/olark/${payload.id}`)).text();
    assert.match(both, /<li data-crm="local">Lead in <strong>local<\/strong>: /);
    assert.match(both, /<li data-crm="scripted">/);
    assert.ok(both.indexOf('data-crm="local"') < both.indexOf('data-crm="scripted"'), 'newest first');
  });
});
