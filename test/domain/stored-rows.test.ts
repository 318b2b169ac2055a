/** Stored rows that do not decode: the error (it reaches the error log at level 50) names paths and types, never values. */
import assert from 'node:assert/strict';
import { toStoredConversation } from '../../src/storage/rows';
import { fromConversationJson } from '../../src/storage/serialization';

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
      (error: unknown) => error instanceof Error && !error.message.includes('ada@example.com') && /version: expected Num/.test(error.message),
    );
  });

  it('read a hand-edited __proto__ key as data: dropped, never a prototype', () => {
    const text = snapshot({ name: 'Ada' }).replace('"visitor":{', '"visitor":{"__proto__":{"email":"mallory@example.com"},');
    const conversation = fromConversationJson(text.replace('"messages":[]', '"messages":[{"role":"visitor","author":"Ada","body":"hi","at":"2024-01-01T00:00:00.000Z","__proto__":{"role":42}}]'));
    assert.deepEqual(conversation.visitor, { name: 'Ada' });
    assert.equal(Object.getPrototypeOf(conversation.messages[0]), Object.prototype);
  });
});
