/**
 * Issue 10: a platform is one definition. A toy platform registered here, and nowhere else, is
 * received through the generic edge, fetched from its "API", delivered to the local CRM and
 * notified, each as a step of its own; its failures are retried per step.
 */
import assert from 'node:assert/strict';
import { permanent, transient } from '../../src/domain/outcome';
import { sourceDefinitions } from '../../src/sources';
import { until } from '../support/expect';
import { removeDir, startService, tempDir, type TestService } from '../support/service';
import { TOY_EMAIL_DOMAIN, TOY_TOKEN, toySource, type ToySource } from '../support/toy-source';

describe('a toy platform added by one definition', () => {
  let service: TestService;
  let dir: string;
  let toy: ToySource;

  beforeEach(async () => {
    toy = toySource();
    dir = tempDir();
    service = await startService({ TOY_WEBHOOK_TOKEN: TOY_TOKEN, RETRY_SCHEDULE: '50ms,50ms,50ms' }, dir, [
      ...sourceDefinitions,
      toy.definition,
    ]);
  });
  afterEach(async () => {
    await service.stop();
    removeDir(dir);
  });

  const post = (body: unknown, options: { readonly key?: string; readonly token?: string } = {}) => toy.send(service.url, body, options);

  it('is received, fetched, delivered and notified through the generic edge, each a step', async () => {
    const res = await post({ event_id: 'e1', chat_id: 'chat-1' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    await until('notified', () => toy.shown.length === 1);
    const store = service.running.store;
    // The platform has been shown the link; the notify step's end is written right after.
    await until('notify done', async () => (await store.latestJob('toy:chat-1', 'notify'))?.state === 'done');
    const steps = await store.conversationJobs('toy:chat-1', 10);
    assert.deepEqual(
      steps.map((j) => [j.kind, j.state]),
      [
        ['fetch', 'done'],
        ['deliver', 'done'],
        ['notify', 'done'],
      ],
    );
    const [record] = await store.listRecords('toy:chat-1');
    assert.ok(record !== undefined);
    assert.equal(toy.shown[0]?.link.url, record.record.url);
    assert.equal(toy.shown[0]?.link.kind, 'record');
    const stored = await store.getConversation('toy:chat-1');
    assert.equal(stored?.conversation.messages.length, 2, 'the fetched transcript is what was delivered');
    assert.equal((await store.getLocalRecord(record.record.id))?.conversation.messages.length, 2);
    const redirect = await fetch(`${service.url}/r/toy/chat-1`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), record.record.url);
  });

  it('recognises a re-sent event by its key: stored once, no second fetch', async () => {
    await post({ event_id: 'e1', chat_id: 'chat-2' });
    await until('notified', () => toy.shown.length === 1);
    assert.equal((await post({ event_id: 'e1', chat_id: 'chat-2' })).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(toy.fetches.length, 1);
    assert.equal((await service.running.store.getConversation('toy:chat-2'))?.version, 2, 'intake, then the fetched transcript');
  });

  it('retries a failing fetch on its own schedule, and a permanent failure stops the chain; the agent page says the operator was alerted', async () => {
    toy.faults.push(transient('LIVECHAT_UNAVAILABLE', 'toy API answered 503', { status: 503 }));
    await post({ event_id: 'e1', chat_id: 'chat-3' });
    await until('notified', () => toy.shown.length === 1);
    const [fetchStep] = await service.running.store.conversationJobs('toy:chat-3', 10);
    assert.equal(fetchStep?.attempts, 2);

    toy.faults.push(permanent('LIVECHAT_FORBIDDEN', 'the toy API refused TOY_API_KEY', { status: 401 }));
    await post({ event_id: 'e2', chat_id: 'chat-4' });
    await until('dead', async () => (await service.running.store.queueStats()).dead === 1);
    const steps = await service.running.store.conversationJobs('toy:chat-4', 10);
    assert.deepEqual(
      steps.map((j) => [j.kind, j.state]),
      [['fetch', 'dead']],
      'nothing after a dead step',
    );
    const page = await (await fetch(`${service.url}/r/toy/chat-4`)).text();
    assert.match(page, /has been alerted[\s\S]*Fetch the transcript[\s\S]*dead/);
    assert.doesNotMatch(page, /LIVECHAT_FORBIDDEN/, 'an error that is not for agents (errors.ts forAgent) is not shown to them');
    assert.ok(!page.includes(`chat-4@${TOY_EMAIL_DOMAIN}`));
  });

  it('refuses a wrong signature (401), a wrong token (404) and a malformed body (422) and stores nothing', async () => {
    assert.equal((await post({ event_id: 'e1', chat_id: 'x' }, { key: 'nope' })).status, 401);
    assert.equal((await post({ event_id: 'e1', chat_id: 'x' }, { token: 'wrong-token-0123456789' })).status, 404);
    const bad = await post({ event_id: 'e1' });
    assert.equal(bad.status, 422);
    assert.deepEqual(await bad.json(), {
      error: { code: 'INVALID_PAYLOAD', message: 'The body does not have the expected shape. event_id and chat_id are required' },
    });
    assert.equal(await service.running.store.getConversation('toy:x'), undefined);
    assert.equal(toy.fetches.length, 0);
  });

  it('gives a platform step that makes several calls more than one call timeout, within the lease', async () => {
    await service.stop();
    removeDir(dir);
    dir = tempDir();
    service = await startService({ TOY_WEBHOOK_TOKEN: TOY_TOKEN, CRM_TIMEOUT_MS: '300', JOB_LEASE_MS: '2000' }, dir, [
      ...sourceDefinitions,
      toy.definition,
    ]);
    toy.fetchLatencyMs = 700;
    await post({ event_id: 'e9', chat_id: 'chat-slow' });
    await until('notified', () => toy.shown.length === 1, 5000);
    const [fetchStep] = await service.running.store.conversationJobs('toy:chat-slow', 10);
    assert.equal(fetchStep?.attempts, 1, 'no CALL_TIMEOUT after 300 ms: the step may take up to 4/5 of the lease');
  });

  it('answers 405 with the methods the webhook serves, and 404 under it', async () => {
    const res = await fetch(`${service.url}/webhooks/toy/${TOY_TOKEN}`, { method: 'PUT' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.equal((await fetch(`${service.url}/webhooks/toy/${TOY_TOKEN}/elsewhere`)).status, 404);
  });
});
