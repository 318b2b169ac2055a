/** What a platform's own routes may use of the pipeline: the CRM's person lookup, its record links, intake. */
import type { Connector } from '../domain/connector';
import type { ConversationKey } from '../domain/conversation-key';
import type { ChatSource, InboundEvent, SourceServices, SyncResult } from '../domain/source';
import type { Store } from '../storage/store';
import { recordOf } from './links';

export const sourceServices =
  (
    store: Store,
    connector: Connector,
    stableLink: (key: ConversationKey) => string,
    receive: (source: ChatSource, events: readonly InboundEvent[]) => Promise<SyncResult[]>,
  ) =>
  (source: ChatSource): SourceServices => ({
    findPerson: (email) => connector.findPerson(email),
    async recordLink(conversationId) {
      return (await recordOf(store, `${source.name}:${conversationId}`, connector.name))?.record.url;
    },
    async recordLinkForVisitor(visitorId) {
      return (await store.recordForVisitor(source.name, visitorId, connector.name))?.record.url;
    },
    receive: (events) => receive(source, events),
    stableLink: (conversationId) => stableLink(`${source.name}:${conversationId}`),
  });
