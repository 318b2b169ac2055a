/**
 * A 10,000-message Olark transcript (about 2 MB as Olark posts it, over the old 1 MiB limit and
 * under today's) goes through the real service to each CRM: whole into the local CRM, and into
 * HubSpot and Salesforce shortened in the middle to their field limits, which the emulators
 * enforce as the real CRMs do (a longer value is refused there, not cut).
 */
import assert from 'node:assert/strict';
import { TEXT_LIMIT } from '../../connectors/hubspot/mappers';
import { DESCRIPTION_LIMIT } from '../../connectors/salesforce/mappers';
import { BODY_LIMIT_BYTES } from '../../src/http/routes/webhooks';
import { startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce';
import { integrationUrlOf } from '../support/expect';
import { olarkForm, postOlark, transcript } from '../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../support/service';

const MESSAGES = 10_000;
const FIRST = 'visitor line 0';
const LAST = `operator line ${MESSAGES - 1}`;

const bigTranscript = (kind: 'lead' | 'case') =>
  transcript({
    lines: MESSAGES,
    email: `big-${kind}-${Math.random().toString(36).slice(2)}@example.com`,
    ...(kind === 'case' ? { tags: ['case'] } : {}),
  });

/** Start and end of the chat kept, the middle marked as left out, within `limit` characters. */
const assertShortened = (text: unknown, limit: number, label: string) => {
  assert.equal(typeof text, 'string', `${label}: no text`);
  const value = String(text);
  assert.ok(value.length <= limit && value.length > limit * 0.9, `${label}: ${value.length} characters, limit ${limit}`);
  assert.ok(value.includes(FIRST) && value.includes(LAST), `${label}: the first or the last message is missing`);
  assert.match(value, /transcript shortened/, label);
};

describe('a 10,000-message transcript reaches every CRM', function () {
  this.timeout(60_000);
  let dir: string;
  let service: TestService | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    removeDir(dir);
  });

  it('is under the body limit, and over the old 1 MiB one', () => {
    const size = Buffer.byteLength(olarkForm(bigTranscript('lead')));
    assert.ok(size > 1024 * 1024 && size < BODY_LIMIT_BYTES / 1.5, `${size} bytes against a limit of ${BODY_LIMIT_BYTES}`);
  });

  it('local CRM: the record keeps every message', async () => {
    service = await startService({ CRM: 'local' }, dir);
    const payload = bigTranscript('lead');
    const url = await integrationUrlOf(await postOlark(service.webhook, payload));
    const id = decodeURIComponent(url.slice(`${service.url}/records/`.length));
    const record = await service.running.store.getLocalRecord(id);
    assert.equal(record?.conversation.messages.length, MESSAGES, url);
    assert.equal(record.conversation.messages.at(-1)?.body, LAST);
  });

  it('local CRM: several at once, each answered with its own record', async () => {
    service = await startService({ CRM: 'local' }, dir);
    const webhook = service.webhook;
    const urls = await Promise.all(Array.from({ length: 6 }, () => postOlark(webhook, bigTranscript('lead')).then(integrationUrlOf)));
    assert.equal(new Set(urls).size, 6, urls.join(' '));
    const stats = await service.running.store.queueStats();
    assert.equal(stats.dead, 0);
  });

  describe('HubSpot', () => {
    let hubspot: HubspotEmulator;
    beforeEach(async () => {
      hubspot = await startHubspotEmulator();
      service = await startService({ CRM: 'hubspot', HUBSPOT_BASE_URL: hubspot.url, HUBSPOT_ACCESS_TOKEN: hubspot.token }, dir);
    });
    afterEach(() => hubspot.close());

    it('a lead: the note within 65,536 characters', async () => {
      const url = await integrationUrlOf(await postOlark(service?.webhook ?? '', bigTranscript('lead')));
      assert.match(url, /app\.hubspot\.com\/contacts\//);
      const notes = hubspot.state.list('notes');
      assert.equal(notes.length, 1);
      assertShortened(notes[0]?.properties.hs_note_body, TEXT_LIMIT, 'hs_note_body');
    });

    it('a case: the ticket content within 65,536 characters', async () => {
      const url = await integrationUrlOf(await postOlark(service?.webhook ?? '', bigTranscript('case')));
      assert.match(url, /app\.hubspot\.com\/contacts\/.*\/record\/0-5\//);
      const tickets = hubspot.state.list('tickets');
      assert.equal(tickets.length, 1);
      assertShortened(tickets[0]?.properties.content, TEXT_LIMIT, 'ticket content');
    });
  });

  describe('Salesforce', () => {
    let salesforce: SalesforceEmulator;
    beforeEach(async () => {
      salesforce = await startSalesforceEmulator();
      const { clientId, clientSecret } = salesforce.credentials;
      service = await startService(
        { CRM: 'salesforce', SALESFORCE_LOGIN_URL: salesforce.url, SALESFORCE_CLIENT_ID: clientId, SALESFORCE_CLIENT_SECRET: clientSecret },
        dir,
      );
    });
    afterEach(() => salesforce.close());

    it('a lead: Lead and Task descriptions within 32,000 characters', async () => {
      await integrationUrlOf(await postOlark(service?.webhook ?? '', bigTranscript('lead')));
      const [lead] = salesforce.state.all('Lead');
      const [task] = salesforce.state.all('Task');
      assertShortened(lead?.['Description'], DESCRIPTION_LIMIT, 'Lead Description');
      assertShortened(task?.['Description'], DESCRIPTION_LIMIT, 'Task Description');
    });

    it('a case: the Case description within 32,000 characters', async () => {
      await integrationUrlOf(await postOlark(service?.webhook ?? '', bigTranscript('case')));
      const [record] = salesforce.state.all('Case');
      assertShortened(record?.['Description'], DESCRIPTION_LIMIT, 'Case Description');
    });
  });
});
