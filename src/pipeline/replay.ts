/**
 * Replays dead steps of any kind: each goes back to pending with its attempts reset and is tried
 * once right away; a step that fails again with a transient error stays queued for the worker,
 * and a step that succeeds queues the steps after it (the worker runs them).
 */
import { randomBytes } from 'node:crypto';
import { conversationKey } from '../domain/conversation-key';
import type { Job } from '../storage/store';
import { runStep } from './steps';
import type { RunnerDeps } from './step-deps';

export interface ReplayLine {
  readonly jobId: string;
  readonly conversationKey?: string;
  readonly step?: Job['kind'];
  readonly outcome: 'delivered' | 'retrying' | 'dead' | 'expired' | 'busy' | 'not dead' | 'not found';
  readonly detail: string;
}

/**
 * A job id, a conversation key (`livechat:PJ0MRSHTDG`), or a bare conversation id tried on
 * every platform: the dead steps it names.
 */
const findJobs = async (deps: RunnerDeps, id: string): Promise<Job[]> => {
  const job = await deps.store.getJob(id);
  if (job !== undefined) return [job];
  const keys = [id, ...[...deps.sources.keys()].map((source) => conversationKey({ source, id }))];
  for (const key of keys) {
    const jobs = await deps.store.conversationJobs(key, 100);
    if (jobs.length > 0) {
      const dead = jobs.filter((j) => j.state === 'dead');
      return dead.length > 0 ? dead : jobs.slice(-1);
    }
  }
  return [];
};

/** `ids` are job ids or conversation ids/keys; `all` replays every dead step. */
export type ReplayTarget = { readonly all: true } | { readonly ids: readonly string[] };

/**
 * Called by the pipeline (`pipeline.replay`, for the console and `npm run replay`) with its own
 * step dependencies (stepDeps): a replayed step gets the limits of a step the worker runs.
 */
export const replayDeadJobs = async (deps: RunnerDeps, target: ReplayTarget): Promise<ReplayLine[]> => {
  const { store } = deps;
  const owner = `replay:${process.pid}:${randomBytes(4).toString('hex')}`;
  const jobs: (Job | { missing: string })[] = [];
  if ('all' in target) jobs.push(...(await store.listJobs('dead', 10_000)));
  else
    for (const id of target.ids) {
      const found = await findJobs(deps, id);
      jobs.push(...(found.length === 0 ? [{ missing: id }] : found));
    }
  const lines: ReplayLine[] = [];
  for (const job of jobs) {
    if ('missing' in job) {
      lines.push({ jobId: job.missing, outcome: 'not found', detail: 'no job or conversation with this id' });
      continue;
    }
    const base = { jobId: job.id, conversationKey: job.conversationKey, step: job.kind };
    if (job.state !== 'dead') {
      lines.push({ ...base, outcome: 'not dead', detail: `the ${job.kind} step is ${job.state}` });
      continue;
    }
    const revived = await store.reviveJob(job.id, deps.now());
    const claimed = revived === undefined ? undefined : await store.claimJob(revived.id, owner, deps.now(), deps.leaseMs);
    if (claimed === undefined) {
      lines.push({ ...base, outcome: 'busy', detail: 'queued again; the worker runs it when the conversation is free' });
      continue;
    }
    const result = await runStep(deps, owner, claimed);
    switch (result.kind) {
      case 'done':
        lines.push({ ...base, outcome: 'delivered', detail: result.record?.url ?? `${job.kind} done` });
        break;
      case 'retrying':
        lines.push({
          ...base,
          outcome: 'retrying',
          detail: `${result.failure.code}: ${result.failure.message} (next try ${result.nextAttemptAt.toISOString()})`,
        });
        break;
      case 'dead':
      case 'expired':
        lines.push({ ...base, outcome: result.kind, detail: `${result.failure.code}: ${result.failure.message}` });
        break;
      case 'lost':
        lines.push({ ...base, outcome: 'busy', detail: 'another process took the job over' });
        break;
    }
  }
  return lines;
};
