/**
 * Issue 5: SIGTERM stops taking requests, lets deliveries in flight finish, closes storage and
 * exits 0; nothing is left running in the database.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CHAT_CONVERSATION_ID, startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot';
import { spawnService } from '../support/child-service';
import { postOlark, transcript } from '../support/olark';
import { freePort, removeDir, startService, tempDir } from '../support/service';

describe('graceful shutdown', function () {
  this.timeout(60_000);
  let hubspot: HubspotEmulator;
  let dir: string;

  before(async () => {
    hubspot = await startHubspotEmulator({ latencyMs: 400, rateLimit: { max: 100_000, windowMs: 10_000 } });
    dir = tempDir();
  });
  after(async () => {
    await hubspot.close();
    removeDir(dir);
  });

  it('finishes the delivery in flight on SIGTERM, then exits 0 with nothing left running', async () => {
    const env = {
      PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${join(dir, 'shutdown.db')}`,
      CRM: 'hubspot',
      HUBSPOT_BASE_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: hubspot.token,
      SYNC_DEADLINE_MS: '50',
    };
    const service = await spawnService(env);
    const payload = transcript();
    const res = await postOlark(service.webhook, payload);
    assert.equal(res.status, 200);
    assert.equal(hubspot.state.list('notes').length, 0, 'the delivery is still in flight');

    const exited = new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
    const signalled = Date.now();
    service.process.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(Date.now() - signalled < 10_000, 'within the grace period');
    assert.equal(
      hubspot.state.list('contacts').filter((c) => c.properties[CHAT_CONVERSATION_ID] === payload.id).length,
      1,
      'the delivery in flight finished before exit',
    );
    assert.equal(hubspot.state.list('notes').length, 1);

    // The same database, opened again in-process: the job is done, nothing pending or running.
    const again = await startService({ ...env, PORT: String(await freePort()) }, dir);
    try {
      const stats = await again.running.store.queueStats();
      assert.deepEqual([stats.pending, stats.running, stats.done], [0, 0, 1]);
    } finally {
      await again.stop();
    }
  });
});
