/**
 * Claiming: a job is leased by one worker at a time, and one job per conversation at a time (no
 * two deliveries of one conversation race each other to the CRM).
 */
import type { ClaimMix, Job } from '../store';
import type { QueueTx } from './port';

export const ABANDONED = 'lease expired: the process delivering it stopped';

/**
 * Leases a job whose conversation this transaction holds (locked, or the only writer). A claim
 * changes no conversation's state: pending and running both count as unfinished, and the error
 * stays as it was.
 */
export const claimLocked = async (
  tx: QueueTx,
  job: Pick<Job, 'id' | 'state'>,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<Job | undefined> => {
  const claimed = await tx.claim(job.id, owner, now + leaseMs, now);
  if (claimed === undefined) return undefined;
  // A running job re-claimed: the previous holder died mid-step. That try counts (the claim's
  // statement added it to `attempts`), so a job that crashes the process every time still ends
  // up dead instead of looping forever.
  if (job.state === 'running')
    await tx.insertAttempt({ jobId: job.id, startedAt: new Date(now), durationMs: 0, outcome: 'abandoned', error: ABANDONED });
  return claimed;
};

export const claimJob = async (tx: QueueTx, id: string, owner: string, now: number, leaseMs: number): Promise<Job | undefined> => {
  const job = await tx.lockJob(id);
  return job === undefined ? undefined : claimLocked(tx, job, owner, now, leaseMs);
};

/** Whether the due jobs of the batched kind wait for a fuller batch (ClaimMix `waitMs`). */
const holdsBatch = (candidates: readonly Job[], batched: ClaimMix, now: number): boolean => {
  const waitMs = batched.waitMs ?? 0;
  if (waitMs <= 0) return false;
  const mine = candidates.filter((job) => job.kind === batched.kind);
  const oldest = mine[0];
  return (
    oldest !== undefined &&
    mine.length < batched.size &&
    candidates.some((job) => job.kind !== batched.kind) &&
    oldest.nextAttemptAt.getTime() > now - waitMs
  );
};

export const claimDueJobs = async (
  tx: QueueTx,
  owner: string,
  now: number,
  leaseMs: number,
  limit: number,
  batched?: ClaimMix,
): Promise<Job[]> => {
  if (limit <= 0) return [];
  // Slots counted here, and what does not fit left unclaimed rather than claimed and handed
  // back: under a burst of fetches, a claim sized for batches of deliveries would otherwise
  // write hundreds of releases per tick.
  const size = batched?.size ?? 1;
  let others = 0;
  let grouped = 0;
  const slots = (o: number, g: number) => o + Math.ceil(g / size);
  // Over-select: a candidate is dropped when its conversation already has a job in this batch,
  // or (PostgreSQL) when another transaction claimed it between the look-up and the claim.
  const candidates = await tx.dueJobs(now, limit * size * 4);
  const taken = new Set<string>();
  const claimed: Job[] = [];
  const hold = batched !== undefined && holdsBatch(candidates, batched, now);
  for (const candidate of candidates) {
    if (slots(others, grouped) >= limit && grouped % size === 0) break;
    if (taken.has(candidate.conversationKey)) continue;
    const other = candidate.kind !== batched?.kind;
    if (!other && hold) continue;
    if ((other ? slots(others + 1, grouped) : slots(others, grouped + 1)) > limit) continue;
    const job = await claimLocked(tx, candidate, owner, now, leaseMs);
    if (job === undefined) continue;
    claimed.push(job);
    taken.add(job.conversationKey);
    if (other) others++;
    else grouped++;
  }
  return claimed;
};
