/**
 * The pages a person opens (local CRM record, stable link, status) in a real browser:
 * Debian's chromium driven by playwright-core. Skipped, never passed, where chromium is missing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { fixture, postOlark, transcript } from '../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../support/service';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('pages in a real browser', function () {
  let browser: Browser;
  let service: TestService;
  let dir: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // CI installs Debian's chromium; a developer machine without it shows these as pending.
      this.skip();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    dir = tempDir();
    service = await startService({}, dir);
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
    if (dir !== undefined) removeDir(dir);
  });

  it('shows a local CRM record with visitor, transcript and history, and runs no injected script', async () => {
    const evil = transcript({ name: '<img src=x onerror="window.pwned=1">Mallory', email: 'mallory@example.com' });
    evil.items.push({
      kind: 'MessageToOperator',
      body: '<script>window.pwned=2</script>hello',
      timestamp: '1558107760.1',
      nickname: 'Mallory',
      visitor_nickname: 'Mallory',
    });
    const res = await postOlark(service.webhook, evil);
    const body: unknown = await res.json();
    assert.ok(typeof body === 'object' && body !== null && 'integrationUrl' in body && typeof body.integrationUrl === 'string');
    // A longer transcript, as Olark posts it again: a byte-identical re-post is recognised and changes nothing.
    await postOlark(service.webhook, {
      ...evil,
      items: [
        ...evil.items,
        { kind: 'MessageToVisitor', body: 'Anything else?', timestamp: '1558107765.1', nickname: 'Grace', operatorId: '1029431' },
      ],
    });

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const response = await page.goto(body.integrationUrl);
    assert.equal(response?.status(), 200);
    assert.match(response?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    assert.match(await page.locator('h1').innerText(), /^Lead: <img src=x onerror="window.pwned=1">Mallory$/);
    assert.equal(await page.evaluate(() => 'pwned' in globalThis), false);
    const messages = await page.locator('.msg').allInnerTexts();
    assert.equal(messages.length, 4);
    assert.match(messages[2] ?? '', /<script>window\.pwned=2<\/script>hello/);
    assert.equal(await page.locator('li').count(), 2, 'created, then updated');
    assert.match(await page.locator('dl').innerText(), /mallory@example\.com/);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: `${dir}/record.png`, fullPage: true });
    if (process.env.KEEP_SCREENSHOTS !== undefined) await page.screenshot({ path: process.env.KEEP_SCREENSHOTS, fullPage: true });
    await page.close();
  });

  it('follows the stable link to the record and shows the status page after a Send test', async () => {
    const payload = transcript();
    await postOlark(service.webhook, payload);
    const page = await browser.newPage();
    await page.goto(`${service.url}/r/olark/${payload.id}`);
    assert.match(page.url(), /\/records\/[0-9a-f]{12}[A-Za-z0-9_-]{22}$/);
    assert.match(await page.locator('h1').innerText(), /^Lead: Ada Lovelace$/);

    const test = await postOlark(service.webhook, fixture('send-test.json'));
    const answer: unknown = await test.json();
    assert.ok(typeof answer === 'object' && answer !== null && 'integrationUrl' in answer && typeof answer.integrationUrl === 'string');
    await page.goto(answer.integrationUrl);
    assert.match(await page.locator('h1').innerText(), /chat2crm is running/);
    assert.match(await page.locator('dl').first().innerText(), /Olark webhook\s+works: test received/);
    await page.screenshot({ path: `${dir}/status.png` });
    await page.close();
  });
});
