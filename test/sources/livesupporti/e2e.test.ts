/**
 * LiveSupporti through the real service: the HTTP edge with its token check, the source's
 * signature check and routes, the pipeline's stored steps (lookup → deliver → notify), the local
 * CRM, and the emulator standing in for LiveSupporti on both sides (sender and details API).
 */
import assert from 'node:assert/strict';
import type { Env } from '../../../src/domain/connector';
import type { start } from '../../../src/main';
import { sourceDefinitions } from '../../../src/sources';
import { livesupportiSource } from '../../../src/sources/livesupporti';
import { until } from '../../support/polling';
import { removeDir, startService, tempDir } from '../../support/service';
import {
  buildBody,
  chatStarted,
  createLiveSupportiSender,
  signBody,
  startLiveSupportiEmulator,
  type LiveSupportiEmulator,
} from '../../emulators/livesupporti';
import { SECRET } from './request';

const TOKEN = 'livesupporti-e2e-token-0123456789';
const ACCOUNT = 'b943010f-b565-4731-9f34-42c54319957f';

type Running = Awaited<ReturnType<typeof start>>;

interface Service {
  readonly running: Running;
  readonly url: string;
  readonly webhook: string;
  stop(): Promise<void>;
}

const startWith = async (emulator: LiveSupportiEmulator, extra: Env = {}): Promise<Service> => {
  const service = await startService(
    {
      LIVESUPPORTI_WEBHOOK_TOKEN: TOKEN,
      LIVESUPPORTI_WEBHOOK_SECRET: SECRET,
      LIVESUPPORTI_API_URL: emulator.url,
      LIVESUPPORTI_API_USER: emulator.user,
      LIVESUPPORTI_API_KEY: emulator.apiKey,
      RETRY_SCHEDULE: '100ms,100ms,100ms',
      ...extra,
    },
    tempDir('chat2crm-livesupporti-'),
    [...sourceDefinitions.filter((d) => d.name !== livesupportiSource.name), livesupportiSource],
  );
  return {
    running: service.running,
    url: service.url,
    webhook: `${service.url}/webhooks/livesupporti/${TOKEN}`,
    stop: async () => {
      await service.stop();
      removeDir(service.dir);
    },
  };
};

const keyOf = (visitorId: string) => `livesupporti:${ACCOUNT}:${visitorId}`;
let visitors = 0;
const newVisitor = () => `10.0.0.${++visitors}-${Date.now()}`;

describe('LiveSupporti end to end (service + emulator + local CRM)', function () {
  this.timeout(30_000);
  let emulator: LiveSupportiEmulator;
  let service: Service;

  const sender = () => createLiveSupportiSender({ callbackUrl: service.webhook, secret: SECRET, retryDelaysMs: [10, 10] });
  const pushesFor = (visitorId: string) => emulator.requests.filter((r) => r.path === `/api/visitors/${visitorId}/details`);
  const jobs = (visitorId: string) => service.running.store.conversationJobs(keyOf(visitorId), 20);
  const settled = async (visitorId: string, kind: 'notify' | 'lookup' = 'notify') => {
    await until(
      `the ${kind} step of ${visitorId} to settle`,
      async () => (await jobs(visitorId)).some((j) => j.kind === kind && j.state !== 'pending' && j.state !== 'running'),
      10_000,
    );
    const job = (await jobs(visitorId)).find((j) => j.kind === kind);
    assert.ok(job !== undefined);
    return job;
  };

  before(async () => {
    emulator = await startLiveSupportiEmulator({ accounts: [ACCOUNT] });
    service = await startWith(emulator);
  });
  after(async () => {
    await service.stop();
    await emulator.close();
  });
  beforeEach(() => {
    emulator.faults.clear();
  });

  describe('handshake and authentication', () => {
    it('passes the sender’s echo check through the edge, with CORS for livesupporti.com', async () => {
      const echo = await sender().verifyEcho('https://livesupporti.com');
      assert.equal(echo.ok, true, `${echo.status} ${echo.body}`);
      assert.equal(echo.contentType, 'text/plain; charset=utf-8');
      assert.equal(echo.allowOrigin, 'https://livesupporti.com');
      const preflight = await fetch(service.webhook, {
        method: 'OPTIONS',
        headers: { origin: 'https://livesupporti.com', 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://livesupporti.com');
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /GET/);
    });

    it('answers a GET without echo with 400 INVALID_QUERY, and an unknown token with 404', async () => {
      const noEcho = await fetch(service.webhook);
      assert.equal(noEcho.status, 400);
      assert.deepEqual(((await noEcho.json()) as { error: { code: string } }).error.code, 'INVALID_QUERY');
      const wrongToken = await fetch(`${service.url}/webhooks/livesupporti/not-the-token?echo=abc`);
      assert.equal(wrongToken.status, 404);
    });

    it('refuses bad signatures (400 / 401) and a wrong token (404), storing and pushing nothing', async () => {
      const visitorId = newVisitor();
      const body = buildBody({
        id: 'bad-sig-1',
        attempt: 1,
        notifications: [chatStarted({ id: visitorId, email: 'mallory@example.com' })],
      });
      const post = (url: string, headers: Record<string, string>) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body });
      const codeOf = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string } }).error.code];
      assert.deepEqual(await codeOf(await post(service.webhook, {})), [400, 'MISSING_SIGNATURE']);
      assert.deepEqual(await codeOf(await post(service.webhook, { 'ms-signature': 'sha256=not-hex' })), [400, 'MISSING_SIGNATURE']);
      assert.deepEqual(await codeOf(await post(service.webhook, { 'ms-signature': signBody(body, `${SECRET}-wrong`) })), [
        401,
        'INVALID_SIGNATURE',
      ]);
      assert.deepEqual(
        await codeOf(await post(`${service.url}/webhooks/livesupporti/wrong-token`, { 'ms-signature': signBody(body, SECRET) })),
        [404, 'UNKNOWN_WEBHOOK_TOKEN'],
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await service.running.store.getConversation(keyOf(visitorId)), undefined);
      assert.equal(await service.running.store.findLocalRecordByEmail('mallory@example.com'), undefined);
      assert.equal(pushesFor(visitorId).length, 0);
    });
  });

  describe('chat started', () => {
    it('creates a lead for an unknown visitor and pushes its link once, even when the notification comes again with Attempt 2', async () => {
      const visitorId = newVisitor();
      const notification = chatStarted({ id: visitorId, email: 'new.visitor@example.com' });
      const first = await sender().send([notification], { id: 'work-item-new-1' });
      assert.equal(first.attempts[0]?.status, 200);
      const notify = await settled(visitorId);
      assert.equal(notify.state, 'done');
      const lead = await service.running.store.findLocalRecordByEmail('new.visitor@example.com');
      assert.ok(lead !== undefined);
      assert.equal(lead.action, 'lead');
      assert.match(lead.conversation.messages[0]?.body ?? '', /^Chat started on LiveSupporti at /);

      // The sender's retry of the same work item: same Id, Attempt 2, re-signed.
      const body = buildBody({ id: 'work-item-new-1', attempt: 2, notifications: [notification] });
      const again = await fetch(service.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'ms-signature': signBody(body, SECRET).toLowerCase() },
        body,
      });
      assert.equal(again.status, 200);
      await new Promise((r) => setTimeout(r, 300));

      const pushes = pushesFor(visitorId);
      assert.equal(pushes.length, 1);
      assert.equal(pushes[0]?.status, 200);
      assert.deepEqual(pushes[0]?.body, {
        AccountId: ACCOUNT,
        AgentId: '150',
        VisitorId: visitorId,
        Fields: [
          { name: 'CRM', value: `${service.url}/records/${lead.id}` },
          { name: 'CRM record', value: 'lead' },
        ],
      });
      assert.equal((await jobs(visitorId)).filter((j) => j.kind === 'deliver').length, 1);
    });

    it('pushes a known person’s link without creating anything, and finds the same lead on the visitor’s next chat', async () => {
      const firstVisitor = newVisitor();
      await sender().send([chatStarted({ id: firstVisitor, email: 'known@example.com' })]);
      await settled(firstVisitor);
      const person = await service.running.store.findLocalRecordByEmail('known@example.com');
      assert.ok(person !== undefined);
      const personUrl = `${service.url}/records/${person.id}`;

      // Another browser of the same person: found by email, so no deliver runs.
      const otherBrowser = newVisitor();
      await sender().send([chatStarted({ id: otherBrowser, email: 'known@example.com' })]);
      assert.equal((await settled(otherBrowser)).state, 'done');
      assert.equal((await jobs(otherBrowser)).filter((j) => j.kind === 'deliver').length, 0);
      assert.deepEqual(
        pushesFor(otherBrowser).map((p) => p.body),
        [
          {
            AccountId: ACCOUNT,
            AgentId: '150',
            VisitorId: otherBrowser,
            Fields: [
              { name: 'CRM', value: personUrl },
              {
                name: 'CRM record',
                value: `existing ${(await service.running.store.getConversation(keyOf(otherBrowser)))?.person?.type ?? '?'}`,
              },
            ],
          },
        ],
      );

      // The first visitor's second chat (a new work item): the same lead, pushed again.
      await sender().send([chatStarted({ id: firstVisitor, email: 'known@example.com' })]);
      await until('the second push', () => pushesFor(firstVisitor).length === 2, 10_000);
      assert.equal((await service.running.store.findLocalRecordByEmail('known@example.com'))?.id, person.id);
      assert.deepEqual(
        pushesFor(firstVisitor).map((p) => (p.body as { Fields: { value: string }[] }).Fields[0]?.value),
        [personUrl, personUrl],
      );
    });

    it('pushes once when two attempts of one notification arrive at the same time', async () => {
      const visitorId = newVisitor();
      const notification = chatStarted({ id: visitorId, email: 'concurrent@example.com' });
      const post = (attempt: number) => {
        const body = buildBody({ id: 'work-item-concurrent', attempt, notifications: [notification] });
        return fetch(service.webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'ms-signature': signBody(body, SECRET) },
          body,
        });
      };
      const answers = await Promise.all([post(1), post(2), post(3)]);
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200],
      );
      assert.equal((await settled(visitorId)).state, 'done');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pushesFor(visitorId).length, 1);
      assert.equal((await jobs(visitorId)).filter((j) => j.kind === 'lookup').length, 1);
    });

    it('acknowledges a chat start without an email and creates nothing', async () => {
      const visitorId = newVisitor();
      const delivery = await sender().send([chatStarted({ id: visitorId })]);
      assert.equal(delivery.attempts[0]?.status, 200);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await service.running.store.getConversation(keyOf(visitorId)), undefined);
      assert.equal(pushesFor(visitorId).length, 0);
    });

    it('takes several notifications in one POST, nested and flattened', async () => {
      const [a, b] = [newVisitor(), newVisitor()];
      await sender().send([
        chatStarted({ id: a, email: 'batch.a@example.com' }),
        { action: 'VisitorLeft', data: {} },
        chatStarted({ id: b, email: 'batch.b@example.com' }, true),
      ]);
      assert.equal((await settled(a)).state, 'done');
      assert.equal((await settled(b)).state, 'done');
      assert.equal(pushesFor(a).length + pushesFor(b).length, 2);
    });
  });

  describe('the details API failing', () => {
    it('retries 503s to success', async () => {
      emulator.faults.inject({ status: 503, times: 2 });
      const visitorId = newVisitor();
      await sender().send([chatStarted({ id: visitorId, email: 'retry@example.com' })]);
      const notify = await settled(visitorId);
      assert.equal(notify.state, 'done');
      assert.equal(notify.attempts, 3);
      assert.deepEqual(
        pushesFor(visitorId).map((p) => p.status),
        [503, 503, 200],
      );
    });

    it('stops at once on a 400, with LiveSupporti’s reason on the step and on the stable-link page', async () => {
      emulator.faults.inject({ status: 400, body: JSON.stringify({ Message: 'Visitor is offline.' }) });
      const visitorId = newVisitor();
      await sender().send([chatStarted({ id: visitorId, email: 'refused@example.com' })]);
      const notify = await settled(visitorId);
      assert.equal(notify.state, 'dead');
      assert.equal(notify.attempts, 1);
      assert.match(notify.lastError ?? '', /LIVESUPPORTI_REJECTED: LiveSupporti refused the visitor details \(400\): Visitor is offline\./);
      assert.equal(pushesFor(visitorId).length, 1);
      // The lead exists but the agent never saw it: the stable link names the failure, with the lead's link.
      const page = await fetch(`${service.url}/r/livesupporti/${encodeURIComponent(`${ACCOUNT}:${visitorId}`)}`, { redirect: 'manual' });
      assert.equal(page.status, 200);
      const text = await page.text();
      assert.match(text, /Show the link in the chat platform[\s\S]*dead[\s\S]*Visitor is offline\./);
      assert.match(text, /The CRM record: <a href="http:\/\/127\.0\.0\.1:\d+\/records\//);
      assert.ok(!text.includes('refused@example.com'), 'no personal data on the page');
    });

    it('ends as expired, not dead, once a retry would come after the chat’s 15 minutes', async () => {
      emulator.faults.inject({ status: 503, retryAfterSeconds: 20 * 60 });
      const visitorId = newVisitor();
      await sender().send([chatStarted({ id: visitorId, email: 'late@example.com' })]);
      const notify = await settled(visitorId);
      assert.equal(notify.state, 'expired');
      assert.match(notify.lastError ?? '', /LIVESUPPORTI_UNAVAILABLE/);
    });
  });

  describe('with LIVESUPPORTI_CREATE_LEADS=false', () => {
    let noLeads: Service;
    before(async () => {
      noLeads = await startWith(emulator, { LIVESUPPORTI_CREATE_LEADS: 'false' });
    });
    after(() => noLeads.stop());

    it('creates no lead for an unknown visitor and pushes nothing', async () => {
      const visitorId = newVisitor();
      const delivery = await createLiveSupportiSender({ callbackUrl: noLeads.webhook, secret: SECRET }).send([
        chatStarted({ id: visitorId, email: 'stranger@example.com' }),
      ]);
      assert.equal(delivery.attempts[0]?.status, 200);
      await until(
        'the notify step',
        async () =>
          (await noLeads.running.store.conversationJobs(keyOf(visitorId), 10)).some((j) => j.kind === 'notify' && j.state === 'done'),
        10_000,
      );
      const steps = await noLeads.running.store.conversationJobs(keyOf(visitorId), 10);
      assert.deepEqual(
        steps.map((j) => [j.kind, j.state]).sort(),
        [
          ['lookup', 'done'],
          ['notify', 'done'],
        ].sort(),
      );
      assert.equal(await noLeads.running.store.findLocalRecordByEmail('stranger@example.com'), undefined);
      assert.equal(pushesFor(visitorId).length, 0);
    });
  });
});
