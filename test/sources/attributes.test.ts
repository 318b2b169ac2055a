/**
 * What each platform tells beyond the transcript reaches the conversation (and so the mapping's
 * attributes), read from the real payloads in test/fixtures; and a stored conversation keeps it,
 * while a row written before these attributes existed still decodes.
 */
import assert from 'node:assert/strict';
import { textRecord, type Conversation } from '../../src/domain/conversation';
import { mergeConversation } from '../../src/domain/merge';
import { decodeMapping, mapConversation } from '../../src/domain/mapping';
import { decodeOlarkEvent } from '../../src/sources/olark/adapter';
import { decodeWebhook } from '../../src/sources/livechat/decode';
import { GetChatAnswer } from '../../src/sources/livechat/api-wire';
import { toConversation as toLiveChatConversation } from '../../src/sources/livechat/transcript-v3';
import { decodeNotifications } from '../../src/sources/livesupporti/notifications';
import { toConversation as toIadvizeConversation } from '../../src/sources/iadvize/mappers';
import { WireConversation } from '../../src/sources/iadvize/wire.codec';
import { fromConversationJson, toConversationJson } from '../../src/storage/serialization';
import { fixtureBytes as olarkFixture } from './olark/fixtures';
import { eventsOf, fixtureBytes as liveChatFixture, fixtureJson as liveChatJson, onlyConversation, requestOf } from './livechat/helpers';
import { sourceRequest } from '../support/requests';

const olark = (name: string): Conversation => {
  const decoded = decodeOlarkEvent(olarkFixture(name), 'application/json', { dedupKey: name, now: new Date(), syncDeadlineMs: 8000 });
  assert.ok(decoded._tag === 'Right' && decoded.right.kind === 'conversation');
  return decoded.right.conversation;
};

const liveChat = (name: string): Conversation => onlyConversation(eventsOf(decodeWebhook(requestOf(liveChatFixture(name))))).conversation;

/** Stored and read back, as a replay reads it. */
const roundTrip = (c: Conversation): Conversation => fromConversationJson(toConversationJson(c));

describe('conversation attributes from each platform', () => {
  it('Olark: custom fields, browser, OS, IP, referrer, begin page and the chat rating', () => {
    const c = olark('docs-transcript.json');
    assert.deepEqual(c.custom, { favoriteColor: 'blue', myInternalCustomerId: '12341234' });
    assert.equal(c.rating, '5');
    assert.deepEqual(
      [c.visitor.browser, c.visitor.os, c.visitor.ip, c.visitor.pageUrl],
      ['Chrome 12.1', 'Windows', '123.4.56.78', 'http://www.example.com/path'],
    );
    const real = olark('real-2019-transcript.json');
    assert.equal(real.visitor.referrer, 'https://www.northshorecare.com/header_footer');
    // `chat_feedback: {}` until the visitor rates the chat: unknown, not empty.
    assert.equal('rating' in real, false);
    assert.equal('custom' in real, false);
    assert.deepEqual(roundTrip(c), c);
  });

  it('LiveChat v3: pre-chat form answers by label, visit IP and geolocation, session fields, rating, times', () => {
    const c = liveChat('v3-incoming_chat-2019.json');
    // `E-mail:` was left blank: not an answer.
    assert.deepEqual(c.form, { Name: 'rewrew' });
    assert.equal(c.visitor.ip, '37.248.156.62');
    assert.equal(c.visitor.countryCode, 'PL');
    assert.equal(c.startedAt?.toISOString(), '2019-10-11T09:40:59.219Z');
    // The thread is still active: the chat has not ended.
    assert.equal('endedAt' in c, false);

    const answer = GetChatAnswer.decode({
      ...liveChatJson('v3.6-get_chat-response-docs.json'),
      users: [
        {
          id: 'b7eff798-f8df-4364-8059-649c35c9ed0c',
          type: 'customer',
          session_fields: [{ plan: 'pro' }, { 'Customer ID': 42 }, { nested: { no: 'object' } }],
          visit: { referrer: 'https://search.example/q', ip: '203.0.113.7' },
        },
      ],
      thread: {
        id: 'K600PKZON8',
        active: false,
        properties: { rating: { score: 1, comment: 'thanks' }, routing: { referrer: 'https://other.example/' } },
        events: [
          {
            id: 'e1',
            type: 'filled_form',
            created_at: '2019-12-17T07:57:40Z',
            author_id: 'b7eff798-f8df-4364-8059-649c35c9ed0c',
            form_type: 'prechat',
            fields: [{ type: 'question', label: 'Job title:', answer: 'CTO' }],
          },
          { id: 'e2', type: 'message', created_at: '2019-12-17T07:57:41Z', author_id: 'smith@example.com', text: 'Hello' },
          {
            id: 'e3',
            type: 'filled_form',
            created_at: '2019-12-17T07:58:00Z',
            author_id: 'b7eff798-f8df-4364-8059-649c35c9ed0c',
            properties: { lc2: { form_type: 'postchat' } },
            fields: [{ type: 'radio', label: 'How was it?', answer: { id: '1', label: 'Great' } }],
          },
        ],
      },
    });
    assert.ok(answer._tag === 'Right');
    const full = toLiveChatConversation(answer.right);
    assert.deepEqual(full.custom, { plan: 'pro', 'Customer ID': '42' });
    assert.deepEqual(full.form, { 'Job title': 'CTO', 'How was it?': 'Great' });
    assert.equal(full.rating, 'good');
    assert.equal(full.visitor.referrer, 'https://search.example/q');
    assert.equal(full.visitor.ip, '203.0.113.7');
    assert.equal(full.endedAt?.toISOString(), '2019-12-17T07:58:00.000Z');
    assert.deepEqual(roundTrip(full), full);
  });

  it('LiveChat v2: pre_chat_survey answers by label, custom variables, language, start and end', () => {
    const docs = liveChat('v2-chat_ended-docs.json');
    assert.deepEqual(docs.form, {
      'Your name': 'Mary Brown',
      'Your e-mail': 'mary.brown@email.com',
      'What are your favourite music bands?': "Deep Purple, Guns N' Roses",
    });
    assert.deepEqual(docs.custom, { 'Customer ID': 'POQ51023XZA' });
    const real = liveChat('v2-chat_ended-2017.json');
    assert.deepEqual(real.form, { Name: 'Thomas Anderson', 'E-mail': 'test1@test.test' });
    assert.equal(real.visitor.language, 'en');
    assert.equal(real.startedAt?.toISOString(), '2017-05-17T03:15:05.000Z');
    assert.equal(real.endedAt?.toISOString(), '2017-05-17T05:20:18.000Z');
  });

  it('LiveSupporti: the visitor data properties beside Id, Email, Name and Phone', () => {
    const body = JSON.stringify({
      Id: 'a1',
      Notifications: [
        {
          Action: 'ChatStarted',
          Data: {
            AccountId: 'acc',
            Visitor: { Id: '1.2.3.4-1', Email: 'jo@example.com', Name: 'Jo', Company: 'Acme', Age: 25, Tags: ['x'] },
          },
        },
      ],
    });
    const decoded = decodeNotifications(sourceRequest({ body, headers: { 'content-type': 'application/json' } }), {
      createLeads: true,
      now: () => new Date(0),
    });
    assert.ok(decoded._tag === 'Right');
    const [event] = decoded.right;
    assert.ok(event?.kind === 'conversation');
    assert.deepEqual(event.conversation.custom, { Company: 'Acme', Age: '25' });
    assert.equal(event.conversation.visitor.name, 'Jo');
  });

  it('iAdvize: first and last name, closing-form answers by question, start and close times', () => {
    const wire = WireConversation.decode({
      id: '3f2a',
      createdAt: '2026-12-01T10:00:00Z',
      closedAt: '2026-12-01T10:05:00Z',
      channel: 'CHAT',
      visitor: {
        visitorId: 'v1',
        externalUserId: null,
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ADA@example.com',
        phoneNumber: null,
        city: 'London',
        country: 'GB',
      },
      tags: [],
      closingFormValues: [
        { fieldId: 'f1', label: 'Reason', value: 'Pricing' },
        { fieldId: 'f2', label: null, value: 'yes' },
        { fieldId: 'f3', label: 'Empty', value: '' },
      ],
      messages: { pageInfo: { hasNextPage: false, endCursor: null }, edges: [] },
    });
    assert.ok(wire._tag === 'Right');
    const { conversation: c } = toIadvizeConversation(
      wire.right,
      wire.right.messages.edges.map((e) => e.node),
      { visitor: {}, operators: [] },
    );
    assert.deepEqual([c.visitor.firstName, c.visitor.lastName, c.visitor.name], ['Ada', 'Lovelace', 'Ada Lovelace']);
    assert.deepEqual(c.form, { Reason: 'Pricing', f2: 'yes' });
    assert.equal(c.startedAt?.toISOString(), '2026-12-01T10:00:00.000Z');
    assert.equal(c.endedAt?.toISOString(), '2026-12-01T10:05:00.000Z');
  });
});

describe('stored conversation attributes', () => {
  it('decodes a row written before the attributes existed, with none of them', () => {
    const old = '{"source":"olark","id":"c1","visitor":{"name":"Ada"},"messages":[],"tags":[],"groups":[],"operators":[],"offline":false}';
    const c = fromConversationJson(old);
    assert.deepEqual(c, {
      source: 'olark',
      id: 'c1',
      visitor: { name: 'Ada' },
      messages: [],
      tags: [],
      groups: [],
      operators: [],
      offline: false,
    });
  });

  it('keeps a __proto__ custom key as data, and maps the same values after a replay reads the row', () => {
    const c: Conversation = {
      ...olark('docs-transcript.json'),
      custom:
        textRecord([
          ['__proto__', 'x'],
          ['plan', 'pro'],
        ]) ?? {},
    };
    const back = roundTrip(c);
    assert.equal(Object.getPrototypeOf(back.custom), Object.prototype);
    assert.equal(back.custom?.plan, 'pro');
    assert.equal(Object.getOwnPropertyDescriptor(back.custom, '__proto__')?.value, 'x');
    const m = decodeMapping({ lead: { fields: { plan: '{{custom.plan}}', color: '{{custom.FavoriteColor}}', rating: '{{rating}}' } } });
    assert.ok(m.ok);
    assert.deepEqual(mapConversation(m.mapping, back, 'lead').lead, mapConversation(m.mapping, c, 'lead').lead);
  });

  it('merges a repeat post: new values win, what the new post lacks is kept', () => {
    const known = { ...olark('docs-transcript.json'), form: { A: '1' }, rating: '3' };
    const fresh: Conversation = { ...known, rating: '5', custom: { plan: 'pro' }, form: { B: '2' }, visitor: { name: 'Bob Doe' } };
    const { rating: _rating, ...noRating } = fresh;
    const merged = mergeConversation(known, noRating);
    assert.equal(merged.rating, '3');
    assert.deepEqual(merged.form, { A: '1', B: '2' });
    assert.deepEqual(merged.custom, { favoriteColor: 'blue', myInternalCustomerId: '12341234', plan: 'pro' });
    assert.equal(merged.visitor.browser, 'Chrome 12.1');
    assert.equal(mergeConversation(known, fresh).rating, '5');
  });
});
