import { splitConversationKey, type ConversationKey } from '../domain/conversation-key';
import type { Store, StoredRecord } from '../storage/store';

/**
 * The conversation's newest record in this CRM (lead or case, whichever the last delivery
 * decided on; `listRecords` gives the newest first). A record another CRM made before the CRM was
 * switched is not this CRM's: the agent's answer, the platform's link and `recordLink` ignore it.
 */
export const recordOf = async (store: Pick<Store, 'listRecords'>, key: ConversationKey, crm: string): Promise<StoredRecord | undefined> =>
  (await store.listRecords(key)).find((r) => r.record.crm === crm);

/**
 * Percent-encoding that cannot throw: `encodeURIComponent` throws on a lone UTF-16 surrogate,
 * and an answer built after a conversation is stored must not fail (sources refuse such ids
 * before storing; this is the second line).
 */
const encodeSegment = (text: string): string => encodeURIComponent(text.toWellFormed());

/** `PUBLIC_URL/r/<source>/<id>`: answers 302 to the CRM record once it exists. */
export const stableLinkOf = (publicUrl: string, key: ConversationKey): string => {
  const { source, id } = splitConversationKey(key);
  return `${publicUrl}/r/${encodeSegment(source)}/${encodeSegment(id)}`;
};

/** `PUBLIC_URL/admin/conversations/<source>/<id>`: the conversation in the operator console (alerts link to it). */
export const consoleLinkOf = (publicUrl: string, key: ConversationKey): string => {
  const { source, id } = splitConversationKey(key);
  return `${publicUrl}/admin/conversations/${encodeSegment(source)}/${encodeSegment(id)}`;
};
