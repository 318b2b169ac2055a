/**
 * Several claimed `deliver` jobs, of different conversations, in one `upsertBatch` call (the
 * worker's batched path; a sync webhook's delivery never waits for one). Each job keeps its own
 * outcome: its input is built by `prepareDelivery` and its outcome settled by `settleDelivery`,
 * the same two functions a single delivery uses, so a refused record ends its job dead, a
 * transient one retries it on the schedule (a rate limit without spending a try), and the others
 * are done with their record.
 */
import type { UpsertInput } from '../domain/connector';
import { succeed, type Outcome } from '../domain/outcome';
import type { CrmRecord } from '../domain/record';
import type { Job } from '../storage/store';
import { guardedCrmCall, observeDeliverCall, prepareDelivery, settleDelivery, type PreparedDelivery } from './delivery';
import type { StepResult } from './settle';
import { expiredStep, type StepDeps } from './steps';

/** A job of a batch: its step result, or to be tried alone (the batch call failed as a whole; the job is still ours). */
export type BatchJobResult = StepResult | { readonly kind: 'alone' };

export type UpsertBatch = (inputs: readonly UpsertInput[]) => Promise<readonly Outcome<CrmRecord>[]>;

type Prepared = { readonly job: Job; readonly prepared: PreparedDelivery } | { readonly job: Job; readonly result: Promise<StepResult> };

/**
 * One batch call, bounded by CRM_TIMEOUT_MS like a single call (so it ends well inside the
 * jobs' lease). Undefined when it threw, timed out, or answered with the wrong number of
 * outcomes: it then says nothing about any one record.
 */
const callBatch = async (deps: StepDeps, upsertBatch: UpsertBatch, inputs: readonly UpsertInput[]) => {
  const started = deps.now().getTime();
  const answered = await guardedCrmCall(deps, async () => succeed(await upsertBatch(inputs)));
  const outcomes = answered.ok && answered.value.length === inputs.length ? answered.value : undefined;
  if (answered.ok && outcomes === undefined)
    deps.log.error(
      { inputs: inputs.length, outcomes: answered.value.length },
      'connector answered a batch with the wrong number of outcomes',
    );
  // One call to the CRM, whatever the number of transcripts in it; failed when nothing of it got through.
  const failed = !answered.ok
    ? answered.failure
    : outcomes?.every((o) => !o.ok) === true
      ? outcomes.find((o) => !o.ok)?.failure
      : undefined;
  observeDeliverCall(deps, started, failed);
  return outcomes;
};

/**
 * Delivers `jobs` (claimed by `owner`, each of a different conversation) with one call.
 * Returns one promise per job, in order; a promise rejects only when its job could not even be
 * read or recorded (the worker logs it and the lease runs out, as for a single step).
 */
export const deliverBatch = (deps: StepDeps, owner: string, jobs: readonly Job[], upsertBatch: UpsertBatch): Promise<BatchJobResult>[] => {
  const started = deps.now();
  const prepared: Promise<Prepared>[] = jobs.map(async (job) => {
    const expired = expiredStep(deps, owner, job, started);
    return expired === undefined ? { job, prepared: await prepareDelivery(deps, job) } : { job, result: expired };
  });
  const toCall = Promise.allSettled(prepared).then((all) =>
    all.flatMap((p) => (p.status === 'fulfilled' && 'prepared' in p.value && p.value.prepared.kind === 'call' ? [p.value] : [])),
  );
  const outcomes = toCall.then(async (calls) => {
    const inputs = calls.flatMap((c) => ('prepared' in c && c.prepared.kind === 'call' ? [c.prepared.input] : []));
    if (inputs.length === 0) return new Map<Job, Outcome<CrmRecord>>();
    const answered = await callBatch(deps, upsertBatch, inputs);
    return answered === undefined ? undefined : new Map(calls.map((c, i) => [c.job, answered[i]] as const));
  });
  return prepared.map(async (p): Promise<BatchJobResult> => {
    const ready = await p;
    if ('result' in ready) return ready.result;
    if (ready.prepared.kind === 'skip') return settleDelivery(deps, owner, ready.job, started, ready.prepared);
    const byJob = await outcomes;
    // The call failed as a whole (a throw, a timeout): it tells nothing about this record. The
    // worker gives the job back to be tried alone (worker.ts).
    if (byJob === undefined) return { kind: 'alone' };
    return settleDelivery(deps, owner, ready.job, started, ready.prepared, byJob.get(ready.job));
  });
};
