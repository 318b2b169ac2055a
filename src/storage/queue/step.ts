/** Queueing a step: one pending job per conversation and kind, shared by every event that needs it. */
import type { StepKind } from '../../domain/source';
import { mergePlans } from '../plans';
import { newSortableId } from '../sortable-id';
import { stateOf } from './state';
import type { QueueTx } from './port';

/**
 * The pending job of this kind, created or shared: a later event's steps are merged into it
 * (mergePlans), and it expires at the later of both expiries, or never when either has none.
 * The conversation's row is locked by the caller (and on SQLite the store is the only writer),
 * so no second pending job of the kind can appear between the look-up and the insert.
 */
export const queueStep = async (
  tx: QueueTx,
  key: string,
  kind: StepKind,
  then: readonly StepKind[],
  expiresAt: number | null,
  now: number,
): Promise<string> => {
  const pending = await tx.pendingJob(key, kind);
  if (pending !== undefined) {
    await tx.shareJob(pending.id, mergePlans(pending.then, then), expiresAt);
    return pending.id;
  }
  const id = newSortableId(now);
  await tx.insertJob({ id, key, kind, then, state: 'pending', attempts: 0, expiresAt, lease: null, now });
  return id;
};

/** The conversation's state from its jobs, after a change the ingest shortcut (afterQueued) does not cover. */
export const refreshState = async (tx: QueueTx, key: string): Promise<void> => tx.setState(key, stateOf(await tx.openJobs(key)));

/** The error a job made obsolete by a newer pending one keeps. */
export const superseded = (by: string): string => `superseded by job ${by}`;
