import assert from 'node:assert/strict';
import type { Conversation, Visitor } from '../../src/domain/conversation';
import { mergeConversation } from '../../src/domain/merge';

const conversation = (visitor: Visitor): Conversation => ({
  source: 'olark',
  id: 'c1',
  visitor,
  messages: [],
  tags: [],
  groups: [],
  operators: [],
  offline: false,
});

describe('mergeConversation', () => {
  it('fills blank visitor fields from what we knew, the new post winning', () => {
    const merged = mergeConversation(conversation({ name: 'Ada', email: 'ada@example.com' }), conversation({ name: 'Ada L.', phone: '1' }));
    assert.deepEqual(merged.visitor, { name: 'Ada L.', email: 'ada@example.com', phone: '1' });
  });

  it('copies visitor fields only, never keys a stored row or a payload smuggled in (__proto__ among them)', () => {
    // Visitors as a codec that keeps extra keys (t.partial) would pass them on.
    const known = Object.defineProperties(
      { name: 'Ada' },
      { __proto__: { value: 'x', enumerable: true }, isAdmin: { value: 'yes', enumerable: true } },
    );
    const fresh = Object.defineProperties(
      { email: 'ada@example.com' },
      { constructor: { value: 'y', enumerable: true }, __proto__: { value: { name: 'Mallory' }, enumerable: true } },
    );
    const merged = mergeConversation(conversation(known), conversation(fresh));
    assert.deepEqual(merged.visitor, { name: 'Ada', email: 'ada@example.com' });
    assert.equal(Object.getPrototypeOf(merged.visitor), Object.prototype);
  });
});
