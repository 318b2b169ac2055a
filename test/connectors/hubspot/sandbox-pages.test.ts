/**
 * The HubSpot sandbox a new user meets without an account: the emulator shows what it received
 * at `/`, newest first, and answers the record links chat2crm hands agents when
 * HUBSPOT_UI_DOMAIN names the emulator's origin. `npm run emulator:hubspot` listens on
 * HUBSPOT_EMULATOR_PORT only (PORT is the service's) and prints the keys to set.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { freePort } from '../../support/net';
import { conversation } from '../../support/conversations';
import { connectorFor, value } from './helpers';

const ROOT = resolve(__dirname, '../../..');

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), html: await res.text() };
};

describe('HubSpot sandbox pages', () => {
  let hs: HubspotEmulator;
  beforeEach(async () => {
    hs = await startHubspotEmulator();
  });
  afterEach(() => hs.close());

  it('links records to the emulator when HUBSPOT_UI_DOMAIN names its origin, and the link opens the record with its note', async () => {
    const connector = connectorFor(hs, { HUBSPOT_UI_DOMAIN: hs.url });
    const lead = value(await connector.upsert({ action: 'lead', conversation: conversation({ id: 'page-lead' }) }));
    const ticket = value(
      await connector.upsert({
        action: 'case',
        conversation: conversation({ id: 'page-case', visitor: { name: 'Bob <script>alert(1)</script>' } }),
      }),
    );

    assert.equal(lead.url, `${hs.url}/contacts/${hs.portalId}/record/0-1/${lead.id}`);
    assert.equal(ticket.url, `${hs.url}/contacts/${hs.portalId}/record/0-5/${ticket.id}`);

    const contactPage = await get(lead.url);
    assert.deepEqual([contactPage.status, contactPage.type], [200, 'text/html; charset=utf-8']);
    assert.match(contactPage.html, /<h1>Contact: Ada Lovelace <small>#\d+<\/small><\/h1>/);
    assert.match(contactPage.html, /Hello, I would like a quote for 20 seats/, 'the transcript note, as text');
    const ticketPage = await get(ticket.url);
    assert.match(ticketPage.html, /<h1>Ticket: Bob &#60;script&#62;alert\(1\)&#60;\/script&#62;: Hello/);
    assert.doesNotMatch(ticketPage.html, /<script>/, 'what a visitor typed never runs in the page');
  });

  it('lists contacts, tickets and notes newest first at /, linking each record', async () => {
    const first = hs.state.create('contacts', { email: 'first@example.com', firstname: 'First' });
    const second = hs.state.create('contacts', { email: 'second@example.com', firstname: 'Second' });
    const ticket = hs.state.create('tickets', { subject: 'Printer on fire', hs_pipeline: '0', hs_pipeline_stage: '1' });
    hs.state.create('notes', { hs_note_body: '<p>Chat with Second</p>', hs_timestamp: '2026-12-01T00:00:00Z' }, [
      { toType: 'contacts', toId: second.id, typeId: 202 },
    ]);

    const index = await get(`${hs.url}/`);
    assert.equal(index.status, 200);
    assert.ok(index.html.indexOf('second@example.com') < index.html.indexOf('first@example.com'), 'newest first');
    assert.match(index.html, new RegExp(`href="/contacts/${hs.portalId}/record/0-1/${first.id}"`));
    assert.match(index.html, new RegExp(`href="/contacts/${hs.portalId}/record/0-5/${ticket.id}">#${ticket.id}`));
    assert.match(index.html, /Printer on fire/);
    assert.match(index.html, new RegExp(`contact #${second.id}</a></td><td>Chat with Second`));
    assert.match(index.html, /<h2>Companies \(0\)<\/h2>/);
    assert.equal(hs.requests.length, 0, 'pages are not API calls');
  });

  it('answers 404 for a record or portal it does not have', async () => {
    assert.equal((await get(`${hs.url}/contacts/${hs.portalId}/record/0-1/999999`)).status, 404);
    assert.equal((await get(`${hs.url}/contacts/1/record/0-5/1001`)).status, 404);
  });

  it('npm run emulator:hubspot listens on HUBSPOT_EMULATOR_PORT, not PORT, and prints the keys that open links on it', async function () {
    this.timeout(30_000);
    const [port, servicePort] = [await freePort(), await freePort()];
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'test/emulators/hubspot/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, HUBSPOT_EMULATOR_PORT: String(port), PORT: String(servicePort) },
    });
    try {
      let output = '';
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('npm start')) done();
        });
        child.on('exit', (code) => fail(new Error(`exited ${code}: ${output}`)));
      });
      assert.match(output, new RegExp(`HUBSPOT_BASE_URL=http://127\\.0\\.0\\.1:${port} `));
      assert.match(output, new RegExp(`HUBSPOT_UI_DOMAIN=http://localhost:${port}\\n`));
      assert.match(output, new RegExp(`What it receives: http://localhost:${port}/ `));
      assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
