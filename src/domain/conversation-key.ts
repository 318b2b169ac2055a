import type { Conversation } from './conversation';

/**
 * `<source>:<conversation id>`: how the service names one conversation everywhere (storage rows,
 * stable links, replay). Built and split only here.
 */
export type ConversationKey = string;

export const conversationKey = (c: Pick<Conversation, 'source' | 'id'>): ConversationKey => `${c.source}:${c.id}`;

/** `olark:abc:def` → `{source: 'olark', id: 'abc:def'}` (ids may hold colons, sources never do). */
export const splitConversationKey = (key: ConversationKey): { readonly source: string; readonly id: string } => {
  const at = key.indexOf(':');
  return at < 0 ? { source: key, id: '' } : { source: key.slice(0, at), id: key.slice(at + 1) };
};
