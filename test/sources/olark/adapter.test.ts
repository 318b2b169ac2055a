import assert from 'node:assert/strict';
import type { Either } from 'fp-ts/Either';
import type { ErrorCode } from '../../../src/domain/errors';
import type { InboundEvent, Rejection } from '../../../src/domain/source';
import { decodeOlarkEvent, decodeOlarkPayload } from '../../../src/sources/olark/adapter';
import { fixtureJson, formBody, readOlark, type OlarkRead } from './fixtures';

const FORM = 'application/x-www-form-urlencoded';

const post = (payload: unknown, contentType = FORM): Either<Rejection, OlarkRead> =>
  readOlark(formBody(JSON.stringify(payload)), contentType);

const CONTEXT = { dedupKey: 'hash-of-the-body', now: new Date('2026-12-06T12:00:00Z'), syncDeadlineMs: 8000 };

/** What the source hands the pipeline for this body. */
const inbound = (raw: Buffer, contentType = FORM, forced?: 'lead' | 'case'): Either<Rejection, InboundEvent> =>
  decodeOlarkEvent(raw, contentType, forced === undefined ? CONTEXT : { ...CONTEXT, forced });

const eventOf = <T>(result: Either<Rejection, T>): T => {
  if (result._tag === 'Left') throw new Error(`${result.left.code}: ${result.left.detail ?? ''}`);
  return result.right;
};

const errorOf = (result: Either<Rejection, { readonly kind: string }>, code: ErrorCode): Rejection => {
  if (result._tag === 'Right') assert.fail(`expected ${code}, got a ${result.right.kind} event`);
  assert.equal(result.left.code, code, result.left.detail ?? '');
  return result.left;
};

const transcript = (): Record<string, unknown> => fixtureJson('real-2019-transcript.json');
const withItems = (...items: unknown[]) => ({ ...transcript(), items });
const message = (extra: Record<string, unknown>) => ({ kind: 'MessageToOperator', body: 'hi', timestamp: '1558107786.341602', ...extra });

describe('decodeOlarkEvent', () => {
  describe('accepts what Olark sends', () => {
    it('hands the pipeline a form-encoded transcript to deliver, with the forced record type', () => {
      const event = eventOf(inbound(formBody(JSON.stringify(transcript())), FORM, 'case'));
      assert.ok(event.kind === 'conversation');
      assert.deepEqual([event.dedupKey, event.plan, event.forced, event.expiresAt], ['hash-of-the-body', ['deliver'], 'case', undefined]);
      assert.equal(event.conversation.messages.length, 3);
    });

    it('leaves forced out when the caller forces nothing', () => {
      assert.equal('forced' in eventOf(inbound(formBody(JSON.stringify(transcript())))), false);
    });

    it('hands the pipeline a chat start as a lookup that expires with the sync deadline, and Send test as a test', () => {
      const start = eventOf(inbound(formBody(JSON.stringify({ ...withItems(), eventType: 'start' })), FORM, 'case'));
      assert.ok(start.kind === 'conversation');
      assert.deepEqual([start.plan, start.expiresAt, 'forced' in start], [['lookup'], new Date('2026-12-06T12:00:08Z'), false]);
      assert.deepEqual(eventOf(inbound(formBody(JSON.stringify({ ...transcript(), id: 'NOTAREALTRANSCRIPT5LGcbVTa3hKBRB' })))), {
        kind: 'test',
      });
    });

    it('decodes a raw JSON body', () => {
      const event = eventOf(inbound(Buffer.from(JSON.stringify(transcript())), 'application/json'));
      assert.ok(event.kind === 'conversation');
      assert.equal(event.conversation.id, 'wGev6kIm8m9tIwyZ8D5z70Ua2FozbDBT');
    });

    it('accepts kind "conversation" in lower case, as the 2012 doc shows it', () => {
      assert.equal(eventOf(post({ ...transcript(), kind: 'conversation' })).kind, 'transcript');
    });

    it('accepts keys it does not know, at every level', () => {
      const event = eventOf(post({ ...withItems(message({ sentiment: 'happy' })), isLead: true, visitor: { fullName: 'Ann', mood: 1 } }));
      assert.equal(event.conversation.visitor.name, 'Ann');
    });

    it('accepts a minimal payload: no visitor, operators, groups or tags', () => {
      const event = eventOf(post({ kind: 'Conversation', id: 'abc', items: [message({})] }));
      assert.deepEqual(event.conversation.visitor, {});
      assert.deepEqual([event.conversation.tags, event.conversation.groups, event.conversation.operators], [[], [], []]);
      assert.equal(event.conversation.messages[0]?.author, 'Chat visitor');
    });

    it('keeps items of unknown kinds as system lines instead of rejecting the transcript', () => {
      const event = eventOf(
        post(
          withItems(
            { kind: 'OperatorJoined', body: 'Paul joined', timestamp: '1558107750.5' },
            { kind: 'Typing', timestamp: 'soon', body: 42 },
            message({}),
          ),
        ),
      );
      assert.equal(event.kind, 'transcript');
      assert.deepEqual(
        event.conversation.messages.map((m) => [m.role, m.author, m.body]),
        [
          ['system', 'Olark', 'Paul joined'],
          ['visitor', 'Paul', 'hi'],
        ],
      );
      assert.deepEqual(event.conversation.messages[0]?.at, new Date('2019-05-17T15:42:30.500Z'));
    });

    it('reads item kinds case-insensitively', () => {
      const event = eventOf(post(withItems({ ...message({}), kind: 'messagetooperator' })));
      assert.equal(event.conversation.messages[0]?.role, 'visitor');
    });

    it('treats "" and null values as absent', () => {
      const event = eventOf(
        post({
          ...withItems({ kind: 'MessageToVisitor', body: 'hello', timestamp: '1558107754.8', nickname: 'Paul', operatorId: null }),
          visitor: { fullName: '', emailAddress: '  ', phoneNumber: null, city: '', organization: 'Acme', ip: '' },
        }),
      );
      assert.deepEqual(event.conversation.visitor, { company: 'Acme' });
      assert.equal(event.conversation.messages[0]?.author, 'Paul');
    });

    it('reads visitorNickname as well as visitor_nickname', () => {
      const event = eventOf(post({ ...withItems(message({ nickname: 'Ann (ann@example.com)', visitorNickname: 'Ann' })), visitor: {} }));
      assert.equal(event.conversation.messages[0]?.author, 'Ann');
      assert.equal(event.conversation.visitor.name, 'Ann');
    });

    it('accepts a numeric timestamp and a numeric operator id', () => {
      const event = eventOf(
        post(withItems({ kind: 'MessageToVisitor', body: 'hi', timestamp: 1558107754.25, nickname: 'x', operatorId: 1029431 })),
      );
      assert.deepEqual(event.conversation.messages[0], {
        role: 'operator',
        author: 'Paul',
        body: 'hi',
        at: new Date('2019-05-17T15:42:34.250Z'),
      });
    });

    it('tells events apart: test id, then eventType start, then offline items', () => {
      const offline = { kind: 'OfflineMessage', body: 'Hello', timestamp: '1558118672.5' };
      assert.equal(eventOf(post({ ...withItems(offline), id: 'NOTAREALTRANSCRIPT5LGcbVTa3hKBRB' })).kind, 'test');
      assert.equal(eventOf(post({ ...withItems(), eventType: 'start' })).kind, 'start');
      assert.equal(eventOf(post({ ...withItems(offline), eventType: 'Start' })).kind, 'start');
      assert.equal(eventOf(post(withItems(message({}), offline))).kind, 'offline');
      assert.equal(eventOf(post({ ...withItems(message({})), eventType: 'chatEnded' })).kind, 'transcript');
    });
  });

  describe('rejects what it cannot use, naming the field', () => {
    const invalid = (payload: unknown): string => errorOf(post(payload), 'INVALID_PAYLOAD').detail ?? '';

    it('a body that is not a string', () => {
      assert.match(invalid(withItems(message({}), message({ body: 42 }))), /items\.1\.body: expected string(;|$)/);
    });

    it('a missing or empty conversation id', () => {
      assert.match(invalid({ ...transcript(), id: '' }), /\bid: expected a non-empty string/);
      assert.match(invalid({ ...transcript(), id: '   ' }), /\bid: expected a non-empty string/);
      assert.match(invalid({ ...transcript(), id: undefined }), /\bid: expected a non-empty string/);
    });

    it('items that are not an array, or an item without a kind', () => {
      assert.match(invalid({ ...transcript(), items: {} }), /items: expected an array/);
      assert.match(invalid(withItems('hello')), /items\.0: expected an object with a string kind/);
    });

    it('a timestamp that is not Unix seconds, instead of an Invalid Date', () => {
      for (const timestamp of ['yesterday', '', '-5', '1e400', 1e300, null]) {
        assert.match(invalid(withItems(message({ timestamp }))), /items\.0\.timestamp: expected Unix seconds/, String(timestamp));
      }
    });

    it('a kind other than Conversation (a missing kind is taken as one)', () => {
      assert.match(invalid({ ...transcript(), kind: 'Visitor' }), /kind: expected "Conversation"/);
      const { kind: _kind, ...withoutKind } = transcript();
      assert.equal(decodeOlarkPayload(withoutKind)._tag, 'Right');
    });

    it('wrongly typed optional parts', () => {
      assert.match(invalid({ ...transcript(), visitor: 'Paul' }), /visitor: expected an object/);
      assert.match(invalid({ ...transcript(), visitor: { emailAddress: 7 } }), /visitor\.emailAddress: expected string/);
      assert.match(invalid({ ...transcript(), tags: 'vip' }), /tags: expected an array/);
      assert.match(invalid({ ...transcript(), tags: ['vip', 3] }), /tags\.1: expected string/);
      assert.match(invalid({ ...transcript(), manuallySubmitted: 'no' }), /manuallySubmitted: expected boolean/);
      assert.match(invalid({ ...transcript(), operators: { 1: 'Paul' } }), /operators\.1: expected an object/);
    });

    it('a JSON value that is not an object', () => {
      assert.match(invalid([1, 2]), /\(root\): expected an object$/);
    });

    it('keeps the message short: a few distinct paths, no union noise', () => {
      const items = Array.from({ length: 20 }, () => ({ kind: 'MessageToVisitor', body: null, timestamp: 'x' }));
      const text = invalid({ ...transcript(), id: '', items });
      assert.match(text, /id: expected a non-empty string; items\.0\.body: expected string; items\.0\.timestamp: .* \(and 38 more\)$/);
      assert.doesNotMatch(text, /\.0\.0\.|\.1\.body|MessageToOperator|OfflineMessage/);
    });
  });

  describe('body errors come through unchanged', () => {
    it('missing data field', () => {
      errorOf(inbound(Buffer.from('transcript=%7B%7D')), 'MISSING_DATA_FIELD');
    });

    it('bad JSON', () => {
      errorOf(inbound(Buffer.from('data=%7Bnope')), 'MALFORMED_JSON');
    });

    it('wrong content type', () => {
      errorOf(inbound(formBody(JSON.stringify(transcript())), 'text/plain'), 'UNSUPPORTED_CONTENT_TYPE');
    });
  });
});
