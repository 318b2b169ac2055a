/** A step's end: the record kept, the job moved on, and what a finished step hands on. */
import { mergeConversation } from '../../domain/merge';
import type { ConversationState } from '../console';
import type { Attempt, Job, JobResult, JobState, StepError } from '../store';
import { conversationWrite } from './conversation';
import type { QueueTx } from './port';
import { stateOf } from './state';
import { queueStep, superseded } from './step';

export interface FinishInput {
  readonly jobId: string;
  readonly owner: string;
  readonly now: number;
  readonly attempt?: Attempt;
  readonly result: JobResult;
}

type Done = JobResult & { kind: 'done' };

/** The error as a job keeps it: the text pages show, and its code in a column of its own. */
interface KeptError {
  readonly text: string | null;
  readonly code: string | null;
}
const kept = (e: StepError): KeptError => ({ text: `${e.code}: ${e.message}`, code: e.code });
const NO_ERROR: KeptError = { text: null, code: null };

export const finishJob = async (tx: QueueTx, { jobId, owner, now, attempt, result }: FinishInput): Promise<boolean> => {
  const job = await tx.lockJob(jobId);
  // The record exists in the CRM whatever happened to our lease: keep the reference so no later
  // delivery creates a second one.
  if (result.kind === 'done' && result.record !== undefined) {
    const r = result.record;
    await tx.upsertRecord(r.conversationKey, r.value, r.version, now);
  }
  if (job === undefined || job.state !== 'running' || job.leaseOwner !== owner) return false;
  const move = (state: JobState, next: number, error: KeptError) =>
    tx.moveJob({
      id: jobId,
      owner,
      state,
      counted: attempt === undefined ? 0 : 1,
      nextAttemptAt: next,
      error: error.text,
      errorCode: error.code,
      now,
    });
  const toPending = async (next: number, error: KeptError) => {
    // A newer intake already queued a job that will deliver everything this one would.
    const other = await tx.pendingJob(job.conversationKey, job.kind);
    return other === undefined
      ? move('pending', next, error)
      : move('done', job.nextAttemptAt.getTime(), { text: superseded(other.id), code: null });
  };
  const keep = job.nextAttemptAt.getTime();
  let moved: boolean;
  switch (result.kind) {
    case 'done':
      moved = await move('done', keep, NO_ERROR);
      break;
    case 'dead':
      moved = await move('dead', keep, kept(result.error));
      break;
    case 'expired':
      moved = await move('expired', keep, kept(result.error));
      break;
    case 'retry':
      moved = await toPending(result.nextAttemptAt.getTime(), kept(result.error));
      break;
    case 'release':
      // Given back without an attempt: the last attempt's error still stands.
      moved = await toPending(result.nextAttemptAt.getTime(), { text: job.lastError ?? null, code: job.lastErrorCode ?? null });
      break;
  }
  if (!moved) return false;
  if (attempt !== undefined) await tx.insertAttempt(attempt);
  if (result.kind === 'done' && result.next !== undefined)
    await queueStep(tx, job.conversationKey, result.next.kind, result.next.then, job.expiresAt?.getTime() ?? null, now);
  // The job's state (and maybe its error) changed, and a step may have been queued: the
  // conversation's state is read again from its jobs, and written with what was handed on.
  const state = stateOf(await tx.openJobs(job.conversationKey));
  if (result.kind === 'done' && handsOn(result)) await handOn(tx, job, result, state, now);
  else await tx.setState(job.conversationKey, state);
  return true;
};

const handsOn = (r: Done): boolean =>
  r.conversation !== undefined || r.meta !== undefined || r.forced !== undefined || r.person !== undefined;

/**
 * What a finished step hands on, in one write of the conversation: the fetched transcript
 * (merged, the version bumped), the facts learned (meta, a record type the platform decided),
 * the person a lookup found (null: nobody).
 */
const handOn = async (tx: QueueTx, job: Job, r: Done, state: ConversationState, now: number): Promise<void> => {
  const known = await tx.conversation(job.conversationKey);
  if (known === undefined) return;
  const fetched = r.conversation !== undefined;
  const forced = r.forced ?? known.forced;
  const person = r.person === undefined ? known.person : (r.person ?? undefined);
  await tx.saveConversation(
    conversationWrite(
      {
        key: known.key,
        conversation: r.conversation === undefined ? known.conversation : mergeConversation(known.conversation, r.conversation),
        version: known.version + (fetched ? 1 : 0),
        meta: r.meta === undefined ? known.meta : { ...known.meta, ...r.meta },
        updatedAt: fetched ? new Date(now) : known.updatedAt,
        ...(forced === undefined ? {} : { forced }),
        ...(person === undefined ? {} : { person }),
      },
      state,
    ),
    false,
  );
};
