import assert from 'node:assert/strict';
import { foreignPrototypeAt } from '../../../src/domain/json';
import { eventsOf, fixtureJson, makeSource, onlyConversation, rejectionOf, requestOf } from './helpers';

const SECRET = 'registered-secret-0123456789';
const source = makeSource({ LIVECHAT_WEBHOOK_SECRET: SECRET });

const v3 = (action: string, payload: unknown, extra: Record<string, unknown> = {}) => ({
  webhook_id: 'w1',
  secret_key: SECRET,
  action,
  organization_id: 'org-1',
  payload,
  additional_data: {},
  ...extra,
});

const agentEvent = (text: string, extra: Record<string, unknown> = {}) => ({
  id: 'K600PKZON8_7',
  type: 'message',
  text,
  visibility: 'agents',
  created_at: '2026-01-05T09:00:07.000000Z',
  author_id: 'smith@example.com',
  ...extra,
});

describe('LiveChat webhook: authentication', () => {
  it('accepts a v3 body whose secret_key matches', () => {
    assert.equal(source.verify(requestOf(v3('chat_deactivated', { chat_id: 'C1', thread_id: 'T1' }))), undefined);
  });

  it('refuses a wrong secret_key (401), and one that only shares a prefix', () => {
    for (const wrong of ['nope', `${SECRET}x`, SECRET.slice(0, -1)]) {
      const rejection = source.verify(requestOf(v3('chat_deactivated', { chat_id: 'C1', thread_id: 'T1' }, { secret_key: wrong })));
      assert.equal(rejection?.code, 'INVALID_SIGNATURE', wrong);
    }
  });

  it('refuses a v3 body without secret_key, or with a non-string one', () => {
    for (const secret_key of [undefined, 42, '']) {
      const body = { ...v3('chat_deactivated', { chat_id: 'C1', thread_id: 'T1' }), secret_key };
      assert.equal(source.verify(requestOf(body))?.code, 'INVALID_SIGNATURE');
    }
  });

  it('refuses every v3 body while LIVECHAT_WEBHOOK_SECRET is unset, naming the key', () => {
    const rejection = makeSource({}).verify(requestOf(v3('chat_deactivated', { chat_id: 'C1', thread_id: 'T1' })));
    assert.equal(rejection?.code, 'WEBHOOK_SECRET_NOT_SET');
    assert.match(rejection?.detail ?? '', /LIVECHAT_WEBHOOK_SECRET/);
  });

  it('lets v2 bodies through: the path token (checked by the edge) is their only authentication', () => {
    assert.equal(makeSource({}).verify(requestOf(fixtureJson('v2-chat_ended-docs.json'))), undefined);
  });

  it('answers exactly 200 {} (LiveChat retries anything else)', () => {
    assert.deepEqual(source.answer([{ kind: 'pending', url: 'x' }]), { status: 200, body: {} });
    assert.equal(source.answerMode, 'ack');
  });
});

describe('LiveChat webhook: malformed bodies', () => {
  const cases: [string, string | object, string, RegExp][] = [
    ['not JSON', '{"action": ', 'MALFORMED_JSON', /body:/],
    ['a JSON array', '[1,2]', 'INVALID_PAYLOAD', /\(root\)/],
    ['neither action nor event_type', { payload: {} }, 'INVALID_PAYLOAD', /action/],
    ['incoming_chat without a chat', v3('incoming_chat', {}), 'INVALID_PAYLOAD', /payload\.chat/],
    ['incoming_chat whose chat has no id', v3('incoming_chat', { chat: { thread: { id: 'T' } } }), 'INVALID_PAYLOAD', /payload\.chat\.id/],
    ['chat_deactivated without thread_id', v3('chat_deactivated', { chat_id: 'C1' }), 'INVALID_PAYLOAD', /payload\.thread_id/],
    [
      'chat_deactivated with an empty chat_id',
      v3('chat_deactivated', { chat_id: ' ', thread_id: 'T' }),
      'INVALID_PAYLOAD',
      /payload\.chat_id/,
    ],
    [
      'incoming_event with a bad time',
      v3('incoming_event', { chat_id: 'C', thread_id: 'T', event: agentEvent('!case', { created_at: 'yesterday' }) }),
      'INVALID_PAYLOAD',
      /payload\.event\.created_at/,
    ],
    ['v2 chat_ended without chat', { ...fixtureJson('v2-chat_ended-docs.json'), chat: undefined }, 'INVALID_PAYLOAD', /chat/],
    [
      'v2 chat_ended with a message without text',
      { ...fixtureJson('v2-chat_started-docs.json'), event_type: 'chat_ended', chat: { id: 'X', messages: [{ timestamp: 1 }] } },
      'INVALID_PAYLOAD',
      /chat\.messages\.0\.text/,
    ],
    [
      'a chat id with a control character (it goes into URLs and CRM keys)',
      v3('chat_deactivated', { chat_id: 'C1\u0000', thread_id: 'T' }),
      'INVALID_PAYLOAD',
      /payload\.chat_id: expected no control characters/,
    ],
    [
      'a chat id longer than 128 characters',
      v3('chat_deactivated', { chat_id: 'C'.repeat(129), thread_id: 'T' }),
      'INVALID_PAYLOAD',
      /payload\.chat_id/,
    ],
    [
      'a customer email with a line break',
      { ...fixtureJson('v2-chat_started-docs.json'), visitor: { id: 'v', email: 'a@b.c\nBcc: x' } },
      'INVALID_PAYLOAD',
      /visitor\.email/,
    ],
    ['v2 without token', { ...fixtureJson('v2-chat_started-docs.json'), token: undefined }, 'INVALID_PAYLOAD', /token/],
  ];
  for (const [what, body, code, detail] of cases) {
    it(`rejects ${what} with ${code}, naming the field`, () => {
      const rejection = rejectionOf(source.decode(requestOf(body)));
      assert.equal(rejection.code, code);
      assert.match(rejection.detail ?? '', detail);
    });
  }

  it('repairs lone surrogates in free text (U+FFFD) instead of refusing the chat', () => {
    const event = {
      id: 'E1',
      type: 'message',
      text: 'broken \ud800 text',
      created_at: '2026-01-05T09:00:07.000000Z',
      author_id: 'smith@example.com',
    };
    const body = JSON.stringify(
      v3('incoming_chat', { chat: { id: 'C1', users: [], thread: { id: 'T1', events: [event], tags: ['\udc00tag'] } } }),
    );
    const c = onlyConversation(eventsOf(source.decode(requestOf(body)))).conversation;
    assert.equal(c.messages[0]?.body, 'broken \ufffd text');
    assert.deepEqual(c.tags, ['\ufffdtag']);
  });

  it('rejects a non-JSON content type and bytes that are not UTF-8', () => {
    assert.equal(
      rejectionOf(source.decode(requestOf('action=x', { 'content-type': 'application/x-www-form-urlencoded' }))).code,
      'UNSUPPORTED_CONTENT_TYPE',
    );
    assert.equal(rejectionOf(source.decode(requestOf(Buffer.from([0x7b, 0xff, 0x7d])))).code, 'MALFORMED_BODY');
  });

  it('keeps __proto__ and constructor keys as plain data, even where a codec rebuilds the object', () => {
    // " C1 " is trimmed, so io-ts copies the payload: a copy by assignment would adopt the __proto__ key as prototype.
    const body = `{"action":"chat_deactivated","secret_key":"${SECRET}","__proto__":{"polluted":true},"payload":{"chat_id":" C1 ","thread_id":"T1","__proto__":{"user_id":"from-prototype"},"constructor":{"prototype":{"polluted":true}}}}`;
    assert.equal(source.verify(requestOf(body)), undefined);
    const event = onlyConversation(eventsOf(source.decode(requestOf(body))));
    assert.equal(event.conversation.id, 'C1');
    assert.equal(foreignPrototypeAt(event), undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('an incoming_chat whose users and events carry __proto__ keys decodes to plain objects', () => {
    const chat = fixtureJson('v3-incoming_chat-2019.json');
    const text = JSON.stringify({ ...chat, secret_key: SECRET })
      .replace('"name":"test"', '"name":" test ","__proto__":{"type":"agent"}')
      .replace('"type":"message"', '"type":"message","__proto__":{"visibility":"agents"}');
    const event = onlyConversation(eventsOf(source.decode(requestOf(text))));
    assert.equal(foreignPrototypeAt(event), undefined);
    assert.equal(event.conversation.visitor.name, 'test');
    assert.equal(event.conversation.messages.at(-1)?.role, 'operator');
  });
});

describe('LiveChat webhook: events and plans', () => {
  it('chat_deactivated → a thin conversation with fetch → deliver → notify', () => {
    const event = onlyConversation(
      eventsOf(source.decode(requestOf(v3('chat_deactivated', { chat_id: 'C1', thread_id: 'T2', user_id: 'smith@example.com' })))),
    );
    assert.deepEqual(event.plan, ['fetch', 'deliver', 'notify']);
    assert.equal(event.conversation.id, 'C1');
    assert.equal(event.dedupKey, 'v3:chat_deactivated:C1:T2');
    assert.deepEqual(event.meta, { generation: 'v3', chat_id: 'C1', thread_id: 'T2', chat_active: 'false', account_id: 'org-1' });
    assert.equal(event.forced, undefined);
  });

  it('two threads of one chat are two events of one conversation', () => {
    const a = onlyConversation(eventsOf(source.decode(requestOf(v3('chat_deactivated', { chat_id: 'C1', thread_id: 'T1' })))));
    const b = onlyConversation(eventsOf(source.decode(requestOf(v3('chat_deactivated', { chat_id: 'C1', thread_id: 'T2' })))));
    assert.notEqual(a.dedupKey, b.dedupKey);
    assert.equal(a.conversation.id, b.conversation.id);
  });

  for (const [text, forced] of [
    ['!case', 'case'],
    ['!lead please', 'lead'],
    ['  !CASE', 'case'],
  ] as const) {
    it(`an agent's "${text}" forces ${forced} and runs fetch → deliver → notify now`, () => {
      const event = onlyConversation(
        eventsOf(source.decode(requestOf(v3('incoming_event', { chat_id: 'C1', thread_id: 'T1', event: agentEvent(text) })))),
      );
      assert.equal(event.forced, forced);
      assert.deepEqual(event.plan, ['fetch', 'deliver', 'notify']);
      assert.equal(event.dedupKey, 'v3:incoming_event:C1:T1:K600PKZON8_7');
      assert.equal(event.meta?.chat_active, 'true');
    });
  }

  it('ignores other incoming_events: plain messages, other commands, a customer typing !case, files', () => {
    const bodies = [
      agentEvent('hello'),
      agentEvent('!webhook'),
      agentEvent('!case', { author_id: '345f8235-d60d-433e-63c5-7f813a6ffe25' }),
      { ...agentEvent('!case'), type: 'file', text: undefined, name: 'a.png', url: 'https://x/a.png' },
    ];
    for (const event of bodies) {
      const events = eventsOf(source.decode(requestOf(v3('incoming_event', { chat_id: 'C1', thread_id: 'T1', event }))));
      assert.deepEqual(
        events.map((e) => e.kind),
        ['ignored'],
        JSON.stringify(event),
      );
    }
  });

  it('ignores actions it has no use for, and takes the pre-v3.2 names', () => {
    assert.equal(eventsOf(source.decode(requestOf(v3('customer_session_fields_updated', { id: 'x' }))))[0]?.kind, 'ignored');
    const closed = onlyConversation(eventsOf(source.decode(requestOf(v3('thread_closed', { chat_id: 'C9', thread_id: 'T9' })))));
    assert.deepEqual(closed.plan, ['fetch', 'deliver', 'notify']);
  });

  it('v2: event_unique_id, else event type + chat id, is the key; unknown v2 events are ignored', () => {
    const ended = fixtureJson('v2-chat_ended-docs.json');
    assert.equal(onlyConversation(eventsOf(source.decode(requestOf({ ...ended, event_unique_id: 'abc' })))).dedupKey, 'v2:abc');
    assert.equal(onlyConversation(eventsOf(source.decode(requestOf(ended)))).dedupKey, 'v2:chat_ended:MH022RD0K5');
    assert.equal(eventsOf(source.decode(requestOf({ ...ended, event_type: 'chat_changed' })))[0]?.kind, 'ignored');
  });
});
