/**
 * iAdvize through the real service: the HTTP edge with its token check, the pipeline's stored
 * steps (fetch → deliver), the local CRM, and the emulator standing in for iAdvize.
 */
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config';
import { start } from '../../../src/main';
import { sourceDefinitions } from '../../../src/sources';
import { iadvizeSource } from '../../../src/sources/iadvize';
import { until } from '../../support/polling';
import { removeDir, serviceEnv, tempDir } from '../../support/service';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  callPlugin,
  makeConversation,
  playConversationClosed,
  sandboxConversations,
  sendWebhook,
  startIAdvizeEmulator,
  type IAdvizeEmulator,
} from '../../emulators/iadvize';
import { SECRET } from './support';
import { closedEvent } from '../../support/steps';

const TOKEN = 'iadvize-e2e-token';

type Running = Awaited<ReturnType<typeof start>>;

describe('iAdvize end to end (service + emulator + local CRM)', function () {
  this.timeout(30_000);
  let emulator: IAdvizeEmulator;
  let running: Running;
  let dir: string;
  let base: string;

  before(async () => {
    emulator = await startIAdvizeEmulator({ pageSize: 20 });
    dir = tempDir('chat2crm-iadvize-');
    const env = await serviceEnv(
      {
        IADVIZE_API_URL: emulator.url,
        IADVIZE_USERNAME: emulator.username,
        IADVIZE_PASSWORD: emulator.password,
        IADVIZE_WEBHOOK_SECRET: SECRET,
        IADVIZE_WEBHOOK_TOKEN: TOKEN,
        RETRY_SCHEDULE: '100ms,100ms,100ms',
      },
      dir,
    );
    const definitions = [...sourceDefinitions.filter((d) => d.name !== iadvizeSource.name), iadvizeSource];
    const loaded = loadConfig(env, definitions);
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    running = await start(loaded.config, { announce: () => undefined });
    base = `http://127.0.0.1:${running.port}/webhooks/iadvize/${TOKEN}`;
  });

  after(async () => {
    await running.shutdown();
    await emulator.close();
    removeDir(dir);
  });

  const recordOf = async (email: string, messages: number) => {
    let found: Awaited<ReturnType<Running['store']['findLocalRecordByEmail']>>;
    await until(
      `the record of ${email}`,
      async () => {
        found = await running.store.findLocalRecordByEmail(email);
        return found !== undefined && found.conversation.messages.filter((m) => m.role !== 'system').length >= messages;
      },
      10_000,
    );
    assert.ok(found !== undefined);
    return found;
  };

  it('makes one record of a closed 45-message conversation, with every message and the email; a retry makes no second', async () => {
    const c = makeConversation({ messages: 45, email: 'e2e.long@example.com' });
    emulator.seed(c);
    const calls = emulator.graphqlCalls;
    const first = await sendWebhook(base, closedEvent(c), { secret: SECRET });
    assert.equal(first.status, 200, first.text);
    const record = await recordOf('e2e.long@example.com', 45);
    assert.equal(record.conversations.length, 1);
    assert.equal(record.conversations[0]?.key, `iadvize:${c.id}`);
    assert.deepEqual(
      record.conversation.messages.filter((m) => m.role !== 'system').map((m) => m.body),
      c.messages.map((m) => m.text),
    );
    const retry = await sendWebhook(base, closedEvent(c), { secret: SECRET });
    assert.equal(retry.status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(emulator.graphqlCalls - calls, 3, 'three pages, read once');
    assert.equal((await running.store.findLocalRecordByEmail('e2e.long@example.com'))?.history.length, record.history.length);
  });

  it('reads several conversations with one login', async () => {
    const logins = emulator.logins;
    const cs = [1, 2, 3].map((i) => makeConversation({ messages: 3, email: `e2e.many${i}@example.com` }));
    emulator.seed(...cs);
    await Promise.all(cs.map((c) => sendWebhook(base, closedEvent(c), { secret: SECRET, contentType: 'form' })));
    for (const c of cs) await recordOf(c.visitor?.email ?? '', 3);
    assert.ok(emulator.logins - logins <= 1, `${emulator.logins - logins} logins`);
  });

  it('retries GraphQL 502s to success', async () => {
    const c = makeConversation({ messages: 5, email: 'e2e.flaky@example.com' });
    emulator.seed(c);
    emulator.faults.inject({ status: 502, match: /graphql/, times: 2 });
    assert.equal((await sendWebhook(base, closedEvent(c), { secret: SECRET })).status, 200);
    await recordOf('e2e.flaky@example.com', 5);
  });

  it('refuses wrong and missing signatures (401/400) and a wrong token (404) without calling iAdvize', async () => {
    const c = makeConversation({ messages: 1 });
    const before = emulator.requests.length;
    assert.equal((await sendWebhook(base, closedEvent(c), { secret: 'not-the-secret' })).status, 401);
    assert.equal((await sendWebhook(base, closedEvent(c))).status, 400);
    assert.equal((await sendWebhook(base.replace(TOKEN, 'wrong-token'), closedEvent(c), { secret: SECRET })).status, 404);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(emulator.requests.length, before);
  });

  it('answers the health check', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'UP' });
  });

  it('shows the record URL in the plugin for a known visitor or email, the ACTION otherwise, and the ACTION creates a lead', async () => {
    const known = makeConversation({ messages: 2, email: 'e2e.plugin@example.com' });
    emulator.seed(known);
    await sendWebhook(base, closedEvent(known), { secret: SECRET });
    const record = await recordOf('e2e.plugin@example.com', 2);
    const url = `http://127.0.0.1:${running.port}/records/${record.id}`;
    const RECORD = [{ id: 'crm_record', label: 'CRM record', value: url, fieldType: 'URL' }];

    const byVisitor = await callPlugin(
      `${base}/customer-info`,
      { idVisitorUnique: known.visitor?.visitorId ?? '', idWebsite: 'ha-1' },
      { secret: SECRET },
    );
    assert.equal(byVisitor.status, 200, byVisitor.text);
    assert.deepEqual(JSON.parse(byVisitor.text), RECORD);
    const byEmail = await callPlugin(
      `${base}/customer-info`,
      { emailVisitor: 'e2e.plugin@example.com', idVisitorUnique: 'someone-else' },
      { secret: SECRET },
    );
    assert.deepEqual(JSON.parse(byEmail.text), RECORD);

    const fresh = makeConversation({ messages: 4, email: 'e2e.action@example.com', closed: false });
    emulator.seed(fresh);
    const unknown = await callPlugin(
      `${base}/customer-info`,
      { emailVisitor: 'e2e.action@example.com', idVisitorUnique: fresh.visitor?.visitorId ?? '' },
      { secret: SECRET },
    );
    assert.deepEqual(JSON.parse(unknown.text), [
      { id: 'crm_create_lead', label: 'Create lead', value: 'CREATE_LEAD', fieldType: 'ACTION' },
    ]);
    assert.equal((await callPlugin(`${base}/customer-info`, { emailVisitor: 'e2e.action@example.com' })).status, 401);

    const action = await sendWebhook(
      `${base}/customer-info`,
      { action: 'CREATE_LEAD', idConversation: fresh.id, idVisitorUnique: fresh.visitor?.visitorId, idWebsite: 'ha-1', idOperator: '9' },
      { secret: SECRET },
    );
    assert.equal(action.status, 200, action.text);
    const answer: unknown = JSON.parse(action.text);
    assert.ok(typeof answer === 'object' && answer !== null && 'success' in answer && answer.success === true, action.text);
    const lead = await recordOf('e2e.action@example.com', 4);
    assert.equal(lead.action, 'lead');
  });

  it('lets a closing-form answer make a case', async () => {
    const c = makeConversation({
      messages: 2,
      email: 'e2e.case@example.com',
      closingForm: [{ fieldId: 'crm', label: 'CRM record', value: 'case' }],
    });
    emulator.seed(c);
    await sendWebhook(base, closedEvent(c), { secret: SECRET });
    const record = await recordOf('e2e.case@example.com', 2);
    assert.equal(record.action, 'case');
  });

  it('looks the visitor up on v2.conversation.pushed (email read by GraphQL) and makes no record', async () => {
    const earlier = makeConversation({ messages: 1, email: 'e2e.returning@example.com' });
    emulator.seed(earlier);
    await sendWebhook(base, closedEvent(earlier), { secret: SECRET });
    const record = await recordOf('e2e.returning@example.com', 1);
    const now = makeConversation({ messages: 1, email: 'e2e.returning@example.com', closed: false });
    emulator.seed(now);
    const pushed = { ...closedEvent(now, `pushed-${now.id}`), eventType: 'v2.conversation.pushed', operatorId: 1, operatorIds: undefined };
    assert.equal((await sendWebhook(base, pushed, { secret: SECRET })).status, 200);
    await until('the person found', async () => (await running.store.getConversation(`iadvize:${now.id}`))?.person !== undefined, 10_000);
    assert.equal((await running.store.getConversation(`iadvize:${now.id}`))?.person?.id, record.id);
    assert.deepEqual(await running.store.listRecords(`iadvize:${now.id}`), []);
  });
  it('the sandbox plays a close (signed webhook, then the plugin until it shows the record), and its page at / lists the reads and calls, escaped', async () => {
    const c = makeConversation({ messages: 3, email: 'e2e.sandbox@example.com', firstName: '<b>Eve</b>' });
    emulator.seed(c);
    const played = await playConversationClosed({
      callbackUrl: base,
      secret: SECRET,
      conversation: c,
      waitMs: 10_000,
      intervalMs: 100,
      onCall: (call) => void emulator.outgoing.push(call),
    });
    assert.match(played.recordUrl ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${running.port}/records/`));
    assert.deepEqual(
      played.calls.map((call) => [call.what, call.status]),
      [
        [`webhook v2.conversation.closed ${c.id}`, 200],
        [`plugin customer-info ${c.id}`, 200],
      ],
    );
    const html = await (await fetch(`${emulator.url}/`)).text();
    assert.ok(!html.includes('<b>Eve'), 'nothing from the data is markup');
    assert.ok(
      html.includes(`<td>${c.id}</td><td>&lt;b&gt;Eve&lt;/b&gt; Visitor e2e.sandbox@example.com</td><td>3</td><td></td><td>1</td>`),
      html,
    );
    assert.ok(html.includes(`<a href="${played.recordUrl ?? ''}">`), 'the record link shows');
  });

  it('npm run emulator:iadvize -- conversation-closed <webhook URL>: signed close, then prints the record the plugin shows', async () => {
    const { short } = sandboxConversations();
    emulator.seed(short);
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/emulators/iadvize/main.ts', 'conversation-closed', base],
      { env: { ...process.env, IADVIZE_WEBHOOK_SECRET: SECRET }, timeout: 25_000 },
    );
    assert.match(run.stdout, new RegExp(`webhook v2.conversation.closed ${short.id}: 200`));
    assert.match(run.stdout, /the agent's panel shows the CRM record: http:\/\/127\.0\.0\.1:\d+\/records\//);
  });
});
