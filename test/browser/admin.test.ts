/**
 * The operator console in a real browser (Debian's chromium, playwright-core): sign in, find a
 * conversation by email, see its failed attempts, replay it, see it delivered. Screenshots of
 * the main pages at 1280 and 390 px go to $CONSOLE_SCREENSHOTS (a folder) when set.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { permanent, transient } from '../../src/domain/outcome';
import { postOlark, transcript } from '../support/olark';
import { cleanUp, eventually, PASSWORD, startConsole, type ConsoleService } from '../http/admin/support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.CONSOLE_SCREENSHOTS;

describe('operator console in a real browser', function () {
  let browser: Browser;
  let service: ConsoleService & { dir: string };
  let context: BrowserContext;
  const errors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) this.skip();
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
    service = await startConsole();
    context = await browser.newContext({
      httpCredentials: { username: 'admin', password: PASSWORD },
      viewport: { width: 1280, height: 900 },
    });
    if (SHOTS !== undefined) mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await cleanUp(service);
  });

  const open = async (path: string): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const response = await page.goto(`${service.url}${path}`);
    assert.equal(response?.status(), 200, path);
    return page;
  };

  /** Both widths of the page as it is now. */
  const shoot = async (page: Page, name: string) => {
    if (SHOTS === undefined) return;
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 1280 ? 900 : 844 });
      await page.screenshot({ path: join(SHOTS, `console-${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  it('refuses a wrong password', async () => {
    const wrong = await browser.newContext({ httpCredentials: { username: 'admin', password: 'not-the-password' } });
    try {
      const page = await wrong.newPage();
      const response = await page.goto(`${service.url}/admin`);
      assert.equal(response?.status(), 401);
      assert.match(await page.locator('h1').innerText(), /Sign in/);
    } finally {
      await wrong.close();
    }
  });

  it('finds a conversation by email, shows its failed attempts, replays it and shows it delivered', async () => {
    for (let i = 0; i < 6; i++) await postOlark(service.webhook, transcript({ email: `someone${i}@example.com`, name: `Visitor ${i}` }));
    service.crm.failNext(transient('CRM_UNAVAILABLE', 'HTTP 503 from the CRM', { status: 503 }), Number.POSITIVE_INFINITY);
    const payload = transcript({ email: 'Grace.Hopper@example.com', name: 'Grace Hopper', lines: 4 });
    payload.items.push({
      kind: 'MessageToOperator',
      body: '<script>window.pwned=1</script>is this text?',
      timestamp: '1558107790.1',
      nickname: 'Grace Hopper',
    });
    await postOlark(service.webhook, payload);
    const key = `olark:${payload.id}`;
    await eventually(async () => (await service.running.store.conversationState(key)) === 'dead', 'the step dies after its retries');
    service.crm.recover();

    const list = await open('/admin');
    await shoot(list, 'conversations');
    await list.locator('input[type="search"][name="q"]').fill('grace.hopper@EXAMPLE.com');
    await list.getByRole('button', { name: 'Show' }).click();
    await list.waitForURL(/q=grace/);
    const rows = list.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /Grace Hopper/);
    assert.match(await rows.first().innerText(), /dead/);
    await list.getByRole('link', { name: payload.id }).click();
    await list.waitForURL(/\/admin\/conversations\/olark\//);

    assert.match(await list.locator('h1').innerText(), /dead/);
    const attempts = await list.locator('.step tbody tr').allInnerTexts();
    assert.equal(attempts.length, 3, 'one attempt and two retries');
    assert.ok(attempts.every((a) => /transient/.test(a) && /CRM_UNAVAILABLE: HTTP 503 from the CRM/.test(a) && /503/.test(a)));
    const script = list.locator('.msg .body', { hasText: 'is this text?' });
    assert.equal(await script.innerText(), '<script>window.pwned=1</script>is this text?');
    assert.equal(await list.evaluate(() => 'pwned' in globalThis), false);
    await shoot(list, 'conversation');

    const steps = await open('/admin/steps');
    assert.match(await steps.locator('table').first().innerText(), /CRM_UNAVAILABLE/);
    await shoot(steps, 'steps');
    await steps.close();

    await list.getByRole('button', { name: 'Replay this step' }).click();
    await list.waitForURL(/\/admin\/replay$/);
    assert.match(await list.locator('h1').innerText(), /Replayed 1 step/);
    assert.match(await list.locator('tbody').innerText(), /delivered/);
    await shoot(list, 'replayed');
    await list.getByRole('link', { name: 'the conversation' }).click();
    assert.match(await list.locator('h1').innerText(), /delivered/);
    assert.match(await list.locator('dl').first().innerText(), /Lead in scripted: https:\/\/crm\.example\/lead\//);
    await list.close();
    assert.deepEqual(errors, []);
  });

  it("lists each conversation with lead or case and its CRM record, and shows what to do beside a dead step's error", async () => {
    const delivered = transcript({ email: 'listed@example.com', name: 'Listed Person' });
    await postOlark(service.webhook, delivered);
    await eventually(async () => (await service.running.store.conversationState(`olark:${delivered.id}`)) === 'delivered', 'delivered');
    service.crm.failNext(permanent('CRM_MISSING_FIELD', 'Lead: No such column chat_url__c'), 1);
    const refused = transcript({ email: 'refused@example.com', name: 'Refused Person' });
    await postOlark(service.webhook, refused);
    await eventually(async () => (await service.running.store.conversationState(`olark:${refused.id}`)) === 'dead', 'dead');

    const list = await open(`/admin?q=${delivered.id}`);
    const headers = await list.locator('thead th').allInnerTexts();
    assert.deepEqual(headers.slice(3, 6), ['Visitor', 'Lead or case', 'CRM record']);
    const row = list.locator('tbody tr').first();
    assert.equal(await row.locator('td.c-kind').innerText(), 'Lead');
    assert.match(await row.locator('td.c-record').innerText(), /scripted/);
    assert.match((await row.locator('td.c-record a').getAttribute('href')) ?? '', /^https:\/\/crm\.example\/lead\//);
    // On a phone the record stays visible, under the visitor.
    await list.setViewportSize({ width: 390, height: 844 });
    assert.equal(await row.locator('td.c-record').isVisible(), true);
    assert.equal(await row.locator('td.c-kind').isVisible(), true);
    await list.setViewportSize({ width: 1280, height: 900 });
    await list.close();

    const steps = await open('/admin/steps');
    const group = steps.locator('table').first().locator('tr', { hasText: 'CRM_MISSING_FIELD' });
    const hint = group.locator('.hint');
    assert.equal(await hint.isVisible(), true);
    assert.match(await hint.innerText(), /^Retrying helps only after the fix\. A field chat2crm writes is missing/);
    await shoot(steps, 'steps-hints');
    await steps.close();
    assert.deepEqual(errors, []);
  });

  it('refuses a replay POST without the CSRF token', async () => {
    const job = (await service.running.store.listJobs('done', 1))[0];
    assert.ok(job !== undefined);
    const response = await context.request.post(`${service.url}/admin/replay`, { form: { job: job.id } });
    assert.equal(response.status(), 403);
    assert.match(await response.text(), /This form was refused/);
  });

  it('shows the platforms with the webhook token hidden until asked for', async () => {
    const page = await open('/admin/platforms');
    const token = service.running.tokens.get('olark') ?? 'missing';
    const olark = page.locator('section.card', { hasText: 'Olark' }).first();
    assert.equal(await olark.getByText(token).isVisible(), false);
    await shoot(page, 'platforms');
    await olark.locator('summary').click();
    assert.equal(await olark.getByText(token).first().isVisible(), true);
    await page.close();
  });
});
