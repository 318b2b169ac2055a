/**
 * Issue 5: the CRM fails for a while under load; agents still get links, and every transcript
 * lands exactly once after recovery. The real HubSpot connector and SDK against the emulator.
 */
import assert from 'node:assert/strict';
import { startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot';
import { contactsByConversation, integrationUrlOf as integrationUrl } from '../support/expect';
import { until } from '../support/polling';
import { postOlark, transcript } from '../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../support/service';

describe('a CRM outage under load (HubSpot emulator)', function () {
  this.timeout(60_000);
  let hubspot: HubspotEmulator;
  let service: TestService;
  let dir: string;

  beforeEach(async () => {
    hubspot = await startHubspotEmulator({ rateLimit: { max: 100_000, windowMs: 10_000 } });
    dir = tempDir();
    service = await startService(
      {
        CRM: 'hubspot',
        HUBSPOT_BASE_URL: hubspot.url,
        HUBSPOT_ACCESS_TOKEN: hubspot.token,
        // Each POST of the outage waits up to SYNC_DEADLINE_MS with quick retries, so posting the
        // 200 takes ~16 s: the schedule outlasts that.
        RETRY_SCHEDULE: '200ms,400ms,800ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,2s,2s,2s,2s,2s,2s,2s,2s',
        WORKER_CONCURRENCY: '8',
        WORKER_POLL_MS: '50',
        SYNC_DEADLINE_MS: '2000',
      },
      dir,
    );
  });
  afterEach(async () => {
    await service.stop();
    await hubspot.close();
    removeDir(dir);
  });

  it('answers 200 transcripts with stable links during 5xx, then delivers each exactly once', async () => {
    hubspot.faults.inject({ status: 503, times: 1_000_000 });
    const payloads = Array.from({ length: 200 }, () => transcript({ lines: 3 }));
    const answers: string[] = [];
    for (let i = 0; i < payloads.length; i += 25)
      answers.push(...(await Promise.all(payloads.slice(i, i + 25).map((p) => postOlark(service.webhook, p).then(integrationUrl)))));
    payloads.forEach((p, i) => assert.equal(answers[i], `${service.url}/r/olark/${p.id}`));
    assert.equal(contactsByConversation(hubspot).size, 0, 'nothing reached the CRM during the outage');
    const sample = await fetch(answers[0] ?? '', { redirect: 'manual' });
    assert.equal(sample.status, 200);
    assert.match(await sample.text(), /pending/);

    hubspot.faults.clear();
    await until(
      'every transcript delivered',
      async () => {
        const stats = await service.running.store.queueStats();
        return stats.pending === 0 && stats.running === 0;
      },
      45_000,
    );
    const stats = await service.running.store.queueStats();
    assert.equal(stats.dead, 0);
    const counts = contactsByConversation(hubspot);
    assert.equal(counts.size, 200, 'every conversation reached the CRM');
    assert.deepEqual([...new Set(counts.values())], [1], 'none twice');
    const redirect = await fetch(answers[7] ?? '', { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.match(
      redirect.headers.get('location') ?? '',
      new RegExp(`^https://app\\.hubspot\\.com/contacts/${hubspot.portalId}/record/0-1/\\d+$`),
    );
  });

  it('waits at least Retry-After after a 429 before trying again', async () => {
    // On the note, the last call of an attempt: whatever comes next belongs to the next attempt.
    hubspot.faults.inject({ status: 429, retryAfterSeconds: 2, times: 1, match: /^POST \/crm\/objects\/\d{4}-\d{2}\/notes/ });
    const payload = transcript();
    await integrationUrl(await postOlark(service.webhook, payload));
    await until(
      'delivery',
      async () => contactsByConversation(hubspot).get(payload.id) === 1 && hubspot.state.list('notes').length === 1,
      10_000,
    );
    const limited = hubspot.requests.find((r) => r.status === 429);
    assert.ok(limited !== undefined);
    const next = hubspot.requests.find((r) => r.startedAt > limited.endedAt);
    assert.ok(next !== undefined);
    assert.ok(next.startedAt - limited.endedAt >= 2000, `next call after ${next.startedAt - limited.endedAt} ms`);
  });
});
