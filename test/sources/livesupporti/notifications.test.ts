import { strict as assert } from 'node:assert';
import type { Either } from 'fp-ts/Either';
import { crmConversationKey, type InboundEvent, type Rejection } from '../../../src/domain/source';
import { decodeNotifications, isChatStarted } from '../../../src/sources/livesupporti/notifications';
import { buildBody, chatStarted, type Notification } from '../../emulators/livesupporti';
import { fixturesOf } from '../../support/fixtures';
import { sourceRequest } from '../../support/requests';

const fixture = fixturesOf('livesupporti').bytes('chat-started-reconstructed.json');
const AT = new Date('2026-12-01T20:00:00.000Z');
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

const decode = (
  body: string | Buffer,
  createLeads = true,
  headers: Record<string, string> = JSON_TYPE,
): Either<Rejection, readonly InboundEvent[]> => decodeNotifications(sourceRequest({ body, headers }), { createLeads, now: () => AT });

const events = (body: string | Buffer, createLeads = true): readonly InboundEvent[] => {
  const decoded = decode(body, createLeads);
  if (decoded._tag === 'Left') throw new Error(`rejected: ${decoded.left.code} ${decoded.left.detail ?? ''}`);
  return decoded.right;
};

const rejection = (body: string | Buffer, headers: Record<string, string> = JSON_TYPE): Rejection => {
  const decoded = decode(body, true, headers);
  if (decoded._tag === 'Right') throw new Error('expected a rejection');
  return decoded.left;
};

const conversationEvent = (e: InboundEvent | undefined) => {
  if (e?.kind !== 'conversation') throw new Error(`expected a conversation event, got ${e?.kind ?? 'nothing'}`);
  return e;
};

const body = (notifications: readonly Notification[], id = '0b7bd2d3b7a94d5d8c0d5f4b0e6a2a11', attempt = 1) =>
  buildBody({ id, attempt, notifications });

describe('LiveSupporti notifications', () => {
  it('turns the fixture chat start into a lookup → deliver → notify event keyed by account and visitor', () => {
    const [event, ...rest] = events(fixture);
    assert.equal(rest.length, 0);
    const e = conversationEvent(event);
    assert.equal(e.dedupKey, '0b7bd2d3b7a94d5d8c0d5f4b0e6a2a11#0');
    assert.deepEqual(e.plan, ['lookup', 'deliver', 'notify']);
    assert.equal(e.forced, 'lead');
    assert.deepEqual(e.meta, { accountId: 'b943010f-b565-4731-9f34-42c54319957f', agentId: '150', visitorId: '169.26.97.99-1231178' });
    assert.equal(e.expiresAt?.toISOString(), '2026-12-01T20:15:00.000Z');
    const c = e.conversation;
    assert.equal(c.source, 'livesupporti');
    assert.equal(c.id, 'b943010f-b565-4731-9f34-42c54319957f:169.26.97.99-1231178');
    assert.equal(crmConversationKey(c), 'livesupporti:b943010f-b565-4731-9f34-42c54319957f:169.26.97.99-1231178');
    assert.deepEqual(c.visitor, { id: '169.26.97.99-1231178', email: 'jason@example.com' });
    assert.equal(c.messages.length, 1);
    assert.equal(c.messages[0]?.role, 'system');
    assert.equal(c.messages[0]?.body, 'Chat started on LiveSupporti at 2026-12-01T20:00:00.000Z (agent 150).');
    assert.equal(c.messages[0]?.at.getTime(), AT.getTime());
  });

  it('plans no deliver when LIVESUPPORTI_CREATE_LEADS is false', () => {
    assert.deepEqual(conversationEvent(events(fixture, false)[0]).plan, ['lookup', 'notify']);
  });

  it('reads several notifications, nested under Data or flattened beside Action, each with its own key', () => {
    const decoded = events(
      body([
        chatStarted({ id: 'v-nested', email: 'ada@example.com' }),
        { action: 'ChatEnded', data: { AccountId: 'a', Visitor: { Id: 'x' } } },
        chatStarted({ id: 'v-flat', email: 'grace@example.com', accountId: 'acc-2', agentId: '7' }, true),
      ]),
    );
    assert.equal(decoded.length, 3);
    const first = conversationEvent(decoded[0]);
    const third = conversationEvent(decoded[2]);
    assert.equal(first.conversation.visitor.email, 'ada@example.com');
    assert.equal(first.dedupKey, '0b7bd2d3b7a94d5d8c0d5f4b0e6a2a11#0');
    assert.equal(decoded[1]?.kind, 'ignored');
    assert.equal(third.conversation.id, 'acc-2:v-flat');
    assert.deepEqual(third.meta, { accountId: 'acc-2', agentId: '7', visitorId: 'v-flat' });
    assert.equal(third.dedupKey, '0b7bd2d3b7a94d5d8c0d5f4b0e6a2a11#2');
  });

  it('keeps the dedup key across retries: same Id, growing Attempt, re-signed body', () => {
    const keys = [1, 2, 3].map(
      (attempt) =>
        conversationEvent(events(body([chatStarted({ id: 'v1', email: 'ada@example.com' })], 'work-item-1', attempt))[0]).dedupKey,
    );
    assert.deepEqual(keys, ['work-item-1#0', 'work-item-1#0', 'work-item-1#0']);
    const other = conversationEvent(events(body([chatStarted({ id: 'v1', email: 'ada@example.com' })], 'work-item-2'))[0]).dedupKey;
    assert.notEqual(other, keys[0]);
  });

  it('acknowledges a chat start without an email and records nothing', () => {
    for (const email of [undefined, '', '   ', 'not-an-email']) {
      const [event] = events(body([chatStarted({ id: 'v1', ...(email === undefined ? {} : { email }) })]));
      assert.equal(event?.kind, 'ignored', String(email));
    }
    const nullEmail = fixture.toString('utf8').replace('"jason@example.com"', 'null');
    assert.equal(events(nullEmail)[0]?.kind, 'ignored');
  });

  it('ignores unknown actions without reading their data', () => {
    const decoded = events(
      body([
        { action: 'VisitorLeft', data: { anything: [1, 2] } },
        { action: 'OfflineMessage', data: {}, flatten: true },
      ]),
    );
    assert.deepEqual(
      decoded.map((e) => e.kind),
      ['ignored', 'ignored'],
    );
  });

  it('recognises the spellings of "chat started" it may be sent', () => {
    for (const a of ['ChatStarted', 'chatstarted', 'chat.started', 'chat_started', 'Chat started', 'OnChatStarted', 'chatStart'])
      assert.ok(isChatStarted(a), a);
    for (const a of ['ChatEnded', 'VisitorData', 'chat', 'started', 'ChatStartedX']) assert.ok(!isChatStarted(a), a);
  });

  it('takes numeric ids, a BOM, extra keys and __proto__ as plain data', () => {
    const raw = `\uFEFF{"Id":"w1","Attempt":1,"__proto__":{"polluted":true},"Notifications":[{"Action":"ChatStarted","Extra":1,"Data":{"AccountId":"acc","AgentId":150,"constructor":{},"Visitor":{"Id":"v1","Email":" ada@example.com ","Name":"Ada"}}}]}`;
    const e = conversationEvent(events(raw)[0]);
    assert.equal(e.meta?.agentId, '150');
    assert.deepEqual(e.conversation.visitor, { id: 'v1', email: 'ada@example.com', name: 'Ada' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('answers an empty notification list with no events', () => {
    assert.deepEqual(events('{"Id":"w1","Attempt":1,"Properties":{},"Notifications":[]}'), []);
  });

  it('names the failing field of a chat start that lacks its ids', () => {
    const noVisitorId = rejection(body([{ action: 'ChatStarted', data: { AccountId: 'acc', Visitor: { Email: 'ada@example.com' } } }]));
    assert.equal(noVisitorId.code, 'INVALID_PAYLOAD');
    assert.match(noVisitorId.detail ?? '', /^Notifications\.0\.Data\.Visitor\.Id: /);
    const flatNoAccount = rejection(
      body([{ action: 'ChatStarted', data: { Visitor: { Id: 'v', Email: 'ada@example.com' } }, flatten: true }]),
    );
    assert.match(flatNoAccount.detail ?? '', /^Notifications\.0\.AccountId: /);
    assert.ok(!(flatNoAccount.detail ?? '').includes('ada@example.com'));
  });

  it('rejects a body that is not the sender envelope', () => {
    assert.equal(rejection('{"Id":"w1"').code, 'MALFORMED_JSON');
    assert.equal(rejection('').code, 'MALFORMED_JSON');
    for (const bad of [
      '[]',
      '{"Attempt":1,"Notifications":[]}',
      '{"Id":"","Notifications":[]}',
      '{"Id":"w1","Notifications":{}}',
      '{"Id":"w1","Notifications":["x"]}',
      '{"Id":"w1","Notifications":[{"Data":{}}]}',
    ])
      assert.equal(rejection(bad).code, 'INVALID_PAYLOAD', bad);
    assert.match(rejection('{"Attempt":1,"Notifications":[]}').detail ?? '', /^Id: /);
  });

  it('takes JSON content types only (and a missing one)', () => {
    assert.equal(rejection(fixture, { 'content-type': 'application/x-www-form-urlencoded' }).code, 'UNSUPPORTED_CONTENT_TYPE');
    assert.equal(rejection(fixture, { 'content-type': ';;' }).code, 'UNSUPPORTED_CONTENT_TYPE');
    assert.equal(decode(fixture, true, {})._tag, 'Right');
    assert.equal(decode(fixture, true, { 'content-type': 'application/json' })._tag, 'Right');
  });
});
