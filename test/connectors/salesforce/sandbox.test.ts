/**
 * The Salesforce emulator as a sandbox for a new user without an org: its port, its start
 * message, the pages that show what it received (record links from chat2crm open there), the
 * versions list, and the client credentials and JWT bearer grants it prints.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { emulatorPort } from '../../emulators/salesforce/port';
import { connectorFor, conversation, failure, sandbox, value, type Sandbox } from './support';

const ROOT = resolve(__dirname, '../../..');

const page = async (url: string) => {
  const res = await fetch(url);
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    csp: res.headers.get('content-security-policy') ?? '',
    html: await res.text(),
  };
};

describe('Salesforce emulator as a sandbox', () => {
  let s: Sandbox;
  afterEach(() => s.emulator.close());

  it('opens the record links chat2crm hands out, showing the record and its transcript Task, escaped', async () => {
    s = await sandbox();
    const hostile = "<script>alert(1)</script> O'Brien";
    const lead = value(
      await s.connector.upsert({ action: 'lead', conversation: conversation({ name: `Ada ${hostile}`, email: 'ada@example.com' }) }),
    );
    assert.match(lead.url, new RegExp(`^${s.emulator.url}/lightning/r/Lead/${lead.id}/view$`));
    const shown = await page(lead.url);
    assert.deepEqual([shown.status, shown.type], [200, 'text/html; charset=utf-8']);
    assert.match(shown.csp, /default-src 'none'/);
    assert.ok(!shown.html.includes('<script>'), 'visitor input is escaped');
    assert.ok(shown.html.includes('&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien'));
    assert.match(shown.html, /ada@example\.com/);
    assert.match(shown.html, /<h2>Tasks \(1\)<\/h2><ul><li><a href="\/lightning\/r\/Task\/00T/);

    const kase = value(await s.connector.upsert({ action: 'case', conversation: conversation({ name: 'Bob', email: 'bob@example.com' }) }));
    const casePage = await page(kase.url);
    assert.equal(casePage.status, 200);
    assert.match(casePage.html, /Chat transcript \(olark /);

    assert.equal((await page(`${s.emulator.url}/lightning/r/Lead/00Q5g0000000099AAA/view`)).status, 404);
    assert.equal((await page(`${s.emulator.url}/lightning/r/Opportunity/0065g0000000001AAA/view`)).status, 404);
  });

  it('lists Leads, Cases, Tasks and Contacts at /, newest first', async () => {
    s = await sandbox();
    s.emulator.state.seed('Contact', { LastName: 'Known', Email: 'known@example.com' });
    value(await s.connector.upsert({ action: 'lead', conversation: conversation({ name: 'First Visitor' }) }));
    value(await s.connector.upsert({ action: 'lead', conversation: conversation({ name: 'Second Visitor' }) }));
    value(await s.connector.upsert({ action: 'case', conversation: conversation({ name: 'Case Visitor' }) }));
    const home = await page(`${s.emulator.url}/`);
    assert.equal(home.status, 200);
    const headings = [...home.html.matchAll(/<h2>([A-Za-z]+) \((\d+)\)<\/h2>/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(headings, ['Leads 2', 'Cases 1', 'Tasks 3', 'Contacts 1']);
    assert.ok(home.html.indexOf('Second Visitor') < home.html.indexOf('First Visitor'), 'newest first');
    assert.match(home.html, /href="\/lightning\/r\/Lead\/00Q[^"]+\/view"/);
    assert.deepEqual(
      s.emulator.requests.filter((r) => r.path === '/' || r.path.startsWith('/lightning')),
      [],
      'pages are not API calls',
    );
  });

  it('lists the API versions at GET /services/data/ without a session, oldest first', async () => {
    s = await sandbox({ newestVersion: '66.0' });
    const res = await fetch(`${s.emulator.url}/services/data/`);
    assert.deepEqual([res.status, res.headers.get('content-type')], [200, 'application/json;charset=UTF-8']);
    const list: unknown = await res.json();
    assert.ok(Array.isArray(list));
    assert.deepEqual(list[0], { label: "Summer '14", url: '/services/data/v31.0', version: '31.0' });
    assert.deepEqual(list.at(-1), { label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
    // Every call at a version the org does not serve yet (here the default, 67.0) is NOT_FOUND: the failure says so.
    const f = failure(await s.connector.findPerson('x@example.com'));
    assert.deepEqual([f.kind, f.code], ['permanent', 'CRM_CONFIG']);
    assert.match(
      f.message,
      /NOT_FOUND for Contact: check that the org serves API version 67\.0 \(SALESFORCE_API_VERSION; `npm run setup` shows the newest it serves\)/,
    );
  });

  it('checks JWT bearer signatures against its own certificate when the test brings none', async () => {
    s = await sandbox();
    const dir = mkdtempSync(join(tmpdir(), 'sf-jwt-'));
    try {
      const keyFile = join(dir, 'jwt.key');
      const env = {
        SALESFORCE_LOGIN_URL: s.emulator.url,
        SALESFORCE_CLIENT_ID: s.emulator.credentials.clientId,
        SALESFORCE_USERNAME: s.emulator.credentials.username,
        SALESFORCE_PRIVATE_KEY_FILE: keyFile,
      };
      writeFileSync(
        keyFile,
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      );
      assert.match(failure(await connectorFor(env).findPerson('x@example.com')).message, /JWT bearer login \(invalid_grant/);
      writeFileSync(keyFile, s.emulator.jwtPrivateKeyPem());
      assert.equal(value(await connectorFor(env).findPerson('x@example.com')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes its port from SALESFORCE_EMULATOR_PORT only, 4020 by default, never PORT', () => {
    assert.deepEqual(emulatorPort({}), { ok: true, port: 4020 });
    assert.deepEqual(emulatorPort({ PORT: '3000' }), { ok: true, port: 4020 });
    assert.deepEqual(emulatorPort({ PORT: '3000', SALESFORCE_EMULATOR_PORT: ' 4999 ' }), { ok: true, port: 4999 });
    for (const bad of ['abc', '70000', '-1', '40.5'])
      assert.deepEqual(emulatorPort({ SALESFORCE_EMULATOR_PORT: bad }), {
        ok: false,
        message: 'SALESFORCE_EMULATOR_PORT must be a port number (0-65535; default 4020)',
      });
  });

  it('npm run emulator:salesforce prints the exact keys to point chat2crm at it, and they work', async function () {
    this.timeout(30_000);
    s = await sandbox();
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'test/emulators/salesforce/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, SALESFORCE_EMULATOR_PORT: '0', PORT: '1' },
    });
    let output = '';
    const printed = new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ctrl-C')) done();
      });
      child.on('error', fail);
      child.on('close', (code) => fail(new Error(`the emulator exited (${String(code)}): ${output}`)));
    });
    const closed = new Promise((done) => child.once('close', done));
    try {
      await printed;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+) \(API versions up to 68\.0\)/.exec(output)?.[1] ?? '';
      assert.notEqual(url, '', output);
      assert.doesNotMatch(url, /:1$/, "PORT is the service's, not the emulator's");
      const key = (name: string) => new RegExp(`^ {2}${name}=(\\S+)$`, 'm').exec(output)?.[1] ?? '';
      assert.equal(key('CRM'), 'salesforce');
      assert.equal(key('SALESFORCE_LOGIN_URL'), url);
      assert.match(output, new RegExp(`What it received, newest first: ${url}/`));
      const env = {
        SALESFORCE_LOGIN_URL: url,
        SALESFORCE_CLIENT_ID: key('SALESFORCE_CLIENT_ID'),
        SALESFORCE_CLIENT_SECRET: key('SALESFORCE_CLIENT_SECRET'),
      };
      const lead = value(await connectorFor(env).upsert({ action: 'lead', conversation: conversation({ name: 'Sandbox Visitor' }) }));
      assert.match((await page(lead.url)).html, /Sandbox Visitor/);
      assert.match((await page(`${url}/`)).html, /Sandbox Visitor/);
      const jwtFile = /SALESFORCE_PRIVATE_KEY_FILE=(\S+)/.exec(output)?.[1] ?? '';
      const username = /SALESFORCE_USERNAME=(\S+)/.exec(output)?.[1] ?? '';
      value(
        await connectorFor({
          SALESFORCE_LOGIN_URL: url,
          SALESFORCE_CLIENT_ID: env.SALESFORCE_CLIENT_ID,
          SALESFORCE_USERNAME: username,
          SALESFORCE_PRIVATE_KEY_FILE: jwtFile,
        }).findPerson('x@example.com'),
      );
      assert.doesNotMatch(output, /SALESFORCE_PASSWORD/);
    } finally {
      child.kill('SIGTERM');
      await closed;
    }
  });
});
