/**
 * The `deliver` step: decide lead or case (the one place it is decided), call the connector
 * with a timeout, and move the job on. Within a sync webhook's deadline, a transient failure is
 * tried again after a short pause, so a passing 502 still gives the agent the record's own link.
 */
import type { Connector, UpsertInput } from '../domain/connector';
import type { Conversation } from '../domain/conversation';
import type { Action } from '../domain/event';
import { mapConversation, type Mapping } from '../domain/mapping';
import { RATE_LIMITED, type Outcome } from '../domain/outcome';
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
const upsertInput = (deps: DeliveryDeps, action: Action, conversation: Conversation, previous?: CrmRecord): UpsertInput => ({
  action,
  conversation,
  ...(previous === undefined ? {} : { previous }),
  ...(deps.mapping === undefined ? {} : { fields: mapConversation(deps.mapping, conversation, action) }),
});

/** Pauses between quick retries inside a sync deadline. */
const QUICK_BACKOFF_MS = [250, 500, 1000, 2000];

// A bug in a connector must not lose the transcript: callOutside logs it and the step is tried again on the schedule.
const callUpsert = (deps: DeliveryDeps, input: Parameters<Connector['upsert']>[0]): Promise<Outcome<CrmRecord>> =>
  callOutside(deps.log, 'the CRM', () => deps.connector.upsert(input), deps.callTimeoutMs);

const upsertOnce = async (deps: DeliveryDeps, input: Parameters<Connector['upsert']>[0]): Promise<Outcome<CrmRecord>> => {
  const started = deps.now().getTime();
  const outcome = await callUpsert(deps, input);
  deps.observer?.call({
    target: deps.connector.name,
    kind: 'deliver',
    seconds: (deps.now().getTime() - started) / 1000,
    ...(outcome.ok ? {} : { failure: outcome.failure }),
  });
  return outcome;
};

/**
 * @param known the snapshot the job was claimed with, when intake claimed it in the same
 *   transaction (nothing newer can be waiting on this job then); otherwise it is read.
 * @param retryUntil quick retries of transient failures while a pause and another try fit before it.
 */
export const deliver = async (
  deps: DeliveryDeps,
  owner: string,
  job: Job,
  known?: StoredConversation,
  retryUntil?: number,
): Promise<StepResult> => {
  const { store, connector } = deps;
  const started = deps.now();
  const stored = known ?? (await store.getConversation(job.conversationKey));
  if (stored === undefined) throw new Error(`job ${job.id} points at a conversation that is not stored`);
  const action = decideAction(stored.conversation, deps.rules, stored.forced);
  // A conversation intake has just created and claimed for this step (version 1) has no record yet.
  const previous = known !== undefined && stored.version === 1 ? undefined : await store.getRecord(stored.key, action, connector.name);

  if (previous !== undefined && previous.version >= stored.version)
    // An earlier job already carried this version (20 POSTs of one chat at once share the work).
    return succeedStep(deps, owner, job, started, { outcome: 'skipped', record: { value: previous.record, version: previous.version } });

  const input = upsertInput(deps, action, stored.conversation, previous?.record);
  let outcome = await upsertOnce(deps, input);
  for (let i = 0; !outcome.ok && outcome.failure.kind === 'transient' && retryUntil !== undefined && i < QUICK_BACKOFF_MS.length; i++) {
    const failure = outcome.failure;
    // A few ms over Retry-After: timers may fire a millisecond early by the wall clock.
    const pause = Math.max(failure.retryAfterMs === undefined ? 0 : failure.retryAfterMs + 5, QUICK_BACKOFF_MS[i] ?? 0);
    // A rate limit with a long wait is the limiter's business, not something to sit out here.
    if (failure.code === RATE_LIMITED && failure.retryAfterMs === undefined) break;
    if (deps.now().getTime() + pause + 100 >= retryUntil) break;
    await sleep(pause);
    outcome = await upsertOnce(deps, input);
  }

  if (outcome.ok) {
    const result = await succeedStep(deps, owner, job, started, { record: { value: outcome.value, version: stored.version } });
    deps.log.info({ job: job.id, action, crm: connector.name, attempts: job.attempts + 1 }, 'delivered');
    return result;
  }
  return failStep(deps, owner, job, started, outcome.failure);
};

/**
 * The `deliver` step for a CRM kept in our own database, as the write the store makes in the
 * intake's transaction (`deliverHere`); undefined for any other CRM.
 */
export const deliveryHere = (deps: DeliveryDeps): ((stored: StoredConversation) => LocalDelivery) | undefined => {
  const inStore = deps.connector.inStore;
  if (inStore === undefined) return undefined;
  return (stored) => inStore(upsertInput(deps, decideAction(stored.conversation, deps.rules, stored.forced), stored.conversation));
};

/** What a run of the step would have told about a delivery made in the intake's transaction. */
export const announceDeliveredHere = (deps: DeliveryDeps, key: string, delivered: DeliveredHere): void => {
  const seconds = delivered.durationMs / 1000;
  deps.observer?.call({ target: deps.connector.name, kind: 'deliver', seconds });
  deps.observer?.step({ kind: 'deliver', conversationKey: key, outcome: 'ok', seconds, attempts: 1 });
  deps.log.info({ job: delivered.jobId, action: delivered.record.action, crm: deps.connector.name, attempts: 1 }, 'delivered');
};
