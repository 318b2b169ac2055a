/**
 * The `deliver` step: decide lead or case (the one place it is decided), call the connector
 * with a timeout, and move the job on. Within a sync webhook's deadline, a transient failure is
 * tried again after a short pause, so a passing 502 still gives the agent the record's own link.
 * The worker's batched path (delivery-batch.ts) builds its inputs and settles its outcomes with
 * `prepareDelivery` and `settleDelivery` below, so a job delivered in a batch ends exactly as one
 * delivered alone.
 */
import type { Connector, UpsertInput } from '../domain/connector';
import type { Action } from '../domain/event';
import { mapConversation, type Mapping } from '../domain/mapping';
import { RATE_LIMITED, type CrmFailure, type Outcome } from '../domain/outcome';
import type { CrmRecord } from '../domain/record';
import { decideAction, type RoutingRules } from '../domain/routing';
import type { LocalDelivery } from '../domain/local-records';
import type { DeliveredHere, Job, StoredConversation } from '../storage/store';
import { failStep, succeedStep, type SettleDeps, type StepResult } from './settle';
import { callOutside } from './outside-call';
import { sleep } from './timeout';

export interface DeliveryDeps extends SettleDeps {
  readonly connector: Connector;
  readonly rules: RoutingRules;
  readonly callTimeoutMs: number;
  /** MAPPING_FILE's mapping; absent: connectors get no `fields`. */
  readonly mapping?: Mapping;
}

/** The connector's input: the mapped fields come along only when a mapping is configured. */
const upsertInput = (deps: DeliveryDeps, stored: StoredConversation, previous?: CrmRecord): UpsertInput => {
  const action = decideAction(stored.conversation, deps.rules, stored.forced);
  return {
    action,
    conversation: stored.conversation,
    ...(previous === undefined ? {} : { previous }),
    ...(deps.mapping === undefined ? {} : { fields: mapConversation(deps.mapping, stored.conversation, action) }),
  };
};

/** Pauses between quick retries inside a sync deadline. */
const QUICK_BACKOFF_MS = [250, 500, 1000, 2000];

/** What a `deliver` job is to do: nothing (an earlier job carried this version already), or this call. */
export type PreparedDelivery =
  | { readonly kind: 'skip'; readonly record: CrmRecord; readonly version: number }
  | { readonly kind: 'call'; readonly input: UpsertInput; readonly version: number };

/**
 * @param known the snapshot the job was claimed with, when intake claimed it in the same
 *   transaction (nothing newer can be waiting on this job then); otherwise it is read.
 */
export const prepareDelivery = async (deps: DeliveryDeps, job: Job, known?: StoredConversation): Promise<PreparedDelivery> => {
  const { store, connector } = deps;
  const stored = known ?? (await store.getConversation(job.conversationKey));
  if (stored === undefined) throw new Error(`job ${job.id} points at a conversation that is not stored`);
  const action: Action = decideAction(stored.conversation, deps.rules, stored.forced);
  // A conversation intake has just created and claimed for this step (version 1) has no record yet.
  const previous = known !== undefined && stored.version === 1 ? undefined : await store.getRecord(stored.key, action, connector.name);
  if (previous !== undefined && previous.version >= stored.version)
    // An earlier job already carried this version (20 POSTs of one chat at once share the work).
    return { kind: 'skip', record: previous.record, version: previous.version };
  return { kind: 'call', input: upsertInput(deps, stored, previous?.record), version: stored.version };
};

/** The one place a delivery's outcome moves its job on: done with its record, or failStep's retry / dead / expired. */
export const settleDelivery = async (
  deps: DeliveryDeps,
  owner: string,
  job: Job,
  started: Date,
  prepared: PreparedDelivery,
  outcome?: Outcome<CrmRecord>,
): Promise<StepResult> => {
  if (prepared.kind === 'skip')
    return succeedStep(deps, owner, job, started, { outcome: 'skipped', record: { value: prepared.record, version: prepared.version } });
  if (outcome === undefined) throw new Error(`delivery of job ${job.id} settled without an outcome`);
  if (!outcome.ok) return failStep(deps, owner, job, started, outcome.failure);
  const result = await succeedStep(deps, owner, job, started, { record: { value: outcome.value, version: prepared.version } });
  deps.log.info({ job: job.id, action: prepared.input.action, crm: deps.connector.name, attempts: job.attempts + 1 }, 'delivered');
  return result;
};

/** A connector's call with its time limit; a throw (a bug in a connector) is a transient failure, logged (outside-call.ts). */
export const guardedCrmCall = <T>(deps: DeliveryDeps, call: () => Promise<Outcome<T>>): Promise<Outcome<T>> =>
  callOutside(deps.log, 'the CRM', call, deps.callTimeoutMs);

/** Tells the observer of one CRM `deliver` call (a batch call is one call). */
export const observeDeliverCall = (deps: DeliveryDeps, startedMs: number, failure?: CrmFailure): void =>
  deps.observer?.call({
    target: deps.connector.name,
    kind: 'deliver',
    seconds: (deps.now().getTime() - startedMs) / 1000,
    ...(failure === undefined ? {} : { failure }),
  });

const upsertOnce = async (deps: DeliveryDeps, input: UpsertInput): Promise<Outcome<CrmRecord>> => {
  const started = deps.now().getTime();
  const outcome = await guardedCrmCall(deps, () => deps.connector.upsert(input));
  observeDeliverCall(deps, started, outcome.ok ? undefined : outcome.failure);
  return outcome;
};

/**
 * @param known see prepareDelivery.
 * @param retryUntil quick retries of transient failures while a pause and another try fit before it.
 */
export const deliver = async (
  deps: DeliveryDeps,
  owner: string,
  job: Job,
  known?: StoredConversation,
  retryUntil?: number,
): Promise<StepResult> => {
  const started = deps.now();
  const prepared = await prepareDelivery(deps, job, known);
  if (prepared.kind === 'skip') return settleDelivery(deps, owner, job, started, prepared);
  let outcome = await upsertOnce(deps, prepared.input);
  for (let i = 0; !outcome.ok && outcome.failure.kind === 'transient' && retryUntil !== undefined && i < QUICK_BACKOFF_MS.length; i++) {
    const failure = outcome.failure;
    // A few ms over Retry-After: timers may fire a millisecond early by the wall clock.
    const pause = Math.max(failure.retryAfterMs === undefined ? 0 : failure.retryAfterMs + 5, QUICK_BACKOFF_MS[i] ?? 0);
    // A rate limit with a long wait is the limiter's business, not something to sit out here.
    if (failure.code === RATE_LIMITED && failure.retryAfterMs === undefined) break;
    if (deps.now().getTime() + pause + 100 >= retryUntil) break;
    await sleep(pause);
    outcome = await upsertOnce(deps, prepared.input);
  }
  return settleDelivery(deps, owner, job, started, prepared, outcome);
};

/**
 * A connector that can write its record in the store's own transaction (`Connector.inStore`):
 * the intake then makes a sync webhook's `deliver` in the same commit as the transcript, and the
 * agent's answer waits for nothing else. The one place pipeline code asks a connector for it;
 * undefined when the connector cannot.
 */
export interface DeliveryHere {
  /** The write the store makes in the intake's transaction. */
  readonly write: (stored: StoredConversation) => LocalDelivery;
  /** What a run of the step would have told about the delivery made there. */
  readonly announce: (key: string, delivered: DeliveredHere) => void;
}

export const deliveryHere = (deps: DeliveryDeps): DeliveryHere | undefined => {
  const inStore = deps.connector.inStore;
  if (inStore === undefined) return undefined;
  return {
    write: (stored) => inStore(upsertInput(deps, stored)),
    announce(key, delivered) {
      const seconds = delivered.durationMs / 1000;
      deps.observer?.call({ target: deps.connector.name, kind: 'deliver', seconds });
      deps.observer?.step({ kind: 'deliver', conversationKey: key, outcome: 'ok', seconds, attempts: 1 });
      deps.log.info({ job: delivered.jobId, action: delivered.record.action, crm: deps.connector.name, attempts: 1 }, 'delivered');
    },
  };
};
