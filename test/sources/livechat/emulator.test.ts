import assert from 'node:assert/strict';
import { startLiveChatEmulator, type LiveChatEmulator } from '../../emulators/livechat';

/** The emulator's own rules, so the client tests above rest on LiveChat's contract and not on a lenient fake. */
describe('LiveChat emulator', () => {
  let emulator: LiveChatEmulator;
  let basic: string;
  before(async () => {
    emulator = await startLiveChatEmulator();
    basic = `Basic ${Buffer.from(`${emulator.account.accountId}:${emulator.account.pat}`).toString('base64')}`;
  });
  after(() => emulator.close());
  afterEach(() => emulator.faults.clear());

  const call = async (action: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${emulator.url}/v3.6/agent/action/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json: unknown = await response.json();
    return { status: response.status, json };
  };
  const errorType = (json: unknown): unknown =>
    typeof json === 'object' &&
    json !== null &&
    'error' in json &&
    typeof json.error === 'object' &&
    json.error !== null &&
    'type' in json.error
      ? json.error.type
      : undefined;

  const newChat = () => {
    const customer = emulator.state.addCustomer({ email: 'x@example.com' });
    const chat = emulator.state.startChat({ customerId: customer.id, agentId: 'smith@example.com' });
    return { customer, chat };
  };

  it('serves a page at / of what was written, every value escaped, not logged as an API request', async () => {
    const customer = emulator.state.addCustomer({
      name: '<b>Eve</b>',
      email: 'eve@example.com',
      session_fields: [{ plan: '"><script>alert(1)</script>' }],
    });
    const chat = emulator.state.startChat({ customerId: customer.id, agentId: 'smith@example.com' });
    const before = emulator.requests.length;
    const update = await call('update_customer', {
      id: customer.id,
      session_fields: [{ plan: '"><script>alert(1)</script>' }, { crm_record_url: 'http://127.0.0.1:3000/records/7?a=1&b=2' }],
    });
    assert.equal(update.status, 200);
    emulator.state.addEvent(chat.id, {
      author_id: emulator.account.agentId,
      text: 'CRM lead: http://127.0.0.1:3000/records/7 <i>',
      visibility: 'agents',
    });
    const page = await fetch(`${emulator.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await page.text();
    assert.ok(!html.includes('<script>') && !html.includes('<b>Eve') && !html.includes(' <i>'), 'nothing from the data is markup');
    assert.ok(html.includes('&lt;b&gt;Eve&lt;/b&gt;'));
    assert.ok(html.includes('plan: &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('<a href="http://127.0.0.1:3000/records/7?a=1&amp;b=2">'), 'the link is a link');
    assert.match(html, /<td>agents only<\/td><td>CRM lead: <a href="http:\/\/127\.0\.0\.1:3000\/records\/7">[^<]*<\/a> &lt;i&gt;<\/td>/);
    assert.match(html, /update_customer<\/td><td>200 ok/);
    assert.equal(emulator.requests.length, before + 1, 'only the API call is logged');
  });

  it('refuses missing or wrong credentials with LiveChat’s authentication body', async () => {
    const bad = await call('list_chats', {}, { authorization: 'Basic bm9wZTpub3Bl' });
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.json, { error: { type: 'authentication', message: 'Invalid access token' } });
  });

  it('validates bodies: JSON, required fields, update_customer needs a field besides id, list_threads limit ≤ 100', async () => {
    const { chat, customer } = newChat();
    assert.equal(errorType((await call('get_chat', '{oops')).json), 'validation');
    assert.equal(errorType((await call('get_chat', {})).json), 'validation');
    assert.equal(errorType((await call('update_customer', { id: customer.id })).json), 'validation');
    assert.equal(errorType((await call('update_customer', { id: customer.id, session_fields: [{ a: '1', b: '2' }] })).json), 'validation');
    assert.equal(errorType((await call('list_threads', { chat_id: chat.id, limit: 101 })).json), 'validation');
    assert.equal((await call('get_chat', { chat_id: 'NOPE' })).status, 404);
    assert.equal((await call('constructor', {})).status, 404);
  });

  it('send_event: only a chat member, only while the chat is active', async () => {
    const { chat } = newChat();
    const message = { chat_id: chat.id, event: { type: 'message', text: 'hi', visibility: 'agents' } };
    assert.equal(errorType((await call('send_event', message)).json), 'authorization');
    assert.equal(
      (
        await call('add_user_to_chat', {
          chat_id: chat.id,
          user_id: emulator.account.agentId,
          user_type: 'agent',
          visibility: 'agents',
          ignore_requester_presence: true,
        })
      ).status,
      200,
    );
    assert.equal((await call('send_event', message)).status, 200);
    emulator.state.closeThread(chat.id);
    const inactive = await call('send_event', message);
    assert.equal(inactive.status, 422);
    assert.equal(errorType(inactive.json), 'chat_inactive');
  });

  it('add_user_to_chat without ignore_requester_presence needs the requester in the chat', async () => {
    const { chat } = newChat();
    assert.equal(
      errorType((await call('add_user_to_chat', { chat_id: chat.id, user_id: emulator.account.agentId, user_type: 'agent' })).json),
      'authorization',
    );
  });

  it('answers misdirected_request with the account’s region, and injected faults with LiveChat bodies', async () => {
    emulator.faults.moveToRegion('fra');
    try {
      const wrong = await call('list_chats', {});
      assert.deepEqual(wrong.json, { error: { type: 'misdirected_request', message: 'Wrong region', data: { region: 'fra' } } });
      assert.equal((await call('list_chats', {}, { 'x-region': 'fra' })).status, 200);
    } finally {
      emulator.faults.moveToRegion('dal');
    }
    emulator.faults.inject({ status: 429, retryAfterSeconds: 3 });
    const limited = await fetch(`${emulator.url}/v3.6/agent/action/list_chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic },
      body: '{}',
    });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.equal(errorType(await limited.json()), 'too_many_requests');
  });

  it('v2 visitor details: X-API-Version 2 and a token its webhooks carried', async () => {
    emulator.state.v2Tokens.set('1', new Set(['t']));
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${emulator.url}/visitors/S1/details`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const ok = { license_id: 1, token: 't', id: 'chat2crm', fields: [{ name: 'CRM', value: 'Open', url: 'https://x' }] };
    assert.equal((await post({}, ok)).status, 400);
    assert.equal((await post({ 'x-api-version': '2' }, { ...ok, token: 'forged' })).status, 401);
    const accepted = await post({ 'x-api-version': '2' }, ok);
    assert.equal(accepted.status, 200);
    assert.deepEqual(await accepted.json(), { result: 'Visitor details added' });
    const html = await (await fetch(`${emulator.url}/`)).text();
    assert.ok(
      html.includes('<td>S1</td><td>chat2crm</td><td>CRM · Open · <a href="https://x">https://x</a></td>'),
      'the page shows the pushed details',
    );
    assert.ok(!html.includes('>t<') && !html.includes('license_id'), 'never the webhook token');
  });
});
