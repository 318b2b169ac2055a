import { strict as assert } from 'node:assert';
import { createLiveSupportiClient } from '../../../src/sources/livesupporti/client';
import { startLiveSupportiEmulator } from '../../emulators/livesupporti';

describe('LiveSupporti emulator page', () => {
  it('shows at / the visitor details chat2crm pushed, escaped, with the link a link; the page is not logged', async () => {
    const emulator = await startLiveSupportiEmulator();
    try {
      const client = createLiveSupportiClient({ apiUrl: emulator.url, apiUser: emulator.user, apiKey: emulator.apiKey, timeoutMs: 2000 });
      const visitor = '<img src=x onerror=alert(1)>';
      const shown = await client.showRecord?.(
        {
          id: `acc:${visitor}`,
          meta: { accountId: 'acc', visitorId: visitor },
          conversation: {
            source: 'livesupporti',
            id: `acc:${visitor}`,
            visitor: { id: visitor },
            messages: [],
            tags: [],
            groups: [],
            operators: [],
            offline: false,
          },
        },
        { url: 'http://127.0.0.1:3000/records/42?x=1&y=2', kind: 'record', label: 'lead' },
      );
      assert.ok(shown?.ok, JSON.stringify(shown));
      const logged = emulator.requests.length;
      const page = await fetch(`${emulator.url}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.ok(!html.includes('<img'), 'nothing from the data is markup');
      assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
      assert.ok(html.includes('CRM: <a href="http://127.0.0.1:3000/records/42?x=1&amp;y=2">'), html);
      assert.match(html, /POST \/api\/visitors\/[^<]*\/details<\/td><td>200/);
      assert.equal(emulator.requests.length, logged);
    } finally {
      await emulator.close();
    }
  });
});
