/** The console's URLs, built and read in one place. */
import { splitConversationKey, type ConversationKey } from '../../../domain/conversation-key';
import type { ConversationCursor } from '../../../storage/console';

export const conversationPath = (key: ConversationKey): string => {
  const { source, id } = splitConversationKey(key);
  return `/admin/conversations/${encodeURIComponent(source)}/${encodeURIComponent(id)}`;
};

/** `<epoch ms>.<key>`: opaque to the operator, readable by us. */
export const cursorParam = (cursor: ConversationCursor): string => `${cursor.updatedAt}.${cursor.key}`;

export const parseCursor = (param: string | undefined): ConversationCursor | undefined => {
  const match = param === undefined ? null : /^(\d{1,15})\.(.{1,600})$/s.exec(param);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { updatedAt: Number(match[1]), key: match[2] };
};
