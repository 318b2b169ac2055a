/**
 * Issue 5: `kill -9` of the service in the middle of a burst. After a restart, every transcript
 * that had been answered 2xx reaches the CRM, none twice.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot';
import { contactsByConversation, drained } from '../support/expect';
import { spawnService, type ChildService } from '../support/child-service';
import { postOlark, transcript } from '../support/olark';
import { freePort, removeDir, tempDir } from '../support/service';

describe('kill -9 in the middle of a burst', function () {
  this.timeout(90_000);
  let hubspot: HubspotEmulator;
  let dir: string;
  let service: ChildService | undefined;

  before(async () => {
    // 300 ms per CRM call: a delivery (two calls) outlasts the burst's answers, so some are in flight when the process dies.
    hubspot = await startHubspotEmulator({ latencyMs: 300, rateLimit: { max: 100_000, windowMs: 10_000 } });
    dir = tempDir();
  });
  after(async () => {
    await service?.kill('SIGKILL');
    await hubspot.close();
    removeDir(dir);
  });

  it('delivers every answered transcript exactly once after a restart', async () => {
    const env = {
      PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${join(dir, 'crash.db')}`,
      CRM: 'hubspot',
      HUBSPOT_BASE_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: hubspot.token,
      SYNC_DEADLINE_MS: '100',
      RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s,1s',
      JOB_LEASE_MS: '2000',
      CRM_TIMEOUT_MS: '1500',
    };
    service = await spawnService(env);
    const victim = service;
    const payloads = Array.from({ length: 150 }, () => transcript());
    const answered: string[] = [];
    let killed = false;
    await Promise.all(
      payloads.map(async (payload, i) => {
        // Spread the burst so the kill lands in the middle of it.
        await new Promise((r) => setTimeout(r, i * 4));
        try {
          const res = await postOlark(victim.webhook, payload);
          if (res.status === 200) answered.push(payload.id);
        } catch {
          // the connection died with the process: not answered, so Olark would retry it
        }
        if (!killed && answered.length === 60) {
          killed = true;
          await victim.kill('SIGKILL');
        }
      }),
    );
    assert.ok(killed, 'the process was killed mid-burst');
    assert.ok(answered.length >= 60 && answered.length < 150, `${answered.length} answered before the kill`);
    // The note is a delivery's last call: counting notes, not contacts, counts finished deliveries.
    const deliveredBeforeRestart = hubspot.state.list('notes').length;
    assert.ok(deliveredBeforeRestart < answered.length, 'some answered transcripts were still undelivered at the kill');

    service = await spawnService(env);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const counts = contactsByConversation(hubspot);
      if (answered.every((key) => counts.has(key))) break;
      if (Date.now() > deadline) assert.fail(`${answered.filter((k) => !counts.has(k)).length} answered transcripts never reached the CRM`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Transcripts stored but never answered (the kill cut their connection) are delivered too:
    // wait for the queue to drain so every count below is final.
    await drained(service.url, Math.max(deadline - Date.now(), 1000));
    const counts = contactsByConversation(hubspot);
    const doubled = [...counts.entries()].filter(([, n]) => n > 1);
    assert.deepEqual(doubled, [], 'no conversation reached the CRM twice');
    const notes = hubspot.state.list('notes').length;
    assert.equal(notes, counts.size, 'one transcript note per conversation');
  });
});
