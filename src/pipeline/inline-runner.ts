/**
 * A sync webhook's steps, run here within its deadline: our own claimed step first, then the
 * steps it queues; a step held elsewhere is waited for. Never batched: the agent is waiting.
 */
import type { SyncResult } from '../domain/source';
import type { Job, StoredConversation } from '../storage/store';
import type { Answers } from './answers';
import type { StepResult } from './settle';
import type { StepsInFlight } from './steps-in-flight';
import { runStep } from './steps';
import type { RunnerDeps } from './step-deps';
import { withTimeout } from './timeout';

export interface InlineRunnerDeps {
  readonly deps: RunnerDeps;
  readonly owner: string;
  readonly steps: StepsInFlight;
  readonly answers: Answers;
  /** Shutting down: a pending step is left to the worker (of this or another process). */
  readonly stopping: () => boolean;
}

export type RunInline = (
  stored: StoredConversation,
  plan: readonly string[],
  first: { readonly jobId?: string; readonly claimed?: Job },
  deadline: number,
) => Promise<SyncResult>;

export const inlineRunner = ({ deps, owner, steps, answers, stopping }: InlineRunnerDeps): RunInline => {
  const { store, connector, now } = deps;
  const { answerFor } = answers;

  /** A step that will not finish soon: failed and waiting for its next try, or ended. */
  const settled = (job: Job | undefined) =>
    job === undefined ||
    job.state === 'dead' ||
    job.state === 'expired' ||
    (job.state === 'done' && job.then.length === 0) ||
    (job.state === 'pending' && job.attempts > 0 && job.nextAttemptAt.getTime() > now().getTime());

  return async (stored, plan, first, deadline) => {
    const key = stored.key;
    let jobId = first.jobId;
    const claimed = first.claimed;
    // Intake claimed it in the same transaction as `stored`: nothing newer can be waiting on it.
    let mine: Promise<StepResult | undefined> | undefined =
      claimed === undefined ? undefined : steps.run(claimed, () => runStep(deps, owner, claimed, stored, deadline));
    for (;;) {
      const left = deadline - now().getTime();
      if (mine !== undefined) {
        const result = await withTimeout(mine, Math.max(left, 0), () => undefined);
        mine = undefined;
        if (result === undefined) return answerFor(key, plan);
        if (result.kind === 'lost') continue;
        if (result.kind !== 'done') return answerFor(key, plan);
        // Just delivered: that record is the conversation's newest in this CRM, no need to read it back.
        if (result.record !== undefined && result.record.crm === connector.name && plan.includes('deliver'))
          return { kind: 'record', url: result.record.url };
      }
      const answer = await answerFor(key, plan);
      if (answer.kind === 'record' || left <= 0 || jobId === undefined) return answer;
      const job = await store.getJob(jobId);
      if (job?.state === 'done') {
        // Our step is done: the next one of the plan, if any, was queued with it.
        const next = job.then[0];
        const queued = next === undefined ? undefined : await store.latestJob(key, next);
        if (queued === undefined || queued.createdAt.getTime() < job.createdAt.getTime()) return answerFor(key, plan);
        jobId = queued.id;
        continue;
      }
      if (settled(job)) return answer;
      if (job?.state === 'pending' && !stopping()) {
        const retaken = await store.claimJob(job.id, owner, now(), deps.leaseMs);
        if (retaken !== undefined) {
          mine = steps.run(retaken, () => runStep(deps, owner, retaken, undefined, deadline));
          continue;
        }
      }
      await steps.waitForStep(key, Math.min(left, 50));
    }
  };
};
