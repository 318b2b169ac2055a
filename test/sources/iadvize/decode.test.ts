import assert from 'node:assert/strict';
import { iadvizeSource } from '../../../src/sources/iadvize';
import { toForm } from '../../emulators/iadvize';
import { SECRET, fixtureBytes, requestOf, sourceFor } from './support';

const source = sourceFor({ IADVIZE_WEBHOOK_SECRET: SECRET }, { now: () => new Date('2026-12-01T10:00:00Z') });

const eventsOf = (body: Buffer | string, contentType = 'application/json') => {
  const decoded = source.decode(requestOf({ body, contentType }));
  assert.equal(decoded._tag, 'Right', decoded._tag === 'Left' ? JSON.stringify(decoded.left) : '');
  return decoded._tag === 'Right' ? decoded.right : [];
};

const rejectionOf = (body: Buffer | string, contentType = 'application/json') => {
  const decoded = source.decode(requestOf({ body, contentType }));
  assert.equal(decoded._tag, 'Left');
  return decoded._tag === 'Left' ? decoded.left : undefined;
};

describe('iAdvize webhook decoding', () => {
  it('turns the documented v2.conversation.closed sample into a thin conversation to fetch and deliver', () => {
    const [event] = eventsOf(fixtureBytes('v2-conversation.closed-docs.json'));
    assert.ok(event?.kind === 'conversation');
    assert.equal(event.dedupKey, '0f0bb3af-5035-4ba3-b3fb-ff4879a3a74d');
    assert.deepEqual(event.plan, ['fetch', 'deliver']);
    assert.equal(event.conversation.source, 'iadvize');
    assert.equal(event.conversation.id, '4c8c7408-f73c-42cd-89e9-afbbee7d9024');
    assert.deepEqual(event.conversation.visitor, { id: 'b05f1b45-c891-4a9c-b47e-91ee6c8ffb44' });
    assert.deepEqual(event.conversation.messages, []);
    assert.deepEqual(
      event.conversation.operators.map((o) => o.id),
      ['1', '2'],
    );
    assert.equal(event.forced, undefined);
    assert.deepEqual(event.meta, {
      eventType: 'v2.conversation.closed',
      visitorId: 'b05f1b45-c891-4a9c-b47e-91ee6c8ffb44',
      channel: 'CHAT',
      platform: 'ha',
      projectId: '1549',
      clientId: '335',
      operatorIds: '1,2',
      createdAt: '2019-04-12T07:58:35.171Z',
    });
  });

  it('turns v2.conversation.pushed into fetch + lookup (the email only comes from GraphQL), expiring while the chat can be open', () => {
    const [event] = eventsOf(fixtureBytes('v2-conversation.pushed-docs.json'));
    assert.ok(event?.kind === 'conversation');
    assert.deepEqual(event.plan, ['fetch', 'lookup']);
    assert.equal(event.meta?.['operatorIds'], '1');
    assert.equal(event.expiresAt?.toISOString(), '2026-12-01T10:30:00.000Z');
  });

  it('reads the same event form-encoded (arrays as repeated keys), told apart by the content type', () => {
    const json: unknown = JSON.parse(fixtureBytes('v2-conversation.closed-docs.json').toString('utf8'));
    assert.ok(typeof json === 'object' && json !== null);
    const form = toForm({ ...json });
    const [fromForm] = eventsOf(form, 'application/x-www-form-urlencoded');
    const [fromJson] = eventsOf(fixtureBytes('v2-conversation.closed-docs.json'));
    assert.deepEqual(fromForm, fromJson);
  });

  it('reads a form whose single field holds the JSON body, and []-suffixed array keys', () => {
    const json = fixtureBytes('v2-conversation.closed-docs.json').toString('utf8');
    const [wrapped] = eventsOf(`payload=${encodeURIComponent(json)}`, 'application/x-www-form-urlencoded; charset=utf-8');
    assert.ok(wrapped?.kind === 'conversation');
    assert.equal(wrapped.conversation.id, '4c8c7408-f73c-42cd-89e9-afbbee7d9024');
    const [suffixed] = eventsOf(
      'eventId=e1&eventType=v2.conversation.closed&conversationId=c1&operatorIds[]=7&operatorIds[]=8',
      'application/x-www-form-urlencoded',
    );
    assert.ok(suffixed?.kind === 'conversation');
    assert.equal(suffixed.meta?.['operatorIds'], '7,8');
  });

  it('takes null optional fields as absent', () => {
    const [event] = eventsOf(
      JSON.stringify({
        eventId: 'e',
        eventType: 'v2.conversation.closed',
        conversationId: 'c',
        visitorId: null,
        sentAt: null,
        operatorIds: null,
      }),
    );
    assert.ok(event?.kind === 'conversation');
    assert.deepEqual(event.conversation.visitor, {});
    assert.deepEqual(event.meta, { eventType: 'v2.conversation.closed' });
  });

  it('acknowledges and ignores event types it does not handle', () => {
    const events = eventsOf(JSON.stringify({ eventId: 'x', eventType: 'satisfaction.answered', conversationId: 'c' }));
    assert.equal(events.length, 1);
    assert.equal(events[0]?.kind, 'ignored');
  });

  it('keeps __proto__ and constructor keys as plain data', () => {
    const [event] = eventsOf(
      '{"eventId":"e","eventType":"v2.conversation.closed","conversationId":"c","__proto__":{"polluted":1},"constructor":{"x":1}}',
    );
    assert.ok(event?.kind === 'conversation');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    const [fromForm] = eventsOf(
      'eventId=e&eventType=v2.conversation.closed&conversationId=c&__proto__=x',
      'application/x-www-form-urlencoded',
    );
    assert.ok(fromForm?.kind === 'conversation');
  });

  it('refuses malformed JSON, a body without conversationId, and other content types', () => {
    assert.equal(rejectionOf('{"eventId":')?.code, 'MALFORMED_JSON');
    const missing = rejectionOf(JSON.stringify({ eventId: 'e', eventType: 'v2.conversation.closed' }));
    assert.equal(missing?.code, 'INVALID_PAYLOAD');
    assert.match(missing?.detail ?? '', /conversationId/);
    assert.equal(rejectionOf(JSON.stringify({ eventType: 'v2.conversation.closed' }))?.code, 'INVALID_PAYLOAD');
    assert.equal(rejectionOf('{}', 'text/plain')?.code, 'UNSUPPORTED_CONTENT_TYPE');
    assert.equal(rejectionOf('{}', 'application/json; charset=latin1')?.code, 'UNSUPPORTED_CONTENT_TYPE');
    assert.equal(rejectionOf(Buffer.from([0xff, 0xfe]))?.code, 'MALFORMED_BODY');
  });

  it('answers 200 at once (ack)', () => {
    assert.equal(source.answerMode, 'ack');
    assert.equal(source.answer([{ kind: 'pending', url: 'http://x' }]).status, 200);
  });
});

describe('iAdvize configuration', () => {
  it('defaults to api.iadvize.com on ha and needs no key to start', () => {
    const configured = iadvizeSource.configure({});
    assert.equal(configured._tag, 'Right');
    const lines = sourceFor({}).describe?.('https://svc.example/webhooks/iadvize/tok') ?? [];
    assert.ok(lines.some((l) => l.includes('https://svc.example/webhooks/iadvize/tok/customer-info')));
    assert.ok(lines.some((l) => l.includes('https://svc.example/webhooks/iadvize/tok/health')));
    assert.ok(lines.some((l) => l.includes('IADVIZE_WEBHOOK_SECRET is not set')));
    assert.ok(lines.some((l) => l.includes('https://api.iadvize.com (platform ha)')));
  });

  it('refuses a username without a password, a bad URL and an unknown platform, naming each key', () => {
    const configured = iadvizeSource.configure({ IADVIZE_USERNAME: 'u', IADVIZE_API_URL: 'ftp://x', IADVIZE_PLATFORM: 'eu' });
    assert.equal(configured._tag, 'Left');
    const keys =
      configured._tag === 'Left'
        ? configured.left.map((e) =>
            e.context
              .map((c) => c.key)
              .filter((k) => k !== '')
              .join('.'),
          )
        : [];
    assert.ok(keys.includes('IADVIZE_API_URL'), keys.join());
    assert.ok(keys.includes('IADVIZE_PLATFORM'), keys.join());
    const half = iadvizeSource.configure({ IADVIZE_USERNAME: 'u' });
    const halfKeys = half._tag === 'Left' ? half.left.map((e) => e.context.map((c) => c.key).join('.')) : [];
    assert.ok(
      halfKeys.some((k) => k.includes('IADVIZE_PASSWORD')),
      halfKeys.join(),
    );
  });

  it('accepts sd in any case', () => {
    assert.ok(
      sourceFor({ IADVIZE_PLATFORM: 'SD' })
        .describe?.('u')
        .some((l) => l.includes('platform sd')),
    );
  });
});
