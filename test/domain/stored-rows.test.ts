/** Stored rows that do not decode: the error (it reaches the error log at level 50) names paths and types, never values. */
import assert from 'node:assert/strict';
import { toStoredConversation } from '../../src/storage/rows';
import { fromConversationJson, toConversationJson } from '../../src/storage/serialization';

const snapshot = (visitor: unknown) =>
  JSON.stringify({ source: 'olark', id: 'c1', visitor, messages: [], tags: [], groups: [], operators: [], offline: false });

describe('unreadable stored rows', () => {
  it('name the field and the expected type of a snapshot, not the email or phone number in it', () => {
    assert.throws(
      () => fromConversationJson(snapshot({ email: ['ada@example.com'], phone: 442079460000 })),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal(error.message, 'stored conversation is unreadable: visitor.email: expected string; visitor.phone: expected string');
        return true;
      },
    );
  });

  it('name the column of a row, not its value', () => {
    assert.throws(
      () => toStoredConversation({ key: 'olark:c1', snapshot: 'ada@example.com', version: 'ada@example.com' }),
      (error: unknown) =>
        error instanceof Error && !error.message.includes('ada@example.com') && /version: expected Num/.test(error.message),
    );
  });

  it('read a hand-edited __proto__ key as data: dropped, never a prototype', () => {
    const text = snapshot({ name: 'Ada' }).replace('"visitor":{', '"visitor":{"__proto__":{"email":"mallory@example.com"},');
    const conversation = fromConversationJson(
      text.replace(
        '"messages":[]',
        '"messages":[{"role":"visitor","author":"Ada","body":"hi","at":"2024-01-01T00:00:00.000Z","__proto__":{"role":42}}]',
      ),
    );
    assert.deepEqual(conversation.visitor, { name: 'Ada' });
    assert.equal(Object.getPrototypeOf(conversation.messages[0]), Object.prototype);
  });
});

describe('stored message times', () => {
  const withMessages = (messages: unknown[]) =>
    JSON.stringify({ source: 'olark', id: 'c1', visitor: {}, messages, tags: [], groups: [], operators: [], offline: false });
  const message = (at: unknown) => ({ role: 'visitor', author: 'Ada', body: 'hi', at });

  it('are written as epoch milliseconds and read back as the same instant', () => {
    const at = new Date(Date.UTC(2026, 11, 2, 3, 4, 5, 6));
    const conversation = fromConversationJson(withMessages([message(at.toISOString())]));
    const json = toConversationJson({ ...conversation, messages: [{ role: 'visitor', author: 'Ada', body: 'hi', at }] });
    assert.match(json, /"at":1796180645006\b/);
    assert.equal(fromConversationJson(json).messages[0]?.at.getTime(), at.getTime());
  });

  it('written as ISO strings by earlier versions are still read', () => {
    assert.equal(
      fromConversationJson(withMessages([message('2024-01-01T00:00:00.000Z')])).messages[0]?.at.toISOString(),
      '2024-01-01T00:00:00.000Z',
    );
  });

  it('that are no time at all make the row unreadable, naming the field', () => {
    // NaN is written as null by JSON.stringify, as a hand edit might leave it.
    for (const at of [Number.NaN, 1e20, -1e20, 'yesterday', true, {}])
      assert.throws(
        () => fromConversationJson(withMessages([message(at)])),
        (error: unknown) => error instanceof Error && /messages\.0\.at/.test(error.message),
        JSON.stringify(at),
      );
  });
});
