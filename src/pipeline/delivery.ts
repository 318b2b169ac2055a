/**
 * One delivery attempt of a claimed job: decide lead or case, call the connector with a
 * timeout, and move the job on (done, retry later, or dead) in one store call.
 */
import type { Connector } from '../domain/connector';
import type { Log } from '../domain/log';
import { RATE_LIMITED, fail, transient, type CrmFailure, type Outcome } from '../domain/outcome';
import type { CrmRecord } from '../domain/record';
import { decideAction, type RoutingRules } from '../domain/routing';
import type { Job, Store, StoredConversation } from '../storage/store';
import { nextRetry, nextRetryAfterRateLimit, type RetryDecision } from './retry-policy';
import { withTimeout } from './timeout';

export interface DeliveryDeps {
  readonly store: Store;
  readonly connector: Connector;
  readonly rules: RoutingRules;
  readonly retryScheduleMs: readonly number[];
  readonly callTimeoutMs: number;
  readonly log: Log;
  readonly now: () => Date;
  readonly random?: () => number;
}

export type DeliveryResult =
  | { readonly kind: 'delivered'; readonly record: CrmRecord }
  | { readonly kind: 'retrying'; readonly failure: CrmFailure; readonly nextAttemptAt: Date }
  | { readonly kind: 'dead'; readonly failure: CrmFailure }
  /** Our lease was taken over meanwhile; the other holder decides. */
  | { readonly kind: 'lost' };

const describe = (f: CrmFailure) => `${f.code}: ${f.message}`;

/** Rate-limit answers are counted apart: they delay a job but do not use up its schedule. */
const retryDecision = async (deps: DeliveryDeps, job: Job, failure: CrmFailure & { kind: 'transient' }): Promise<RetryDecision> => {
  const earlier = job.attempts === 0 ? [] : await deps.store.listAttempts(job.id);
  const rateLimited = earlier.filter((a) => a.error?.startsWith(`${RATE_LIMITED}:`) === true).length;
  if (failure.code === RATE_LIMITED) return nextRetryAfterRateLimit(rateLimited + 1, deps.retryScheduleMs, failure.retryAfterMs, deps.random);
  return nextRetry(job.attempts + 1 - rateLimited, deps.retryScheduleMs, failure.retryAfterMs, deps.random);
};

/**
 * @param known the snapshot the job was claimed with, when intake claimed it in the same
 *   transaction (nothing newer can be waiting on this job then); otherwise it is read.
 */
export const deliver = async (deps: DeliveryDeps, owner: string, job: Job, known?: StoredConversation): Promise<DeliveryResult> => {
  const { store, connector } = deps;
  const log = deps.log.child({ job: job.id });
  const started = deps.now();
  const stored = known ?? (await store.getConversation(job.conversationKey));
  if (stored === undefined) throw new Error(`job ${job.id} points at a conversation that is not stored`);
  const action = decideAction(stored.conversation, deps.rules, stored.forced);
  const previous = await store.getRecord(stored.key, action, connector.name);

  if (previous !== undefined && previous.version >= stored.version) {
    // An earlier job already carried this version (20 POSTs of one chat at once share the work).
    const ok = await store.finishJob({
      jobId: job.id,
      owner,
      now: deps.now(),
      attempt: { jobId: job.id, startedAt: started, durationMs: 0, outcome: 'skipped' },
      result: { kind: 'done' },
    });
    return ok ? { kind: 'delivered', record: previous.record } : { kind: 'lost' };
  }

  let outcome: Outcome<CrmRecord>;
  try {
    outcome = await withTimeout(
      connector.upsert({ action, conversation: stored.conversation, ...(previous === undefined ? {} : { previous: previous.record }) }),
      deps.callTimeoutMs,
      () => fail(transient('CRM_TIMEOUT', `the CRM did not answer within ${deps.callTimeoutMs} ms`)),
    );
  } catch (error) {
    // A bug in a connector must not lose the transcript: log it and try again on the schedule.
    log.error({ err: error }, 'connector threw');
    outcome = fail(transient('INTERNAL_ERROR', 'unexpected error in the connector (see the service log)'));
  }
  const durationMs = deps.now().getTime() - started.getTime();

  if (outcome.ok) {
    const record = outcome.value;
    const ok = await store.finishJob({
      jobId: job.id,
      owner,
      now: deps.now(),
      attempt: { jobId: job.id, startedAt: started, durationMs, outcome: 'ok' },
      result: { kind: 'done', record: { conversationKey: stored.key, value: record, version: stored.version } },
    });
    log.info({ action, crm: connector.name, durationMs, attempts: job.attempts + 1 }, 'delivered');
    return ok ? { kind: 'delivered', record } : { kind: 'lost' };
  }

  const failure = outcome.failure;
  const attempt = {
    jobId: job.id,
    startedAt: started,
    durationMs,
    outcome: failure.kind,
    ...(failure.status === undefined ? {} : { crmStatus: failure.status }),
    error: describe(failure),
  };
  const decision = failure.kind === 'permanent' ? ({ kind: 'dead' } as const) : await retryDecision(deps, job, failure);
  if (decision.kind === 'dead') {
    const ok = await store.finishJob({ jobId: job.id, owner, now: deps.now(), attempt, result: { kind: 'dead', error: describe(failure) } });
    log.warn({ code: failure.code, status: failure.status, attempts: job.attempts + 1 }, 'delivery dead');
    return ok ? { kind: 'dead', failure } : { kind: 'lost' };
  }
  const nextAttemptAt = new Date(deps.now().getTime() + decision.delayMs);
  const ok = await store.finishJob({ jobId: job.id, owner, now: deps.now(), attempt, result: { kind: 'retry', nextAttemptAt, error: describe(failure) } });
  log.warn({ code: failure.code, status: failure.status, attempts: job.attempts + 1, retryInMs: decision.delayMs }, 'delivery failed, will retry');
  return ok ? { kind: 'retrying', failure, nextAttemptAt } : { kind: 'lost' };
};
