/**
 * LiveChat through the real service: the HTTP edge with its token check, the source's secret
 * check and decoding, the pipeline's stored steps (fetch → deliver → notify, lookup → notify), the
 * local CRM, and the emulator standing in for LiveChat on both sides (webhooks and the API).
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../../../src/config';
import type { Env } from '../../../src/domain/connector';
import { createPipeline, pipelineSettingsOf } from '../../../src/pipeline/pipeline';
import { sourceDefinitions } from '../../../src/sources';
import { createSources } from '../../../src/sources/runtime';
import { until } from '../../support/expect';
import { removeDir, serviceEnv, startService, tempDir, type TestService } from '../../support/service';
import { chatDeactivated, incomingChat, incomingEvent, postWebhook, v2ChatEnded, v2ChatStarted } from '../../emulators/livechat/webhooks';
import { AGENT, SECRET, startScenario, type Scenario } from './scenario';

const TOKEN = 'livechat-e2e-token-0123456789';
const keyOf = (chatId: string) => `livechat:${chatId}`;

describe('LiveChat end to end (service + emulator + local CRM)', function () {
  this.timeout(30_000);
  let s: Scenario;
  let service: TestService;
  let dir: string;
  const env = (extra: Env = {}): Env => ({ ...s.env, LIVECHAT_WEBHOOK_TOKEN: TOKEN, RETRY_SCHEDULE: '100ms,100ms,100ms', ...extra });
  const webhook = () => `${service.url}/webhooks/livechat/${TOKEN}`;

  before(async () => {
    s = await startScenario();
    dir = tempDir('chat2crm-livechat-');
    service = await startService(env(), dir);
  });
  after(async () => {
    await service.stop();
    removeDir(dir);
    await s.emulator.close();
  });
  afterEach(() => s.emulator.faults.clear());

  const jobs = (chatId: string) => service.running.store.conversationJobs(keyOf(chatId), 50);
  /** Waits until `count` steps of the chat exist and none is pending or running. */
  const settled = async (chatId: string, count: number) => {
    await until(
      `${count} settled steps of ${chatId}`,
      async () => {
        const all = await jobs(chatId);
        return all.length >= count && all.every((j) => j.state !== 'pending' && j.state !== 'running');
      },
      15_000,
    );
    return jobs(chatId);
  };
  const statesOf = async (chatId: string) => (await jobs(chatId)).map((j) => [j.kind, j.state]);
  const onlyRecord = async (chatId: string) => {
    const records = await service.running.store.listRecords(keyOf(chatId));
    assert.equal(records.length, 1, JSON.stringify(records));
    const [record] = records;
    assert.ok(record !== undefined);
    return record.record;
  };
  const localTranscript = async (recordId: string) =>
    (await service.running.store.getLocalRecord(recordId))?.conversation.messages.map((m) => [m.role, m.body]);

  it('a finished chat becomes one record with its transcript; a re-sent webhook and a later thread update it; the link joins the customer’s session fields', async () => {
    const { state } = s.emulator;
    const { chatId, customerId } = s.chat({ email: 'ada.e2e@example.com' });
    state.closeThread(chatId);
    const first = chatDeactivated(state, chatId, { secretKey: SECRET, userId: AGENT });
    const answer = await postWebhook(webhook(), first);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {});
    await settled(chatId, 3);
    assert.deepEqual(await statesOf(chatId), [
      ['fetch', 'done'],
      ['deliver', 'done'],
      ['notify', 'done'],
    ]);
    const record = await onlyRecord(chatId);
    assert.equal(record.action, 'lead');
    assert.deepEqual(await localTranscript(record.id), [
      ['visitor', 'Hi, I need a quote for 20 seats'],
      ['operator', 'Sure, let me check'],
    ]);
    assert.deepEqual(state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: record.url },
    ]);
    // Two LiveChat calls for the transcript and the link: the session fields get_chat gave are merged into, not read again.
    assert.deepEqual(
      s.emulator
        .calls()
        .filter((c) => c.action !== undefined)
        .map((c) => c.action),
      ['get_chat', 'update_customer'],
    );

    // LiveChat's retry: the same bytes again.
    const before = s.emulator.calls().length;
    assert.equal((await postWebhook(webhook(), first)).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await jobs(chatId)).length, 3, 'a re-sent webhook adds no step');
    assert.equal(s.emulator.calls().length, before, 'and makes no API call');

    // The customer comes back: a second thread of the same chat.
    state.startThread(chatId);
    state.addEvent(chatId, { author_id: customerId, text: 'Any news on the quote?' });
    state.addEvent(chatId, { author_id: AGENT, text: 'Sent it by email just now' });
    state.closeThread(chatId);
    assert.equal((await postWebhook(webhook(), chatDeactivated(state, chatId, { secretKey: SECRET }))).status, 200);
    await settled(chatId, 6);
    const updated = await onlyRecord(chatId);
    assert.equal(updated.id, record.id, 'the same record, updated');
    assert.deepEqual(await localTranscript(record.id), [
      ['visitor', 'Hi, I need a quote for 20 seats'],
      ['operator', 'Sure, let me check'],
      ['visitor', 'Any news on the quote?'],
      ['operator', 'Sent it by email just now'],
    ]);
    const fields = state.customers.get(customerId)?.session_fields ?? [];
    assert.equal(fields.filter((f) => 'crm_record_url' in f).length, 1);
    assert.deepEqual(fields.slice(0, 2), [{ plan: 'pro' }, { signup: '2025-02-01' }]);
    // The stable link forwards to the record.
    const redirect = await fetch(`${service.url}/r/livechat/${chatId}`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), record.url);
  });

  it('a customer whose session fields get_chat leaves out keeps them: first delivery and a later thread (get_customer is read, never a blind write)', async () => {
    const { state } = s.emulator;
    const { chatId, customerId } = s.chat({ email: 'hidden.e2e@example.com', hideSessionFields: true });
    state.closeThread(chatId);
    s.emulator.requests.length = 0;
    assert.equal((await postWebhook(webhook(), chatDeactivated(state, chatId, { secretKey: SECRET, userId: AGENT }))).status, 200);
    await settled(chatId, 3);
    const record = await onlyRecord(chatId);
    assert.deepEqual(state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: record.url },
    ]);
    assert.deepEqual(
      s.emulator.calls().map((c) => c.action),
      ['get_chat', 'get_customer', 'update_customer'],
    );

    state.startThread(chatId);
    state.addEvent(chatId, { author_id: customerId, text: 'Back again' });
    state.closeThread(chatId);
    assert.equal((await postWebhook(webhook(), chatDeactivated(state, chatId, { secretKey: SECRET }))).status, 200);
    await settled(chatId, 6);
    assert.deepEqual(
      await statesOf(chatId),
      Array.from({ length: 2 }, () => [
        ['fetch', 'done'],
        ['deliver', 'done'],
        ['notify', 'done'],
      ]).flat(),
    );
    assert.deepEqual(state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: record.url },
    ]);
  });

  it('an agent’s !case makes a case at once, and an agents-only message with its link appears in the chat', async () => {
    const { state } = s.emulator;
    const { chatId } = s.chat({ email: 'case.e2e@example.com' });
    state.addEvent(chatId, { author_id: AGENT, text: '!case', visibility: 'agents' });
    assert.equal((await postWebhook(webhook(), incomingEvent(state, chatId, { secretKey: SECRET }))).status, 200);
    await settled(chatId, 3);
    const record = await onlyRecord(chatId);
    assert.equal(record.action, 'case');
    const shown = state.lastThread(chatId).events.filter((e) => e.visibility === 'agents' && e.author_id === s.emulator.account.agentId);
    assert.deepEqual(
      shown.map((e) => e.text),
      [`CRM case: ${record.url}`],
    );
    assert.ok(state.isActive(chatId), 'the chat goes on');
  });

  it('a new chat of a customer the CRM knows shows the person’s link (lookup → notify), creating nothing', async () => {
    const { state } = s.emulator;
    const earlier = s.chat({ email: 'known.e2e@example.com' });
    state.closeThread(earlier.chatId);
    await postWebhook(webhook(), chatDeactivated(state, earlier.chatId, { secretKey: SECRET }));
    await settled(earlier.chatId, 3);
    const person = await onlyRecord(earlier.chatId);

    const { chatId, customerId } = s.chat({ email: 'known.e2e@example.com' });
    assert.equal((await postWebhook(webhook(), incomingChat(state, chatId, { secretKey: SECRET }))).status, 200);
    await settled(chatId, 2);
    assert.deepEqual(await statesOf(chatId), [
      ['lookup', 'done'],
      ['notify', 'done'],
    ]);
    assert.equal((await service.running.store.listRecords(keyOf(chatId))).length, 0);
    assert.deepEqual(state.customers.get(customerId)?.session_fields.at(-1), { crm_record_url: person.url });
    assert.deepEqual(
      state
        .lastThread(chatId)
        .events.filter((e) => e.visibility === 'agents')
        .map((e) => e.text),
      [`CRM lead: ${person.url}`],
    );
  });

  it('refuses a wrong or missing secret_key (401), a wrong token (404) and a malformed body (422 naming the field): nothing stored, no API call', async () => {
    const { state } = s.emulator;
    const { chatId } = s.chat();
    state.closeThread(chatId);
    const good = chatDeactivated(state, chatId, { secretKey: SECRET });
    const before = s.emulator.calls().length;
    const wrong = await postWebhook(webhook(), { ...good, secret_key: 'guess' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, {
      error: {
        code: 'INVALID_SIGNATURE',
        message: 'The signature does not match the body: check the webhook secret. secret_key does not match LIVECHAT_WEBHOOK_SECRET.',
      },
    });
    assert.equal((await postWebhook(webhook(), { ...good, secret_key: undefined })).status, 401);
    assert.equal((await postWebhook(`${service.url}/webhooks/livechat/wrong-token-0123456789`, good)).status, 404);
    const malformed = await postWebhook(webhook(), { ...good, payload: { chat_id: chatId } });
    assert.equal(malformed.status, 422);
    assert.match(JSON.stringify(malformed.body), /payload\.thread_id/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await service.running.store.getConversation(keyOf(chatId)), undefined);
    assert.equal(s.emulator.calls().length, before);
  });

  it('get_chat 503s are retried to success', async () => {
    const { state } = s.emulator;
    const { chatId } = s.chat();
    state.closeThread(chatId);
    s.emulator.faults.inject({ status: 503, match: /get_chat/, times: 2 });
    await postWebhook(webhook(), chatDeactivated(state, chatId, { secretKey: SECRET }));
    const steps = await settled(chatId, 3);
    assert.deepEqual(
      steps.map((j) => [j.kind, j.state, j.attempts]),
      [
        ['fetch', 'done', 3],
        ['deliver', 'done', 1],
        ['notify', 'done', 1],
      ],
    );
    await onlyRecord(chatId);
  });

  it('v2: chat_ended makes a record without whispers shown as customer lines and pushes its link; chat_started of a known visitor pushes the person', async () => {
    const { state } = s.emulator;
    const visitor = { id: 'S1700000000.e2e', name: 'Mary Brown', email: 'mary.e2e@example.com' };
    const ended = v2ChatEnded(
      state,
      {
        id: 'V2CHATE2E1',
        lines: [
          { user_type: 'visitor', author_name: 'Mary Brown', text: 'My order is late' },
          { user_type: 'supervisor', author_name: 'James Doe', agent_id: 'james@example.com', text: 'Offer her a voucher' },
          { user_type: 'agent', author_name: 'John Doe', agent_id: 'john@example.com', text: 'Sorry about that, here is a voucher' },
        ],
      },
      visitor,
      { licenseId: '1025707', token: 'v2-token-ended', eventUniqueId: 'e2e-unique-1' },
    );
    assert.equal((await postWebhook(webhook(), ended)).status, 200);
    await settled('V2CHATE2E1', 2);
    assert.deepEqual(await statesOf('V2CHATE2E1'), [
      ['deliver', 'done'],
      ['notify', 'done'],
    ]);
    const record = await onlyRecord('V2CHATE2E1');
    const lines = (await service.running.store.getLocalRecord(record.id))?.conversation.messages ?? [];
    const whisper = lines.find((m) => m.body === 'Offer her a voucher');
    assert.equal(whisper?.role, 'system');
    assert.equal(whisper?.author, 'James Doe (internal note)');
    assert.ok(
      !lines.some((m) => (m.role === 'visitor' || m.role === 'operator') && m.body.includes('voucher') && m.author === 'James Doe'),
    );
    const pushed = state.visitorDetails.get(visitor.id) ?? [];
    assert.equal(pushed.length, 1);
    assert.deepEqual(pushed[0], {
      license_id: 1025707,
      token: 'v2-token-ended',
      id: 'chat2crm',
      fields: [{ name: 'CRM', value: 'Open lead', url: record.url }],
    });

    const started = v2ChatStarted(state, visitor, { licenseId: '1025707', token: 'v2-token-started' });
    assert.equal((await postWebhook(webhook(), started)).status, 200);
    const conversationId = `visitor-${visitor.id}`;
    await settled(conversationId, 2);
    assert.deepEqual(await statesOf(conversationId), [
      ['lookup', 'done'],
      ['notify', 'done'],
    ]);
    assert.equal(state.visitorDetails.get(visitor.id)?.length, 2);
    assert.deepEqual(state.visitorDetails.get(visitor.id)?.[1]?.fields, [{ name: 'CRM', value: 'Open lead', url: record.url }]);
    assert.equal(state.visitorDetails.get(visitor.id)?.[1]?.token, 'v2-token-started', 'each call carries its own webhook’s token');
  });
});

describe('LiveChat end to end: a bad PAT, fixed and replayed', function () {
  this.timeout(30_000);
  let s: Scenario;
  let dir: string;
  before(async () => {
    s = await startScenario();
    dir = tempDir('chat2crm-livechat-pat-');
  });
  after(async () => {
    await s.emulator.close();
    removeDir(dir);
  });

  it('without API credentials, the chat is stored and its fetch waits dead with a page naming the missing key', async () => {
    const { state } = s.emulator;
    const { chatId } = s.chat();
    state.closeThread(chatId);
    const unconfigured = await startService(
      { LIVECHAT_WEBHOOK_SECRET: SECRET, LIVECHAT_API_URL: s.emulator.url, LIVECHAT_WEBHOOK_TOKEN: TOKEN },
      tempDir('chat2crm-livechat-nokey-'),
    );
    try {
      const before = s.emulator.calls().length;
      assert.equal(
        (await postWebhook(`${unconfigured.url}/webhooks/livechat/${TOKEN}`, chatDeactivated(state, chatId, { secretKey: SECRET }))).status,
        200,
      );
      await until(
        'the fetch to wait',
        async () => (await unconfigured.running.store.conversationJobs(keyOf(chatId), 10)).some((j) => j.state === 'dead'),
        10_000,
      );
      assert.notEqual(await unconfigured.running.store.getConversation(keyOf(chatId)), undefined, 'the chat is stored');
      const page = await (await fetch(`${unconfigured.url}/r/livechat/${chatId}`)).text();
      assert.match(page, /LIVECHAT_NOT_CONFIGURED/);
      assert.match(page, /LIVECHAT_ACCOUNT_ID and LIVECHAT_PAT/);
      assert.equal(s.emulator.calls().length, before, 'no call without credentials');
    } finally {
      await unconfigured.stop();
      removeDir(unconfigured.dir);
    }
  });

  it('leaves a dead fetch whose page names LIVECHAT_PAT; after the key is fixed, replay delivers', async () => {
    const env = (pat: string): Env => ({ ...s.env, LIVECHAT_PAT: pat, LIVECHAT_WEBHOOK_TOKEN: TOKEN, RETRY_SCHEDULE: '100ms,100ms,100ms' });
    const { state } = s.emulator;
    const { chatId, customerId } = s.chat();
    state.closeThread(chatId);

    const broken = await startService(env('dal:mistyped-pat'), dir);
    try {
      assert.equal(
        (await postWebhook(`${broken.url}/webhooks/livechat/${TOKEN}`, chatDeactivated(state, chatId, { secretKey: SECRET }))).status,
        200,
      );
      await until(
        'the fetch to die',
        async () => (await broken.running.store.conversationJobs(keyOf(chatId), 10)).some((j) => j.state === 'dead'),
        10_000,
      );
      const steps = await broken.running.store.conversationJobs(keyOf(chatId), 10);
      assert.deepEqual(
        steps.map((j) => [j.kind, j.state]),
        [['fetch', 'dead']],
      );
      const page = await (await fetch(`${broken.url}/r/livechat/${chatId}`)).text();
      assert.match(page, /LIVECHAT_UNAUTHORIZED/);
      assert.match(page, /LIVECHAT_PAT/);
      assert.ok(!page.includes('mistyped'), 'the key itself is not shown');
    } finally {
      await broken.stop();
    }

    // The operator fixes LIVECHAT_PAT and restarts; `npm run replay` does what follows.
    const fixed = await startService(env(s.env.LIVECHAT_PAT ?? ''), dir);
    try {
      const loaded = loadConfig(await serviceEnv(env(s.env.LIVECHAT_PAT ?? ''), dir), sourceDefinitions);
      assert.ok(loaded.ok);
      const log = pino({ level: 'silent' });
      const connector = await loaded.config.createConnector({ log, publicUrl: loaded.config.publicUrl, localRecords: fixed.running.store });
      const lines = await createPipeline({
        store: fixed.running.store,
        connector,
        sources: createSources(loaded.config, log),
        ...pipelineSettingsOf(loaded.config),
        log,
      }).replay({ ids: [keyOf(chatId)] });
      // The running service's worker may claim the revived step first ("busy": it runs it then).
      assert.deepEqual(
        lines.map((l) => l.step),
        ['fetch'],
      );
      assert.ok(lines[0]?.outcome === 'delivered' || lines[0]?.outcome === 'busy', JSON.stringify(lines));
      await until(
        'deliver and notify after the replay',
        async () => (await fixed.running.store.conversationJobs(keyOf(chatId), 10)).filter((j) => j.state === 'done').length === 3,
        10_000,
      );
      const [record] = await fixed.running.store.listRecords(keyOf(chatId));
      assert.ok(record !== undefined);
      assert.deepEqual(state.customers.get(customerId)?.session_fields.at(-1), { crm_record_url: record.record.url });
    } finally {
      await fixed.stop();
    }
  });
});
