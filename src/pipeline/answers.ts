/** What the agent is shown for a conversation: its record in this CRM, the person a lookup found, the stable link, or nothing. */
import type { Connector } from '../domain/connector';
import type { ConversationKey } from '../domain/conversation-key';
import type { SyncResult } from '../domain/source';
import type { Store } from '../storage/store';
import { recordOf } from './links';

export interface Answers {
  /** What the agent is shown for this conversation now. */
  readonly answerFor: (key: ConversationKey, plan: readonly string[]) => Promise<SyncResult>;
  /** Without reading anything: the stable link while a delivery is to come. */
  readonly pendingAnswer: (key: ConversationKey, plan: readonly string[]) => SyncResult;
}

export const answers = (store: Store, connector: Connector, stableLink: (key: ConversationKey) => string): Answers => {
  const pendingAnswer = (key: ConversationKey, plan: readonly string[]): SyncResult =>
    plan.includes('deliver') ? { kind: 'pending', url: stableLink(key) } : { kind: 'none' };
  return {
    pendingAnswer,
    answerFor: async (key, plan) => {
      if (plan.includes('deliver')) {
        const record = await recordOf(store, key, connector.name);
        if (record !== undefined) return { kind: 'record', url: record.record.url };
      }
      if (plan.includes('lookup')) {
        const stored = await store.getConversation(key);
        if (stored?.person !== undefined) return { kind: 'person', url: stored.person.url };
      }
      return pendingAnswer(key, plan);
    },
  };
};
