/**
 * Issue 10: `kill -9` of the service while iAdvize conversations are between their steps
 * (fetch from iAdvize → deliver to HubSpot). After a restart on the same database, every event
 * answered 200 ends as exactly one contact and one note with the whole transcript, nothing is
 * left pending or running, and the steps the dead process held count an abandoned attempt.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import { startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot';
import { makeConversation, sendWebhook, startIAdvizeEmulator, type IAdvizeEmulator } from '../emulators/iadvize';
import { drained, until } from '../support/expect';
import { spawnService, type ChildService } from '../support/child-service';
import { freePort, removeDir, tempDir } from '../support/service';
import { IADVIZE_SECRET, allSteps, assertFullTranscript, closedEvent, contactsByEmail, iadvizeEnv, iadvizeWebhook, notesByConversation } from '../support/steps';

const BURST = 200;

const inFlight = <T extends { readonly endedAt: number }>(requests: readonly T[]): T[] => requests.filter((r) => r.endedAt === 0);

const idOf = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null || !('variables' in body)) return undefined;
  const variables: unknown = body.variables;
  return typeof variables === 'object' && variables !== null && 'id' in variables && typeof variables.id === 'string' ? variables.id : undefined;
};

describe('kill -9 while iAdvize conversations are between steps', function () {
  this.timeout(60_000);
  let hubspot: HubspotEmulator;
  let iadvize: IAdvizeEmulator;
  let dir: string;
  let service: ChildService | undefined;

  before(async () => {
    // Latency on both sides: at any moment of the burst some fetches and some deliveries are in flight.
    hubspot = await startHubspotEmulator({ latencyMs: 40, rateLimit: { max: 100_000, windowMs: 10_000 }, searchRateLimit: { max: 100_000, windowMs: 1000 } });
    iadvize = await startIAdvizeEmulator({ latencyMs: 60, pageSize: 20, loginsPerMinute: 100 });
    dir = tempDir('chat2crm-steps-crash-');
  });
  after(async () => {
    await service?.kill('SIGKILL');
    await hubspot.close();
    await iadvize.close();
    removeDir(dir);
  });

  it('fetches and delivers every answered conversation exactly once after a restart, counting the abandoned attempts', async () => {
    const database = join(dir, 'steps-crash.db');
    const env = {
      ...iadvizeEnv(iadvize),
      PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${database}`,
      CRM: 'hubspot',
      HUBSPOT_BASE_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: hubspot.token,
      WORKER_CONCURRENCY: '8',
      RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s,1s',
      JOB_LEASE_MS: '2000',
      CRM_TIMEOUT_MS: '1500',
    };
    // Up to 30 messages: some transcripts take two pages of the emulator's 20.
    const conversations = Array.from({ length: BURST }, (_, i) => makeConversation({ messages: 3 + (i % 28), email: `steps.crash.${i}@example.com` }));
    iadvize.seed(...conversations);
    service = await spawnService(env);
    const victim = service;
    const webhook = iadvizeWebhook(victim.url);

    const answered = new Set<string>();
    let killed = false;
    let fetchingAtKill: string[] = [];
    let crmCallsAtKill = 0;
    // Kill once deliveries have begun to finish and the dead process surely holds both kinds of step.
    const killer = until(
      'fetches and deliveries in flight together',
      () => answered.size >= 60 && hubspot.state.list('notes').length >= 3 && inFlight(iadvize.requests).some((r) => r.path === '/graphql') && inFlight(hubspot.requests).length > 0,
      15_000,
    ).then(() => {
      fetchingAtKill = inFlight(iadvize.requests).flatMap((r) => idOf(r.body) ?? []);
      crmCallsAtKill = inFlight(hubspot.requests).length;
      killed = true;
      return victim.kill('SIGKILL');
    });
    await Promise.all(
      conversations.map(async (c, i) => {
        await new Promise((r) => setTimeout(r, i * 15));
        if (killed) return;
        try {
          const res = await sendWebhook(webhook, closedEvent(c), { secret: IADVIZE_SECRET });
          if (res.status === 200) answered.add(c.id);
        } catch {
          // the connection died with the process: not answered, so iAdvize would send it again
        }
      }),
    );
    await killer;
    assert.ok(killed, 'the process was killed mid-burst');
    assert.ok(answered.size >= 60 && answered.size < BURST, `${answered.size} answered before the kill`);
    assert.ok(fetchingAtKill.length > 0 && crmCallsAtKill > 0, 'fetches and CRM calls were in flight at the kill');
    const deliveredBeforeRestart = [...notesByConversation(hubspot, 'iadvize', [...answered]).values()].filter((n) => n.length > 0).length;
    assert.ok(deliveredBeforeRestart < answered.size, 'some answered conversations were still undelivered at the kill');

    service = await spawnService(env);
    const deadline = Date.now() + 25_000;
    await until(
      'every answered conversation in HubSpot',
      () => {
        const notes = notesByConversation(hubspot, 'iadvize', [...answered]);
        return [...answered].every((id) => (notes.get(id)?.length ?? 0) > 0);
      },
      25_000,
    );
    // Events stored but never answered (the kill cut their connection) are delivered too: wait
    // for the queue to drain so every count below is final.
    const queue = await drained(service.url, Math.max(deadline - Date.now(), 1000));
    assert.equal(queue.dead, 0, 'no step dead');

    const notes = notesByConversation(hubspot, 'iadvize', conversations.map((c) => c.id));
    const contacts = contactsByEmail(hubspot);
    const emailOf = new Map(conversations.map((c) => [c.id, c.visitor?.email ?? '']));
    const doubled = conversations.filter((c) => (notes.get(c.id)?.length ?? 0) > 1 || (contacts.get(emailOf.get(c.id) ?? '') ?? 0) > 1).map((c) => c.id);
    assert.deepEqual(doubled, [], 'no conversation reached HubSpot twice');
    for (const c of conversations) {
      if (!answered.has(c.id)) continue;
      assert.equal(contacts.get(emailOf.get(c.id) ?? ''), 1, `one contact for answered conversation ${c.id}`);
      const [note] = notes.get(c.id) ?? [];
      assert.ok(note !== undefined, `a note for answered conversation ${c.id}`);
      assertFullTranscript(note, c);
    }

    await service.kill('SIGTERM');
    const store = openSqliteStore(database);
    try {
      const steps = await allSteps(store);
      const left = steps.filter((s) => s.job.state !== 'done').map((s) => `${s.job.kind} ${s.job.state} ${s.job.lastError ?? ''}`);
      assert.deepEqual(left, [], 'every step done, none pending, running, dead or expired');
      for (const s of steps) assert.equal(s.job.attempts, s.attempts.length, `the ${s.job.kind} step of ${s.job.conversationKey} counts each of its attempts`);
      const abandoned = (kind: string) => steps.filter((s) => s.job.kind === kind && s.attempts.some((a) => a.outcome === 'abandoned'));
      assert.ok(abandoned('deliver').length > 0, 'a delivery the dead process held counts an abandoned attempt');
      for (const id of fetchingAtKill) {
        const fetch = steps.find((s) => s.job.kind === 'fetch' && s.job.conversationKey === `iadvize:${id}`);
        assert.ok(fetch?.attempts.some((a) => a.outcome === 'abandoned'), `the fetch of ${id} in flight at the kill counts an abandoned attempt`);
      }
      // Each stored conversation had exactly one fetch and one deliver step (the kill made no second).
      const perConversation = new Map<string, string[]>();
      for (const s of steps) perConversation.set(s.job.conversationKey, [...(perConversation.get(s.job.conversationKey) ?? []), s.job.kind]);
      for (const id of answered) assert.deepEqual(perConversation.get(`iadvize:${id}`)?.sort(), ['deliver', 'fetch'], `steps of ${id}`);
    } finally {
      await store.close();
    }
  });
});
