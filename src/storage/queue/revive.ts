/** An operator's replay of a dead step. */
import type { Job } from '../store';
import type { QueueTx } from './port';
import { refreshState, superseded } from './step';

/** A dead job back to pending (attempts and error cleared), or, when a newer pending job of its kind exists, that one. */
export const reviveJob = async (tx: QueueTx, id: string, now: number): Promise<Job | undefined> => {
  const job = await tx.lockJob(id);
  if (job === undefined || job.state !== 'dead') return undefined;
  const pending = await tx.pendingJob(job.conversationKey, job.kind);
  let revived: Job | undefined;
  if (pending !== undefined) {
    // A newer intake already queued the conversation: that job delivers the latest snapshot.
    await tx.closeJob(id, superseded(pending.id), now);
    revived = await tx.lockJob(pending.id);
  } else revived = await tx.reviveJob(id, now);
  await refreshState(tx, job.conversationKey);
  return revived;
};
