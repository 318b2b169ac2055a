import type { Conversation, Visitor } from './conversation';

const fill = (fresh: Visitor, known: Visitor): Visitor => {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(known)) if (typeof value === 'string') merged[key] = value;
  for (const [key, value] of Object.entries(fresh)) if (typeof value === 'string') merged[key] = value;
  return merged;
};

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

/**
 * A conversation posted again: the fuller transcript wins, visitor fields the new post leaves
 * blank keep what we knew, tags and groups accumulate.
 */
export const mergeConversation = (known: Conversation, fresh: Conversation): Conversation => ({
  ...fresh,
  visitor: fill(fresh.visitor, known.visitor),
  messages: fresh.messages.length >= known.messages.length ? fresh.messages : known.messages,
  tags: union(known.tags, fresh.tags),
  groups: union(known.groups, fresh.groups),
  operators: fresh.operators.length > 0 ? fresh.operators : known.operators,
  offline: fresh.offline && known.offline,
});
