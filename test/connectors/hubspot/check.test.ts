import assert from 'node:assert/strict';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { connectorFor } from './helpers';

describe('HubSpot connector: check and setup', () => {
  let hs: HubspotEmulator;
  afterEach(() => hs.close());

  it('reports a fresh portal as not ready, and ready after setup', async () => {
    hs = await startHubspotEmulator({ customProperties: false });
    const connector = connectorFor(hs);

    const before = await connector.check();
    assert.equal(before.ok, false);
    assert.match(before.items.find((i) => i.name === 'contacts property chat_conversation_id')?.detail ?? '', /npm run setup/);

    const setup = await connector.setup?.();
    assert.ok(setup?.ok);
    assert.deepEqual(
      setup.items.filter((i) => i.name.startsWith('create')).map((i) => i.detail),
      ['created', 'created'],
    );
    assert.equal(hs.state.getProperty('tickets', 'chat_conversation_id').hasUniqueValue, true);

    const again = await connector.setup?.();
    assert.deepEqual(
      again?.items.filter((i) => i.name.startsWith('create')).map((i) => i.detail),
      ['already present, left unchanged', 'already present, left unchanged'],
    );
    assert.ok((await connector.check()).ok);
  });

  // A bad token: the Connector contract (contract.test.ts).
  it('flags a pipeline that does not exist', async () => {
    hs = await startHubspotEmulator();
    const pipeline = await connectorFor(hs, { HUBSPOT_TICKET_PIPELINE: '9' }).check();
    assert.match(
      pipeline.items.find((i) => i.name === 'ticket pipeline and stage')?.detail ?? '',
      /HUBSPOT_TICKET_PIPELINE=9 is not a ticket pipeline id; HubSpot has: 0/,
    );
  });

  it('names the missing scope', async () => {
    hs = await startHubspotEmulator({ scopes: ['crm.objects.contacts.write'] });
    const report = await connectorFor(hs).check();
    assert.match(report.items.find((i) => i.name.startsWith('contacts access'))?.detail ?? '', /grant crm\.objects\.contacts\.read/);
  });
});
