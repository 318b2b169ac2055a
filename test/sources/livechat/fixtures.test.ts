import assert from 'node:assert/strict';
import { decodeWebhook } from '../../../src/sources/livechat/decode';
import { GetChatAnswer } from '../../../src/sources/livechat/api-wire';
import { toConversation } from '../../../src/sources/livechat/transcript-v3';
import { eventsOf, fixtureBytes, fixtureJson, fixtureNames, onlyConversation, requestOf } from './helpers';

const expected: Record<string, { kind: 'conversation' | 'ignored' | 'api'; plan?: string[]; dedupKey?: string; id?: string }> = {
  'v2-chat_ended-2017.json': {
    kind: 'conversation',
    plan: ['deliver', 'notify'],
    dedupKey: 'v2:8dd982355fdae65ded2d44a99f2243e8',
    id: 'OQ422UEDW5',
  },
  'v2-chat_ended-docs.json': { kind: 'conversation', plan: ['deliver', 'notify'], dedupKey: 'v2:chat_ended:MH022RD0K5', id: 'MH022RD0K5' },
  'v2-chat_started-docs.json': { kind: 'conversation', plan: ['lookup', 'notify'] },
  'v3-chat_deactivated-2019.json': {
    kind: 'conversation',
    plan: ['fetch', 'deliver', 'notify'],
    dedupKey: 'v3:chat_deactivated:PS0X0L086G:PZ070E0W1B',
    id: 'PS0X0L086G',
  },
  'v3-incoming_chat-2019.json': {
    kind: 'conversation',
    plan: ['lookup', 'notify'],
    dedupKey: 'v3:incoming_chat:PS0X0L086G:PZ070E0W1B',
    id: 'PS0X0L086G',
  },
  // A customer's message: no command, so nothing to do.
  'v3-incoming_event-2019.json': { kind: 'ignored' },
  'v3.6-chat_deactivated-docs.json': {
    kind: 'conversation',
    plan: ['fetch', 'deliver', 'notify'],
    dedupKey: 'v3:chat_deactivated:PJ0MRSHTDG:K600PKZON8',
    id: 'PJ0MRSHTDG',
  },
  'v3.6-get_chat-response-docs.json': { kind: 'api' },
};

describe('LiveChat fixtures', () => {
  it('has every expected fixture, and no unexpected one', () => {
    assert.deepEqual(fixtureNames(), Object.keys(expected).sort());
  });

  for (const name of fixtureNames()) {
    const want = expected[name];
    if (want === undefined || want.kind === 'api') continue;
    it(`decodes ${name} (${want.kind}${want.plan === undefined ? '' : `: ${want.plan.join(' → ')}`})`, () => {
      const events = eventsOf(decodeWebhook(requestOf(fixtureBytes(name))));
      if (want.kind === 'ignored') {
        assert.deepEqual(
          events.map((e) => e.kind),
          ['ignored'],
        );
        return;
      }
      const event = onlyConversation(events);
      assert.deepEqual(event.plan, want.plan);
      assert.equal(event.conversation.source, 'livechat');
      if (want.dedupKey !== undefined) assert.equal(event.dedupKey, want.dedupKey);
      if (want.id !== undefined) assert.equal(event.conversation.id, want.id);
    });
  }

  it('reads the 2019 incoming_chat: customer email, agent, the prechat form (value, not answer) and the welcome line', () => {
    const event = onlyConversation(eventsOf(decodeWebhook(requestOf(fixtureBytes('v3-incoming_chat-2019.json')))));
    const c = event.conversation;
    assert.equal(c.visitor.id, '345f8235-d60d-433e-63c5-7f813a6ffe25');
    assert.equal(c.visitor.email, 'test@test.pl');
    assert.equal(c.visitor.name, 'test');
    assert.equal(c.visitor.city, 'Wroclaw');
    assert.equal(c.visitor.countryCode, 'PL');
    assert.deepEqual(c.operators, [
      { id: 'l.wojciechowski@livechatinc.com', name: 'Łukasz Wojciechowski', email: 'l.wojciechowski@livechatinc.com' },
    ]);
    assert.deepEqual(
      c.messages.map((m) => [m.role, m.author, m.body]),
      [
        ['visitor', 'test', 'Name: rewrew'],
        ['operator', 'Łukasz Wojciechowski', 'Hello. How may I help you?'],
      ],
    );
    assert.deepEqual(c.groups, ['0']);
    assert.deepEqual(event.meta, {
      generation: 'v3',
      chat_id: 'PS0X0L086G',
      thread_id: 'PZ070E0W1B',
      chat_active: 'true',
      account_id: '21377312',
    });
  });

  it('keeps the v3.6 organization_id as the account', () => {
    const event = onlyConversation(eventsOf(decodeWebhook(requestOf(fixtureBytes('v3.6-chat_deactivated-docs.json')))));
    assert.equal(event.meta?.account_id, 'f9c7cc55-b35a-4e76-b0d5-ae9fce362314');
    assert.equal(event.meta?.chat_active, 'false');
    assert.deepEqual(event.conversation.messages, []);
  });

  it('decodes the documented get_chat answer into a conversation', () => {
    const answer = GetChatAnswer.decode(fixtureJson('v3.6-get_chat-response-docs.json'));
    assert.equal(answer._tag, 'Right');
    if (answer._tag !== 'Right') return;
    const c = toConversation(answer.right);
    assert.equal(c.id, 'PJ0MRSHTDG');
    assert.equal(c.visitor.id, 'b7eff798-f8df-4364-8059-649c35c9ed0c');
    assert.equal(c.visitor.email, undefined);
    assert.deepEqual(
      c.messages.map((m) => [m.role, m.author, m.body]),
      [['operator', 'Agent Smith', 'Hello']],
    );
  });

  it('v2 chat_ended (docs): the whisper is an internal note, the checkbox survey lists what was chosen, tags kept', () => {
    const c = onlyConversation(eventsOf(decodeWebhook(requestOf(fixtureBytes('v2-chat_ended-docs.json'))))).conversation;
    assert.deepEqual(
      c.messages.map((m) => [m.role, m.author, m.body]),
      [
        [
          'visitor',
          'Mary Brown',
          "Your name: Mary Brown\nYour e-mail: mary.brown@email.com\nWhat are your favourite music bands?: Deep Purple, Guns N' Roses",
        ],
        ['operator', 'John Doe', 'Hello'],
        ['system', 'James Doe (internal note)', 'This is whispered message.'],
        ['visitor', 'Mary Brown', 'How are you?'],
      ],
    );
    assert.ok(!c.messages.some((m) => m.role !== 'system' && m.body.includes('whispered')));
    assert.deepEqual(c.tags, ['sales', 'support', 'feedback']);
    assert.equal(c.visitor.email, 'mary.brown@email.com');
    assert.deepEqual(
      c.operators.map((o) => o.id),
      ['john.doe@mycompany.com', 'james@mycompany.com'],
    );
  });

  it('v2 chat_ended (2017 capture): a line marked agent without agent_id is the visitor', () => {
    const event = onlyConversation(eventsOf(decodeWebhook(requestOf(fixtureBytes('v2-chat_ended-2017.json')))));
    const lines = event.conversation.messages.filter((m) => m.role !== 'visitor' || !m.body.includes('E-mail'));
    assert.deepEqual(
      lines.map((m) => [m.role, m.author]),
      [
        ['operator', 'Agent Smith'],
        ['visitor', 'Thomas Anderson'],
      ],
    );
    assert.deepEqual(event.meta, {
      generation: 'v2',
      license_id: '8762851',
      token: '710747eff1dee5b3bbeb97186394b8c0',
      visitor_id: 'S1493177572.a78cd5f8c4',
    });
  });

  it('v2 chat_started (docs): no chat id, so the conversation is the visitor’s and the key a hash of the bytes', () => {
    const raw = fixtureBytes('v2-chat_started-docs.json');
    const event = onlyConversation(eventsOf(decodeWebhook(requestOf(raw))));
    assert.equal(event.conversation.id, 'visitor-S1354547427.0c151b0e1b');
    assert.equal(event.conversation.visitor.email, 'john.smith@gmail.com');
    assert.match(event.dedupKey, /^v2:sha256:[0-9a-f]{64}$/);
    const retry = onlyConversation(eventsOf(decodeWebhook(requestOf(Buffer.from(Uint8Array.from(raw))))));
    assert.equal(retry.dedupKey, event.dedupKey, 'a retry re-sends the same bytes');
    const other = onlyConversation(eventsOf(decodeWebhook(requestOf({ ...fixtureJson('v2-chat_started-docs.json'), token: 'another' }))));
    assert.notEqual(other.dedupKey, event.dedupKey);
  });
});
