/**
 * After a backfill has queued its conversations: how far their steps have come, polled from the
 * store (whichever process runs them: the backfill's own worker or the service's).
 */
import type { ConversationKey } from '../domain/conversation-key';
import type { Store } from '../storage/store';

export interface DeliveryCounts {
  readonly delivered: number;
  readonly dead: number;
  /** Failed for now, waiting for their next try (the service's worker goes on with them). */
  readonly failing: number;
  readonly expired: number;
  /** Still queued or running. */
  readonly pending: number;
}

/**
 * Polls until every conversation is settled or `stopRequested`; calls `onProgress` after each
 * poll. Conversations found settled are not read again, except `failing` ones, which may still
 * be delivered by a retry within the wait.
 */
export const waitForDelivery = async (
  deps: {
    readonly store: Pick<Store, 'conversationState'>;
    readonly sleep: (ms: number) => Promise<void>;
    readonly stopRequested: () => boolean;
    readonly onProgress?: (counts: DeliveryCounts) => void;
    readonly pollMs?: number;
  },
  keys: ReadonlySet<ConversationKey>,
): Promise<DeliveryCounts> => {
  const final = { delivered: 0, dead: 0, expired: 0 };
  let open = [...keys];
  for (;;) {
    const stillOpen: ConversationKey[] = [];
    let failing = 0;
    for (const key of open) {
      const state = await deps.store.conversationState(key);
      if (state === 'delivered' || state === 'dead' || state === 'expired') final[state]++;
      else {
        stillOpen.push(key);
        if (state === 'failing') failing++;
      }
    }
    open = stillOpen;
    const counts: DeliveryCounts = { ...final, failing, pending: open.length - failing };
    deps.onProgress?.(counts);
    if (counts.pending === 0 || deps.stopRequested()) return counts;
    await deps.sleep(deps.pollMs ?? 500);
  }
};
