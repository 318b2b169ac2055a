import assert from 'node:assert/strict';
import type { ShownLink } from '../../../src/domain/source';
import { mergeSessionFields } from '../../../src/sources/livechat/notify';
import { chatDeactivated, incomingChat, v2ChatStarted } from '../../emulators/livechat/webhooks';
import { eventsOf, onlyConversation, requestOf, viewOf } from './helpers';
import { failureOf, SECRET, startScenario, valueOf, type Scenario } from './scenario';

const LEAD: ShownLink = { url: 'http://127.0.0.1:3000/records/42', kind: 'record', label: 'lead' };
const PERSON: ShownLink = { url: 'https://crm.example.com/contacts/7', kind: 'person', label: 'contact' };

describe('LiveChat notify: showing the link', () => {
  let s: Scenario;
  before(async () => {
    s = await startScenario();
  });
  after(() => s.emulator.close());
  afterEach(() => {
    s.emulator.faults.clear();
    s.emulator.requests.length = 0;
  });

  const decodeOne = (body: Record<string, unknown>) => onlyConversation(eventsOf(s.source().decode(requestOf(body))));
  /** What the notify step of a delivered chat_deactivated sees (the fetch step filled the conversation). */
  const deliveredView = async (chatId: string) => {
    s.emulator.state.closeThread(chatId);
    const thin = viewOf(decodeOne(chatDeactivated(s.emulator.state, chatId, { secretKey: SECRET })));
    const conversation = valueOf(await s.client().fetchConversation(thin));
    s.emulator.requests.length = 0;
    return { ...thin, conversation };
  };
  const agentsOnlyEvents = (chatId: string) => s.emulator.state.lastThread(chatId).events.filter((e) => e.visibility === 'agents');

  it('merges the link into the session fields and keeps the customer’s own (read, merge, write back)', async () => {
    const { chatId, customerId } = s.chat();
    const view = await deliveredView(chatId);
    valueOf(await s.client().showRecord(view, LEAD));
    assert.deepEqual(s.emulator.state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: LEAD.url },
    ]);
    assert.deepEqual(
      s.emulator.calls().map((r) => r.action),
      ['get_customer', 'update_customer'],
      'an inactive chat gets no message',
    );
    // A later thread's record replaces the link, never doubles it.
    valueOf(await s.client().showRecord(view, { ...LEAD, url: 'http://127.0.0.1:3000/records/43' }));
    assert.deepEqual(s.emulator.state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: 'http://127.0.0.1:3000/records/43' },
    ]);
  });

  it('merges into the session fields the fetch just read, without reading them again; read again once they are over a minute old', async () => {
    const { chatId, customerId } = s.chat();
    s.emulator.state.closeThread(chatId);
    const thin = viewOf(decodeOne(chatDeactivated(s.emulator.state, chatId, { secretKey: SECRET })));
    const { facts, ...conversation } = valueOf(await s.client().fetchConversation(thin));
    assert.ok(facts?.meta !== undefined, 'the fetch hands the session fields on');
    s.emulator.requests.length = 0;
    const fresh = { ...thin, conversation, meta: { ...thin.meta, ...facts.meta } };
    valueOf(await s.client().showRecord(fresh, LEAD));
    assert.deepEqual(
      s.emulator.calls().map((r) => r.action),
      ['update_customer'],
    );
    assert.deepEqual(s.emulator.state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: LEAD.url },
    ]);

    s.emulator.requests.length = 0;
    const stale = { ...fresh, meta: { ...fresh.meta, session_fields_at: new Date(Date.now() - 61_000).toISOString() } };
    valueOf(await s.client().showRecord(stale, { ...LEAD, url: 'http://127.0.0.1:3000/records/44' }));
    assert.deepEqual(
      s.emulator.calls().map((r) => r.action),
      ['get_customer', 'update_customer'],
    );
  });

  it('get_chat without the customer’s session_fields key: unknown, not empty; notify reads them with get_customer and keeps them, first and repeated', async () => {
    const { chatId, customerId } = s.chat({ hideSessionFields: true });
    s.emulator.state.closeThread(chatId);
    const thin = viewOf(decodeOne(chatDeactivated(s.emulator.state, chatId, { secretKey: SECRET })));
    const { facts, ...conversation } = valueOf(await s.client().fetchConversation(thin));
    assert.equal(facts, undefined, 'no session fields are handed on when get_chat did not show them');
    s.emulator.requests.length = 0;
    const view = { ...thin, conversation };
    valueOf(await s.client().showRecord(view, LEAD));
    assert.deepEqual(
      s.emulator.calls().map((r) => r.action),
      ['get_customer', 'update_customer'],
    );
    assert.deepEqual(s.emulator.state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: LEAD.url },
    ]);
    valueOf(await s.client().showRecord(view, { ...LEAD, url: 'http://127.0.0.1:3000/records/45' }));
    assert.deepEqual(s.emulator.state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: 'http://127.0.0.1:3000/records/45' },
    ]);
  });

  it('get_chat without session_fields nor email: the fetch’s get_customer read is handed on and merged into', async () => {
    const { chatId, customerId } = s.chat({ hideSessionFields: true, bareCustomer: true });
    s.emulator.state.closeThread(chatId);
    const thin = viewOf(decodeOne(chatDeactivated(s.emulator.state, chatId, { secretKey: SECRET })));
    const { facts, ...conversation } = valueOf(await s.client().fetchConversation(thin));
    s.emulator.requests.length = 0;
    valueOf(await s.client().showRecord({ ...thin, conversation, meta: { ...thin.meta, ...facts?.meta } }, LEAD));
    assert.deepEqual(
      s.emulator.calls().map((r) => r.action),
      ['update_customer'],
    );
    assert.deepEqual(s.emulator.state.customers.get(customerId)?.session_fields, [
      { plan: 'pro' },
      { signup: '2025-02-01' },
      { crm_record_url: LEAD.url },
    ]);
  });

  it('get_customer failing: no blind overwrite; a 503 is transient, a missing scope permanent; the fields stay as they were', async () => {
    const { chatId, customerId } = s.chat({ hideSessionFields: true });
    const view = await deliveredView(chatId);
    s.emulator.faults.inject({ status: 503, match: /get_customer/ });
    assert.equal(failureOf(await s.client().showRecord(view, LEAD)).kind, 'transient');
    s.emulator.faults.inject({ type: 'missing_access', match: /get_customer/ });
    const refused = failureOf(await s.client().showRecord(view, LEAD));
    assert.equal(refused.kind, 'permanent');
    assert.match(refused.message, /customers:ro/);
    assert.deepEqual(
      s.emulator.calls().map((r) => r.action),
      ['get_customer', 'get_customer'],
      'no update_customer without the customer’s fields',
    );
    assert.deepEqual(s.emulator.state.customers.get(customerId)?.session_fields, [{ plan: 'pro' }, { signup: '2025-02-01' }]);
  });

  it('while the chat is active: joins agents-only (visibility agents, ignore_requester_presence), then sends an agents-only message with the link', async () => {
    const { chatId } = s.chat();
    const event = decodeOne(incomingChat(s.emulator.state, chatId, { secretKey: SECRET }));
    assert.deepEqual(event.plan, ['lookup', 'notify']);
    valueOf(await s.client().showRecord(viewOf(event), PERSON));
    const calls = s.emulator.calls();
    assert.deepEqual(
      calls.map((r) => [r.action, r.status]),
      [
        ['get_customer', 200],
        ['update_customer', 200],
        ['add_user_to_chat', 200],
        ['send_event', 200],
      ],
    );
    assert.deepEqual(calls[2]?.body, {
      chat_id: chatId,
      user_id: s.emulator.account.agentId,
      user_type: 'agent',
      visibility: 'agents',
      ignore_requester_presence: true,
    });
    assert.deepEqual(calls[3]?.body, {
      chat_id: chatId,
      event: { type: 'message', text: `CRM contact: ${PERSON.url}`, visibility: 'agents' },
    });
    const shown = agentsOnlyEvents(chatId);
    assert.equal(shown.length, 1);
    assert.equal(shown[0]?.author_id, s.emulator.account.agentId);
    assert.match(shown[0]?.text ?? '', /crm\.example\.com\/contacts\/7/);
  });

  it('does not join a chat it is already in', async () => {
    const { chatId } = s.chat();
    const view = viewOf(decodeOne(incomingChat(s.emulator.state, chatId, { secretKey: SECRET })));
    valueOf(await s.client().showRecord(view, PERSON));
    s.emulator.requests.length = 0;
    const again = viewOf(decodeOne(incomingChat(s.emulator.state, chatId, { secretKey: SECRET })));
    valueOf(await s.client().showRecord(again, LEAD));
    assert.deepEqual(
      s.emulator.calls().map((r) => r.action),
      ['get_customer', 'update_customer', 'send_event'],
    );
  });

  it('the chat closed meanwhile: chat_inactive is no failure once the session field is written', async () => {
    const { chatId, customerId } = s.chat();
    const view = viewOf(decodeOne(incomingChat(s.emulator.state, chatId, { secretKey: SECRET })));
    s.emulator.state.closeThread(chatId);
    valueOf(await s.client().showRecord(view, LEAD));
    assert.deepEqual(s.emulator.state.customers.get(customerId)?.session_fields.at(-1), { crm_record_url: LEAD.url });
    assert.deepEqual(
      s.emulator.calls().map((r) => [r.action, r.errorType ?? 'ok']),
      [
        ['get_customer', 'ok'],
        ['update_customer', 'ok'],
        ['add_user_to_chat', 'chat_inactive'],
      ],
    );
  });

  it('a 503 on send_event is transient (the step is retried; the merge makes the retry harmless)', async () => {
    const { chatId, customerId } = s.chat();
    const view = viewOf(decodeOne(incomingChat(s.emulator.state, chatId, { secretKey: SECRET })));
    s.emulator.faults.inject({ status: 503, match: /send_event/ });
    assert.equal(failureOf(await s.client().showRecord(view, LEAD)).kind, 'transient');
    valueOf(await s.client().showRecord(view, LEAD));
    assert.equal(s.emulator.state.customers.get(customerId)?.session_fields.filter((f) => 'crm_record_url' in f).length, 1);
    assert.equal(agentsOnlyEvents(chatId).length, 1);
  });

  it('a refused session-field write fails the step: a bad PAT is permanent and names LIVECHAT_PAT', async () => {
    const { chatId } = s.chat();
    const view = await deliveredView(chatId);
    const failure = failureOf(await s.client({ LIVECHAT_PAT: 'dal:revoked' }).showRecord(view, LEAD));
    assert.equal(failure.kind, 'permanent');
    assert.match(failure.message, /LIVECHAT_PAT/);
  });

  it('a customer LiveChat does not know is a permanent failure', async () => {
    const { chatId } = s.chat();
    const view = await deliveredView(chatId);
    const failure = failureOf(
      await s
        .client()
        .showRecord({ ...view, conversation: { ...view.conversation, visitor: { id: '00000000-0000-4000-8000-000000000000' } } }, LEAD),
    );
    assert.equal(failure.code, 'LIVECHAT_NOT_FOUND');
  });

  it('v2 chat_started: the visitor details get the link, with the webhook’s license_id and token and X-API-Version: 2', async () => {
    const body = v2ChatStarted(
      s.emulator.state,
      { id: 'S1354547427.0c151b0e1b', name: 'John', email: 'john@example.com' },
      { licenseId: '1025707', token: 'tok-1' },
    );
    const event = decodeOne(body);
    assert.deepEqual(event.plan, ['lookup', 'notify']);
    // v2 needs no API credentials at all.
    valueOf(await s.client({ LIVECHAT_PAT: '', LIVECHAT_ACCOUNT_ID: '' }).showRecord(viewOf(event), PERSON));
    const [request] = s.emulator.requests;
    assert.equal(request?.path, '/visitors/S1354547427.0c151b0e1b/details');
    assert.equal(request?.apiVersion, '2');
    assert.equal(request?.authorization, undefined);
    assert.deepEqual(request?.body, {
      license_id: 1025707,
      token: 'tok-1',
      id: 'chat2crm',
      fields: [{ name: 'CRM', value: 'Open contact', url: PERSON.url }],
    });
    assert.equal(request?.status, 200);
    assert.equal(s.emulator.state.visitorDetails.get('S1354547427.0c151b0e1b')?.length, 1);
  });

  it('v2: a token LiveChat refuses is permanent, a 503 transient', async () => {
    const event = decodeOne(v2ChatStarted(s.emulator.state, { id: 'S2' }, { token: 'tok-2' }));
    const view = viewOf(event);
    const refused = failureOf(await s.client().showRecord({ ...view, meta: { ...view.meta, token: 'forged' } }, PERSON));
    assert.equal(refused.kind, 'permanent');
    assert.equal(refused.status, 401);
    s.emulator.faults.inject({ status: 503, match: /details/ });
    assert.equal(failureOf(await s.client().showRecord(view, PERSON)).kind, 'transient');
    valueOf(await s.client().showRecord(view, PERSON));
  });

  it('check(): reports accepted credentials, and bad ones with the key to fix', async () => {
    const good = await s.client().check();
    assert.deepEqual(
      good.map((i) => i.ok),
      [true, true],
    );
    const bad = await s.client({ LIVECHAT_PAT: 'dal:nope' }).check();
    assert.equal(bad[0]?.ok, false);
    assert.match(bad[0]?.detail ?? '', /LIVECHAT_PAT/);
  });
});

describe('mergeSessionFields', () => {
  it('keeps every other entry in order, drops our old value, adds ours last', () => {
    assert.deepEqual(mergeSessionFields([{ a: '1' }, { crm_record_url: 'old' }, { b: '2' }], 'crm_record_url', 'new'), [
      { a: '1' },
      { b: '2' },
      { crm_record_url: 'new' },
    ]);
  });
  it('keeps a __proto__ key of the customer as data', () => {
    const merged = mergeSessionFields([JSON.parse('{"__proto__": "x"}') as Record<string, unknown>], 'crm_record_url', 'u');
    assert.equal(JSON.stringify(merged), '[{"__proto__":"x"},{"crm_record_url":"u"}]');
  });
});
