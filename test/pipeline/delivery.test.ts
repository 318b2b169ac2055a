import assert from 'node:assert/strict';
import { permanent, transient } from '../../src/domain/outcome';
import { integrationUrlOf as answer, until } from '../support/expect';
import { postOlark, transcript } from '../support/olark';
import { scriptedCrm, type ScriptedCrm } from '../support/scripted-crm';
import { removeDir, serviceEnv, tempDir, type TestService } from '../support/service';
import { loadConfig } from '../../src/config';
import { start } from '../../src/main';
import type { Env } from '../../src/domain/connector';

describe('delivery pipeline', () => {
  let crm: ScriptedCrm;
  let service: TestService;
  let dir: string;

  const boot = async (env: Env = {}) => {
    const full = await serviceEnv({ RETRY_SCHEDULE: '100ms,200ms,300ms', WORKER_POLL_MS: '20', SYNC_DEADLINE_MS: '1000', ...env }, dir);
    const loaded = loadConfig(full);
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const running = await start(loaded.config, { announce: () => undefined, createConnector: async () => crm.connector });
    const url = `http://127.0.0.1:${running.port}`;
    service = { url, webhook: `${url}/webhooks/olark/${full.OLARK_WEBHOOK_TOKEN ?? ''}`, dir, running, stop: () => running.shutdown() };
  };

  beforeEach(() => {
    crm = scriptedCrm();
    dir = tempDir();
  });
  afterEach(async () => {
    await service.stop();
    removeDir(dir);
  });

  it('answers with the CRM link when the CRM answers in time', async () => {
    await boot();
    const url = await answer(await postOlark(service.webhook, transcript()));
    assert.match(url, /^https:\/\/crm\.example\/lead\/1$/);
  });

  it('retries a passing 502 within SYNC_DEADLINE_MS, so the agent gets the record link, not the stable one', async () => {
    await boot({ SYNC_DEADLINE_MS: '3000' });
    crm.failNext(transient('CRM_UNAVAILABLE', 'HubSpot answered 502', { status: 502 }), 2);
    const started = Date.now();
    const url = await answer(await postOlark(service.webhook, transcript()));
    assert.equal(url, 'https://crm.example/lead/1');
    assert.equal(crm.calls.length, 3);
    assert.ok(Date.now() - started < 2500, 'short pauses, well inside the deadline');
  });

  it('honours Retry-After inside the deadline when it fits, and not when it does not', async () => {
    await boot({ SYNC_DEADLINE_MS: '1500' });
    crm.failNext(transient('CRM_UNAVAILABLE', 'busy', { status: 503, retryAfterMs: 600 }));
    assert.equal(await answer(await postOlark(service.webhook, transcript())), 'https://crm.example/lead/1');
    const [first, second] = crm.calls;
    assert.ok(first !== undefined && second !== undefined && second.at - first.at >= 600);
    crm.failNext(transient('CRM_UNAVAILABLE', 'busy', { status: 503, retryAfterMs: 5000 }));
    const payload = transcript();
    assert.equal(await answer(await postOlark(service.webhook, payload)), `${service.url}/r/olark/${payload.id}`);
  });

  it('answers with the stable link on a transient failure, and the worker delivers it later', async () => {
    // Too short a deadline for a quick retry.
    await boot({ SYNC_DEADLINE_MS: '200' });
    crm.failNext(transient('CRM_UNAVAILABLE', 'HubSpot answered 503', { status: 503 }));
    const payload = transcript();
    const url = await answer(await postOlark(service.webhook, payload));
    assert.equal(url, `${service.url}/r/olark/${payload.id}`);
    const pending = await fetch(url, { redirect: 'manual' });
    assert.equal(pending.status, 200);
    const text = await pending.text();
    assert.match(text, /pending[\s\S]*Create or update the CRM record[\s\S]*retrying/);
    assert.doesNotMatch(text, /CRM_UNAVAILABLE/, 'the agent page names no passing fault');
    await until('delivery', () => crm.records.size === 1);
    const redirect = await fetch(url, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), 'https://crm.example/lead/1');
    const job = await service.running.store.latestJob(`olark:${payload.id}`);
    assert.ok(job !== undefined);
    const attempts = await service.running.store.listAttempts(job.id);
    assert.deepEqual(
      attempts.map((a) => [a.outcome, a.crmStatus ?? null]),
      [
        ['transient', 503],
        ['ok', null],
      ],
    );
  });

  it('waits at least Retry-After before the next try', async () => {
    await boot();
    crm.failNext(transient('CRM_RATE_LIMITED', 'HubSpot answered 429', { status: 429, retryAfterMs: 700 }));
    await answer(await postOlark(service.webhook, transcript()));
    await until('delivery', () => crm.records.size === 1);
    const [first, second] = crm.calls;
    assert.ok(first !== undefined && second !== undefined);
    assert.ok(second.at - first.at >= 700, `retried after ${second.at - first.at} ms`);
  });

  it('retries rate-limit answers without using up the schedule', async () => {
    await boot();
    // Six 429s, more than the three slots of the schedule: a busy CRM must not kill the job.
    crm.failNext(transient('CRM_RATE_LIMITED', 'HubSpot answered 429', { status: 429, retryAfterMs: 30 }), 6);
    await answer(await postOlark(service.webhook, transcript()));
    await until('delivery', async () => (await service.running.store.queueStats()).done === 1);
    assert.equal(crm.calls.length, 7);
    assert.equal(crm.records.size, 1);
    assert.equal((await service.running.store.queueStats()).dead, 0);
  });

  it('answers with the stable link when the CRM is slower than SYNC_DEADLINE_MS, and finishes in the background', async () => {
    await boot({ SYNC_DEADLINE_MS: '100' });
    crm.latencyMs = 400;
    const payload = transcript();
    const started = Date.now();
    const url = await answer(await postOlark(service.webhook, payload));
    assert.ok(Date.now() - started < 350, 'did not wait for the CRM');
    assert.equal(url, `${service.url}/r/olark/${payload.id}`);
    await until('delivery', () => crm.records.size === 1);
    assert.equal(crm.calls.length, 1, 'the inline attempt finished the job: no second call');
  });

  it('moves a job that keeps failing through the schedule to dead; the agent page says the operator was alerted', async () => {
    await boot({ SYNC_DEADLINE_MS: '200' });
    crm.failNext(transient('CRM_UNAVAILABLE', 'HubSpot answered 502', { status: 502 }), Infinity);
    const payload = transcript();
    await answer(await postOlark(service.webhook, payload));
    await until('dead job', async () => (await service.running.store.queueStats()).dead === 1);
    assert.equal(crm.calls.length, 4, 'one try, then one per schedule slot');
    const page = await (await fetch(`${service.url}/r/olark/${payload.id}`)).text();
    assert.match(page, /Delivery failed[\s\S]*The operator of this service has been alerted/);
    assert.doesNotMatch(page, /npm run replay/, 'agents cannot run it');
    assert.doesNotMatch(page, /CRM_UNAVAILABLE/, 'an outage names no field or key: its details stay in the console');
  });

  it('kills a job on a permanent error at once, and replay delivers it once the cause is fixed', async () => {
    await boot();
    crm.failNext(permanent('CRM_UNAUTHORIZED', 'the access token was refused: set HUBSPOT_ACCESS_TOKEN', { status: 401 }));
    const payload = transcript();
    await answer(await postOlark(service.webhook, payload));
    await until('dead job', async () => (await service.running.store.queueStats()).dead === 1);
    assert.equal(crm.calls.length, 1);
    const page = await (await fetch(`${service.url}/r/olark/${payload.id}`)).text();
    assert.match(
      page,
      /has been alerted[\s\S]*<dt>Reason<\/dt><dd>CRM_UNAUTHORIZED: the access token was refused: set HUBSPOT_ACCESS_TOKEN<\/dd>/,
      'the key at fault is the reason',
    );
    assert.doesNotMatch(page, /npm run replay/);
    assert.ok(!page.includes('Ada'), 'the status page shows no personal data');

    crm.recover();
    // The console's Replay and `npm run replay` go through the pipeline's one replay.
    const lines = await service.running.pipeline.replay({ all: true });
    assert.deepEqual(
      lines.map((l) => l.outcome),
      ['delivered'],
    );
    assert.equal(crm.records.size, 1);
    const redirect = await fetch(`${service.url}/r/olark/${payload.id}`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
  });

  it('retries a connector that throws instead of losing the transcript', async () => {
    await boot();
    crm.throwNext();
    await answer(await postOlark(service.webhook, transcript()));
    await until('delivery', () => crm.records.size === 1);
  });

  it('sends a newer transcript that arrives during a delivery in a second delivery, never in parallel', async () => {
    await boot({ SYNC_DEADLINE_MS: '50' });
    crm.latencyMs = 200;
    const first = transcript({ lines: 2 });
    await answer(await postOlark(service.webhook, first));
    await answer(await postOlark(service.webhook, { ...first, items: transcript({ id: first.id, lines: 6 }).items }));
    await until('second delivery', () => crm.records.get(`${first.id}:lead`)?.messages === 6);
    const [a, b] = crm.calls;
    assert.ok(a !== undefined && b !== undefined && b.at - a.at >= 200, 'the second delivery started after the first ended');
    assert.equal(crm.records.get(`${first.id}:lead`)?.writes, 2);
  });
});
