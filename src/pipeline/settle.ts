/**
 * How a step attempt ends, for every kind of step: done (handing on what it found and the next
 * step), retried later, dead, or expired. One store call moves the job on.
 */
import type { Log } from '../domain/log';
import { RATE_LIMITED, type CrmFailure } from '../domain/outcome';
import type { CrmPerson, CrmRecord } from '../domain/record';
import type { Conversation } from '../domain/conversation';
import type { Action } from '../domain/event';
import type { SourceMeta, StepKind } from '../domain/source';
import type { Attempt, Job, JobResult, Store } from '../storage/store';
import { noObserver, type Observer, type StepOutcome } from './observer';
import { nextRetry, nextRetryAfterRateLimit, type RetryDecision } from './retry-policy';

export interface SettleDeps {
  readonly store: Store;
  readonly retryScheduleMs: readonly number[];
  readonly log: Log;
  readonly now: () => Date;
  readonly random?: () => number;
  /** Told how every attempt ended (metrics, alerts). */
  readonly observer?: Observer;
}

export type StepResult =
  | { readonly kind: 'done'; readonly record?: CrmRecord; readonly person?: CrmPerson | null }
  | { readonly kind: 'retrying'; readonly failure: CrmFailure; readonly nextAttemptAt: Date }
  | { readonly kind: 'dead'; readonly failure: CrmFailure }
  | { readonly kind: 'expired'; readonly failure: CrmFailure }
  /** Our lease was taken over meanwhile; the other holder decides. */
  | { readonly kind: 'lost' };

export const describeFailure = (f: CrmFailure): string => `${f.code}: ${f.message}`;

const observe = (deps: SettleDeps, job: Job, kind: StepKind, outcome: StepOutcome, durationMs: number, failure?: CrmFailure) =>
  (deps.observer ?? noObserver).step({
    kind,
    conversationKey: job.conversationKey,
    outcome,
    seconds: durationMs / 1000,
    attempts: job.attempts + 1,
    ...(failure === undefined ? {} : { failure }),
  });

/** Rate-limit answers are counted apart: they delay a job but do not use up its schedule. */
const retryDecision = async (deps: SettleDeps, job: Job, failure: CrmFailure & { kind: 'transient' }): Promise<RetryDecision> => {
  const earlier = job.attempts === 0 ? [] : await deps.store.listAttempts(job.id);
  const rateLimited = earlier.filter((a) => a.errorCode === RATE_LIMITED).length;
  if (failure.code === RATE_LIMITED)
    return nextRetryAfterRateLimit(rateLimited + 1, deps.retryScheduleMs, failure.retryAfterMs, deps.random);
  return nextRetry(job.attempts + 1 - rateLimited, deps.retryScheduleMs, failure.retryAfterMs, deps.random);
};

/** The step after this one, given what it found: a person found by `lookup` means nothing is to be created. */
export const nextStep = (job: Job, found?: { readonly person?: CrmPerson | null }): JobResult & { kind: 'done' } => {
  const then =
    job.kind === 'lookup' && found?.person !== undefined && found.person !== null ? job.then.filter((k) => k !== 'deliver') : job.then;
  const [kind, ...rest] = then;
  return kind === undefined ? { kind: 'done' } : { kind: 'done', next: { kind, then: rest } };
};

export const succeedStep = async (
  deps: SettleDeps,
  owner: string,
  job: Job,
  started: Date,
  found: {
    readonly outcome?: 'ok' | 'skipped';
    readonly record?: { readonly value: CrmRecord; readonly version: number };
    readonly conversation?: Conversation;
    readonly meta?: SourceMeta;
    readonly forced?: Action;
    readonly person?: CrmPerson | null;
  },
): Promise<StepResult> => {
  const durationMs = deps.now().getTime() - started.getTime();
  const result: JobResult = {
    ...nextStep(job, found),
    ...(found.record === undefined
      ? {}
      : { record: { conversationKey: job.conversationKey, value: found.record.value, version: found.record.version } }),
    ...(found.conversation === undefined ? {} : { conversation: found.conversation }),
    ...(found.meta === undefined ? {} : { meta: found.meta }),
    ...(found.forced === undefined ? {} : { forced: found.forced }),
    ...(found.person === undefined ? {} : { person: found.person }),
  };
  const ok = await deps.store.finishJob({
    jobId: job.id,
    owner,
    now: deps.now(),
    attempt: { jobId: job.id, startedAt: started, durationMs, outcome: found.outcome ?? 'ok' },
    result,
  });
  observe(deps, job, job.kind, ok ? (found.outcome ?? 'ok') : 'lost', durationMs);
  if (!ok) return { kind: 'lost' };
  return {
    kind: 'done',
    ...(found.record === undefined ? {} : { record: found.record.value }),
    ...(found.person === undefined ? {} : { person: found.person }),
  };
};

export const failStep = async (
  deps: SettleDeps,
  owner: string,
  job: Job,
  started: Date,
  failure: CrmFailure,
  kind: StepKind = job.kind,
): Promise<StepResult> => {
  const log = deps.log.child({ job: job.id, step: kind });
  const durationMs = deps.now().getTime() - started.getTime();
  const attempt: Attempt = {
    jobId: job.id,
    startedAt: started,
    durationMs,
    outcome: failure.kind,
    ...(failure.status === undefined ? {} : { crmStatus: failure.status }),
    error: describeFailure(failure),
    errorCode: failure.code,
  };
  const finish = (result: JobResult) => deps.store.finishJob({ jobId: job.id, owner, now: deps.now(), attempt, result });
  const decision = failure.kind === 'permanent' ? ({ kind: 'dead' } as const) : await retryDecision(deps, job, failure);
  if (decision.kind === 'dead') {
    const ok = await finish({ kind: 'dead', error: { code: failure.code, message: failure.message } });
    observe(deps, job, kind, ok ? 'dead' : 'lost', durationMs, failure);
    log.warn({ code: failure.code, status: failure.status, attempts: job.attempts + 1 }, 'step dead');
    return ok ? { kind: 'dead', failure } : { kind: 'lost' };
  }
  const nextAttemptAt = new Date(deps.now().getTime() + decision.delayMs);
  if (job.expiresAt !== undefined && nextAttemptAt.getTime() > job.expiresAt.getTime()) {
    const ok = await finish({
      kind: 'expired',
      error: { code: failure.code, message: `${failure.message} (gave up: what it was for is over)` },
    });
    observe(deps, job, kind, ok ? 'expired' : 'lost', durationMs, failure);
    log.info({ code: failure.code, attempts: job.attempts + 1 }, 'step expired');
    return ok ? { kind: 'expired', failure } : { kind: 'lost' };
  }
  const ok = await finish({ kind: 'retry', nextAttemptAt, error: { code: failure.code, message: failure.message } });
  observe(deps, job, kind, ok ? 'retry' : 'lost', durationMs, failure);
  log.warn(
    { code: failure.code, status: failure.status, attempts: job.attempts + 1, retryInMs: decision.delayMs },
    'step failed, will retry',
  );
  return ok ? { kind: 'retrying', failure, nextAttemptAt } : { kind: 'lost' };
};
