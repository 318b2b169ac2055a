/**
 * Issue 5: two service processes on one PostgreSQL database behind a (simulated) load balancer.
 * Needs TEST_DATABASE_URL; without it these tests are pending, never passed.
 */
import assert from 'node:assert/strict';
import { startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot';
import { contactsByConversation, drained as drainedAt, integrationUrlOf as integrationUrl } from '../support/expect';
import { spawnService, type ChildService } from '../support/child-service';
import { postOlark, transcript } from '../support/olark';
import { testSchema } from '../support/pg-schema';

describe('two instances on one PostgreSQL database', function () {
  this.timeout(120_000);
  const schema = testSchema('multi');
  let hubspot: HubspotEmulator;
  let instances: ChildService[] = [];

  before(async function () {
    if (!schema.available) {
      this.skip();
      return;
    }
    await schema.create();
    hubspot = await startHubspotEmulator({ latencyMs: 5, rateLimit: { max: 1_000_000, windowMs: 10_000 } });
    const env = {
      DATABASE_URL: schema.url,
      CRM: 'hubspot',
      HUBSPOT_BASE_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: hubspot.token,
      RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s',
      SYNC_DEADLINE_MS: '8000',
    };
    // Started together: the migrations must not race.
    instances = await Promise.all([spawnService(env), spawnService(env)]);
  });
  after(async () => {
    await Promise.all(instances.map((i) => i.kill('SIGTERM')));
    await hubspot?.close();
    await schema.drop();
  });

  const drained = async () => {
    const queue = await drainedAt(instances[0]?.url ?? '', 90_000);
    assert.equal(queue.dead, 0);
  };

  it('gives 50 concurrent POSTs of one new conversation, spread over both, one CRM record and 50 identical URLs', async () => {
    const payload = transcript({ lines: 4 });
    const urls = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postOlark(instances[i % 2]?.webhook ?? '', payload).then(integrationUrl)),
    );
    assert.equal(new Set(urls).size, 1, [...new Set(urls)].join('\n'));
    assert.match(urls[0] ?? '', new RegExp(`/contacts/${hubspot.portalId}/record/0-1/\\d+$`), 'the CRM link itself');
    await drained();
    assert.equal(contactsByConversation(hubspot).get(payload.id), 1);
    assert.equal(hubspot.state.list('notes').length, 1);
  });

  it('delivers 500 distinct conversations over both instances, none doubled', async () => {
    const before = contactsByConversation(hubspot).size;
    const payloads = Array.from({ length: 500 }, () => transcript());
    for (let i = 0; i < payloads.length; i += 50)
      await Promise.all(payloads.slice(i, i + 50).map((p, j) => postOlark(instances[j % 2]?.webhook ?? '', p).then(integrationUrl)));
    await drained();
    const counts = contactsByConversation(hubspot);
    assert.equal(counts.size - before, 500);
    assert.deepEqual(
      [...counts.values()].filter((n) => n !== 1),
      [],
      'no conversation has two contacts',
    );
    assert.equal(hubspot.state.list('notes').length, counts.size, 'one note per conversation');
  });
});
