/** A conversation's row as the rules write it, in both dialects. */
import { personEmail } from '../../domain/local-records';
import type { ConversationState } from '../console';
import { toConversationJson, toMetaJson, toPersonJson } from '../serialization';
import type { StoredConversation } from '../store';
import type { ConversationWrite, LockedConversation } from './port';

/**
 * Every column, the search columns (id, visitor's email and name) written beside the snapshot so
 * no index parses its JSON. emailKey is personEmail's key, computed here and nowhere else: SQL's
 * lower() lower-cases ASCII only (SQLite) or by the database's collation (PostgreSQL), and would
 * not match `ÉLODIE@Exemple.fr` to the key the local CRM and privacy requests use.
 */
export const conversationWrite = (stored: StoredConversation, state: ConversationState): ConversationWrite => {
  const c = stored.conversation;
  return {
    key: stored.key,
    source: c.source,
    snapshot: toConversationJson(c),
    version: stored.version,
    forced: stored.forced ?? null,
    meta: toMetaJson(stored.meta),
    person: stored.person === undefined ? null : toPersonJson(stored.person),
    visitorId: c.visitor.id ?? null,
    conversationId: c.id,
    visitorEmail: c.visitor.email ?? null,
    visitorName: c.visitor.name ?? null,
    emailKey: personEmail(c.visitor.email) ?? null,
    state,
    updatedAt: stored.updatedAt.getTime(),
  };
};

/** What the store hands out: the row without its console state. */
export const storedOf = (locked: LockedConversation): StoredConversation => {
  const { state: _state, ...stored } = locked;
  return stored;
};
