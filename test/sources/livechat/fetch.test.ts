import assert from 'node:assert/strict';
import { RATE_LIMITED } from '../../../src/domain/outcome';
import { chatDeactivated, incomingEvent } from '../../emulators/livechat/webhooks';
import { eventsOf, onlyConversation, requestOf, viewOf } from './helpers';
import { AGENT, failureOf, SECRET, startScenario, valueOf, type Scenario } from './scenario';

describe('LiveChat fetch: the Agent Chat API client against the emulator', () => {
  let s: Scenario;
  before(async () => {
    s = await startScenario({
      accessTokens: [
        { token: 'fra:oauth-token-1', agentId: 'bot@example.com', region: 'fra' },
        { token: 'dal:read-only', agentId: 'bot@example.com', scopes: ['customers:ro'] },
      ],
    });
  });
  after(() => s.emulator.close());
  afterEach(() => {
    s.emulator.faults.clear();
    s.emulator.requests.length = 0;
  });

  /** The thin view a chat_deactivated webhook leaves for the fetch step. */
  const closedView = (chatId: string) => {
    s.emulator.state.closeThread(chatId);
    return viewOf(
      onlyConversation(eventsOf(s.source().decode(requestOf(chatDeactivated(s.emulator.state, chatId, { secretKey: SECRET }))))),
    );
  };

  it('reads a one-thread chat with one get_chat call, PAT as Basic base64(account:pat)', async () => {
    const { chatId, customerId } = s.chat();
    const view = closedView(chatId);
    const c = valueOf(await s.client().fetchConversation(view));
    assert.deepEqual(
      c.messages.map((m) => [m.role, m.author, m.body]),
      [
        ['visitor', 'Ada Lovelace', 'Hi, I need a quote for 20 seats'],
        ['operator', 'Agent Smith', 'Sure, let me check'],
      ],
    );
    assert.equal(c.visitor.id, customerId);
    assert.equal(c.visitor.email, 'ada@example.com');
    const calls = s.emulator.calls();
    assert.deepEqual(
      calls.map((r) => r.action),
      ['get_chat'],
    );
    assert.deepEqual(calls[0]?.body, { chat_id: chatId, thread_id: view.meta.thread_id });
    const { accountId, pat } = s.emulator.account;
    assert.equal(calls[0]?.authorization, `Basic ${Buffer.from(`${accountId}:${pat}`).toString('base64')}`);
  });

  it('reads every thread of a chat that spans threads (list_threads, oldest first, paged by 100)', async () => {
    const { chatId, customerId } = s.chat();
    const { state } = s.emulator;
    for (let i = 0; i < 101; i++) {
      state.closeThread(chatId);
      state.startThread(chatId);
      state.addEvent(chatId, { author_id: customerId, text: `back, visit ${i + 2}` });
    }
    const c = valueOf(await s.client().fetchConversation(closedView(chatId)));
    assert.equal(c.messages.length, 2 + 101);
    assert.equal(c.messages[0]?.body, 'Hi, I need a quote for 20 seats');
    assert.equal(c.messages.at(-1)?.body, 'back, visit 102');
    const calls = s.emulator.calls();
    assert.deepEqual(
      calls.map((r) => r.action),
      ['get_chat', 'list_threads', 'list_threads'],
    );
    assert.deepEqual(calls[1]?.body, { chat_id: chatId, sort_order: 'asc', limit: 100 });
  });

  it('asks get_customer for the email only when neither get_chat nor a form has it', async () => {
    const { chatId } = s.chat({ bareCustomer: true });
    const c = valueOf(await s.client().fetchConversation(closedView(chatId)));
    assert.equal(c.visitor.email, 'ada@example.com');
    assert.deepEqual(
      s.emulator.calls().map((r) => r.action),
      ['get_chat', 'get_customer'],
    );
  });

  it('a 503 is transient; the next attempt (the pipeline’s retry) succeeds', async () => {
    const { chatId } = s.chat();
    const view = closedView(chatId);
    s.emulator.faults.inject({ status: 503, match: /get_chat/ });
    const failure = failureOf(await s.client().fetchConversation(view));
    assert.equal(failure.kind, 'transient');
    assert.equal(failure.code, 'LIVECHAT_UNAVAILABLE');
    assert.equal(failure.status, 503);
    assert.equal(valueOf(await s.client().fetchConversation(view)).messages.length, 2);
  });

  it('internal, 5xx without a body, and dropped connections are transient too', async () => {
    const { chatId } = s.chat();
    const view = closedView(chatId);
    for (const fault of [{ type: 'internal' }, { status: 502 }, { network: true }]) {
      s.emulator.faults.inject({ ...fault, match: /get_chat/ });
      assert.equal(failureOf(await s.client().fetchConversation(view)).kind, 'transient', JSON.stringify(fault));
    }
  });

  it('too_many_requests is a rate limit that says when to come back', async () => {
    const { chatId } = s.chat();
    s.emulator.faults.inject({ status: 429, retryAfterSeconds: 7, match: /get_chat/ });
    const failure = failureOf(await s.client().fetchConversation(closedView(chatId)));
    assert.equal(failure.kind, 'transient');
    assert.equal(failure.code, RATE_LIMITED);
    assert.ok(failure.kind === 'transient' && failure.retryAfterMs === 7000);
  });

  it('a call that outlives its time limit is a transient timeout', async () => {
    const { chatId } = s.chat();
    s.emulator.faults.inject({ latencyMs: 400, match: /get_chat/ });
    const failure = failureOf(await s.client({}, 100).fetchConversation(closedView(chatId)));
    assert.equal(failure.kind, 'transient');
    assert.equal(failure.code, 'LIVECHAT_TIMEOUT');
  });

  it('a bad PAT is permanent and names LIVECHAT_PAT', async () => {
    const { chatId } = s.chat();
    const failure = failureOf(await s.client({ LIVECHAT_PAT: 'dal:wrong' }).fetchConversation(closedView(chatId)));
    assert.equal(failure.kind, 'permanent');
    assert.equal(failure.code, 'LIVECHAT_UNAUTHORIZED');
    assert.match(failure.message, /LIVECHAT_PAT/);
    assert.ok(!failure.message.includes('dal:wrong'), 'the token stays out of messages');
  });

  it('revoked credentials and a refused Bearer token name the key to fix', async () => {
    const { chatId } = s.chat();
    const view = closedView(chatId);
    s.emulator.faults.revokeCredentials();
    assert.match(failureOf(await s.client().fetchConversation(view)).message, /LIVECHAT_PAT/);
    const bearer = failureOf(
      await s.client({ LIVECHAT_PAT: '', LIVECHAT_ACCOUNT_ID: '', LIVECHAT_ACCESS_TOKEN: 'dal:expired' }).fetchConversation(view),
    );
    assert.equal(bearer.kind, 'permanent');
    assert.match(bearer.message, /LIVECHAT_ACCESS_TOKEN/);
  });

  it('a missing scope is permanent and names the scope', async () => {
    const { chatId } = s.chat();
    const failure = failureOf(
      await s
        .client({ LIVECHAT_PAT: '', LIVECHAT_ACCOUNT_ID: '', LIVECHAT_ACCESS_TOKEN: 'dal:read-only' })
        .fetchConversation(closedView(chatId)),
    );
    assert.equal(failure.kind, 'permanent');
    assert.equal(failure.code, 'LIVECHAT_FORBIDDEN');
    assert.match(failure.message, /chats--all:ro/);
  });

  it('missing credentials: a permanent failure naming the missing key, and no call', async () => {
    const { chatId } = s.chat();
    const view = closedView(chatId);
    const noPat = failureOf(await s.client({ LIVECHAT_PAT: '' }).fetchConversation(view));
    assert.equal(noPat.code, 'LIVECHAT_NOT_CONFIGURED');
    assert.match(noPat.message, /set LIVECHAT_PAT$/);
    const nothing = failureOf(await s.client({ LIVECHAT_PAT: '', LIVECHAT_ACCOUNT_ID: '' }).fetchConversation(view));
    assert.match(nothing.message, /LIVECHAT_ACCOUNT_ID and LIVECHAT_PAT \(or LIVECHAT_ACCESS_TOKEN\)/);
    assert.equal(s.emulator.calls().length, 0);
  });

  it('sends X-Region: fra for a fra: access token', async () => {
    const { chatId } = s.chat();
    valueOf(
      await s
        .client({ LIVECHAT_PAT: '', LIVECHAT_ACCOUNT_ID: '', LIVECHAT_ACCESS_TOKEN: 'fra:oauth-token-1' })
        .fetchConversation(closedView(chatId)),
    );
    const calls = s.emulator.calls();
    assert.deepEqual(
      calls.map((r) => [r.action, r.region, r.status]),
      [['get_chat', 'fra', 200]],
    );
    assert.equal(calls[0]?.authorization, 'Bearer fra:oauth-token-1');
  });

  it('retries once in the region a misdirected_request names, and goes there directly afterwards', async () => {
    const { chatId } = s.chat();
    const view = closedView(chatId);
    s.emulator.faults.moveToRegion('fra');
    try {
      const client = s.client();
      valueOf(await client.fetchConversation(view));
      valueOf(await client.fetchConversation(view));
      assert.deepEqual(
        s.emulator.calls().map((r) => [r.action, r.region ?? '(none)', r.status, r.errorType ?? '']),
        [
          // One call in the wrong region (Node's fetch used to repeat a 421 once by itself).
          ['get_chat', 'dal', 421, 'misdirected_request'],
          ['get_chat', 'fra', 200, ''],
          ['get_chat', 'fra', 200, ''],
        ],
      );
    } finally {
      s.emulator.faults.moveToRegion('dal');
    }
  });

  it('an agent’s !case while the chat is active reads the thread so far', async () => {
    const { chatId } = s.chat();
    s.emulator.state.addEvent(chatId, { author_id: AGENT, text: '!case', visibility: 'agents' });
    const event = onlyConversation(eventsOf(s.source().decode(requestOf(incomingEvent(s.emulator.state, chatId, { secretKey: SECRET })))));
    assert.equal(event.forced, 'case');
    const c = valueOf(await s.client().fetchConversation(viewOf(event)));
    assert.deepEqual(
      c.messages.map((m) => [m.role, m.body]),
      [
        ['visitor', 'Hi, I need a quote for 20 seats'],
        ['operator', 'Sure, let me check'],
        ['system', '!case'],
      ],
    );
  });
});
