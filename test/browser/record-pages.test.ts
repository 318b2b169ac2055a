/**
 * The local CRM's record pages and the status page as a person reads them, in Debian's chromium
 * (playwright-core): who wrote each line said in words, counts with their nouns, page URLs as
 * safe links, a returning visitor on one lead, an HTML 404, and the strict CSP kept. Skipped,
 * never passed, where chromium is missing. KEEP_SCREENSHOTS=<dir> keeps the screenshots.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { postOlark, transcript } from '../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../support/service';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const integrationUrl = async (res: Response): Promise<string> => {
  const body: unknown = await res.json();
  assert.ok(
    typeof body === 'object' && body !== null && 'integrationUrl' in body && typeof body.integrationUrl === 'string',
    JSON.stringify(body),
  );
  return body.integrationUrl;
};

describe('record and status pages in a real browser', function () {
  let browser: Browser;
  let service: TestService;
  let dir: string;
  let shots: string;

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
    dir = tempDir();
    shots = process.env.KEEP_SCREENSHOTS ?? join(dir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    service = await startService({}, dir);
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
    if (dir !== undefined) removeDir(dir);
  });

  const open = async (url: string): Promise<{ page: Page; status: number | undefined; csp: string; errors: string[] }> => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const response = await page.goto(url);
    return { page, status: response?.status(), csp: response?.headers()['content-security-policy'] ?? '', errors };
  };

  it("puts a returning visitor's second chat on the same lead, labels who wrote each line, and counts with nouns", async () => {
    const first = transcript({ email: 'ada@example.com', lines: 1 });
    const second = transcript({ email: 'ADA@example.com', lines: 3 });
    const url = await integrationUrl(await postOlark(service.webhook, first));
    assert.equal(await integrationUrl(await postOlark(service.webhook, second)), url, 'one lead for one person');

    const { page, status, csp, errors } = await open(url);
    assert.equal(status, 200);
    assert.match(csp, /default-src 'none'/);
    const headings = await page.locator('h2').allInnerTexts();
    assert.deepEqual(headings, ['Transcript (3 messages)', 'Earlier conversations (1 conversation)', 'History']);
    assert.deepEqual(await page.locator('h3').allInnerTexts(), ['Transcript (1 message)']);
    const roles = await page.locator('.msg .role').allInnerTexts();
    assert.deepEqual(
      roles.map((r) => r.toLowerCase()),
      ['visitor', 'agent', 'visitor', 'visitor'],
    );
    const firstLine = await page.locator('.msg').first().innerText();
    assert.match(firstLine, /^visitor\s+Ada · /i);
    assert.match(await page.locator('dl').innerText(), /Conversations\s+2 conversations/);
    assert.deepEqual(
      await page
        .locator('ul.history li')
        .allInnerTexts()
        .then((l) => l.map((x) => x.replace(/^.* UTC: /, ''))),
      ['lead created for Ada Lovelace with 1 message', `conversation olark:${second.id} added, with 3 messages`],
    );
    assert.deepEqual(errors, []);
    await page.screenshot({ path: join(shots, 'lead-two-conversations.png'), fullPage: true });
    await page.close();
  });

  it("links the visitor's page only when it is http(s), and links a case to the person's lead", async () => {
    const lead = transcript({ email: 'grace@example.com' });
    const leadUrl = await integrationUrl(
      await postOlark(service.webhook, {
        ...lead,
        visitor: { ...lead.visitor, conversationBeginPage: 'https://shop.example/pricing?plan=pro&x="<b>' },
      }),
    );
    const support = transcript({ email: 'grace@example.com', tags: ['support'] });
    const caseUrl = await integrationUrl(
      await postOlark(service.webhook, { ...support, visitor: { ...support.visitor, conversationBeginPage: 'javascript:alert(1)' } }),
    );
    assert.notEqual(caseUrl, leadUrl);

    const lp = await open(leadUrl);
    const link = lp.page.locator('dd a[href^="https://"]');
    assert.equal(await link.getAttribute('href'), 'https://shop.example/pricing?plan=pro&x=%22%3Cb%3E');
    assert.equal(await link.innerText(), 'https://shop.example/pricing?plan=pro&x="<b>');
    assert.match((await link.getAttribute('rel')) ?? '', /noreferrer/);
    assert.deepEqual(
      await lp.page
        .locator('ul.related li')
        .allInnerTexts()
        .then((l) => l.map((x) => x.split(' ')[0])),
      ['Case'],
    );
    await lp.page.close();

    const cp = await open(caseUrl);
    assert.match(await cp.page.locator('h1').innerText(), /^Case: /);
    assert.equal(await cp.page.locator('dd a').count(), 0, 'a javascript: URL stays text');
    assert.match(await cp.page.locator('dl').innerText(), /Page\s+javascript:alert\(1\)/);
    await cp.page.screenshot({ path: join(shots, 'case-linked.png'), fullPage: true });
    await cp.page.locator('ul.related a').click();
    await cp.page.waitForURL(leadUrl);
    assert.match(await cp.page.locator('h1').innerText(), /^Lead: /);
    assert.deepEqual(cp.errors, []);
    await cp.page.close();
  });

  it('answers an unknown record with an HTML page and a 404, under the same CSP', async () => {
    const { page, status, csp } = await open(`${service.url}/records/AAAAAAAAAAAAAAAAAAAAAA`);
    assert.equal(status, 404);
    assert.match(csp, /default-src 'none'/);
    assert.equal(await page.locator('h1').innerText(), 'Record not found');
    await page.screenshot({ path: join(shots, 'record-404.png') });
    await page.close();
  });

  it('says on the status page what each count counts', async () => {
    const { page, status } = await open(`${service.url}/status`);
    assert.equal(status, 200);
    const text = await page.locator('main').innerText();
    assert.match(text, /Steps\n/);
    assert.match(text, /Waiting or running\s+\d+ steps? .*\(\d+ running now\)|Waiting or running\s+0 steps \(0 running now\)/);
    assert.match(text, /Failed for good\s+0 steps/);
    assert.match(text, /Done\s+\d+ steps?/);
    assert.match(text, /Expired\s+0 steps dropped at their deadline/);
    assert.doesNotMatch(text, /Delivered\s+\d+\n/);
    await page.screenshot({ path: join(shots, 'status.png'), fullPage: true });
    await page.close();
  });
});
