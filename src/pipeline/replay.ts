/**
 * Replays dead jobs: each goes back to pending with its attempts reset and is tried once right
 * away; a job that fails again with a transient error stays queued for the worker.
 */
import { randomBytes } from 'node:crypto';
import type { Job } from '../storage/store';
import { deliver, type DeliveryDeps } from './delivery';

export interface ReplayLine {
  readonly jobId: string;
  readonly conversationKey?: string;
  readonly outcome: 'delivered' | 'retrying' | 'dead' | 'busy' | 'not dead' | 'not found';
  readonly detail: string;
}

/** `ids` are job ids or conversation keys (`olark:<id>`); `all` replays every dead job. */
export const replayDeadJobs = async (deps: DeliveryDeps & { leaseMs: number }, target: { all: true } | { ids: readonly string[] }): Promise<ReplayLine[]> => {
  const { store } = deps;
  const owner = `replay:${process.pid}:${randomBytes(4).toString('hex')}`;
  const jobs: (Job | { missing: string })[] = [];
  if ('all' in target) jobs.push(...(await store.listJobs('dead', 10_000)));
  else
    for (const id of target.ids) {
      const job = (await store.getJob(id)) ?? (await store.latestJob(id)) ?? (await store.latestJob(`olark:${id}`));
      jobs.push(job ?? { missing: id });
    }
  const lines: ReplayLine[] = [];
  for (const job of jobs) {
    if ('missing' in job) {
      lines.push({ jobId: job.missing, outcome: 'not found', detail: 'no job or conversation with this id' });
      continue;
    }
    const base = { jobId: job.id, conversationKey: job.conversationKey };
    if (job.state !== 'dead') {
      lines.push({ ...base, outcome: 'not dead', detail: `the job is ${job.state}` });
      continue;
    }
    const revived = await store.reviveJob(job.id, deps.now());
    const claimed = revived === undefined ? undefined : await store.claimJob(revived.id, owner, deps.now(), deps.leaseMs);
    if (claimed === undefined) {
      lines.push({ ...base, outcome: 'busy', detail: 'queued again; the worker delivers it when the conversation is free' });
      continue;
    }
    const result = await deliver(deps, owner, claimed);
    switch (result.kind) {
      case 'delivered':
        lines.push({ ...base, outcome: 'delivered', detail: result.record.url });
        break;
      case 'retrying':
        lines.push({ ...base, outcome: 'retrying', detail: `${result.failure.code}: ${result.failure.message} (next try ${result.nextAttemptAt.toISOString()})` });
        break;
      case 'dead':
        lines.push({ ...base, outcome: 'dead', detail: `${result.failure.code}: ${result.failure.message}` });
        break;
      case 'lost':
        lines.push({ ...base, outcome: 'busy', detail: 'another process took the job over' });
        break;
    }
  }
  return lines;
};
