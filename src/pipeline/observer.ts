/**
 * What the edge and the pipeline tell the outside about their work (metrics, alerts), as plain
 * facts. Observers run inline on the hot path: they must be quick and must not throw; anything
 * slow (an alert's POST) they start and forget, handling its failures themselves.
 */
import type { ConversationKey } from '../domain/conversation-key';
import type { ErrorCode } from '../domain/errors';
import type { CrmFailure } from '../domain/outcome';
import type { InboundEvent, StepKind } from '../domain/source';

/**
 * Per event taken in: `stored`, `duplicate` (its key was seen before), `ignored` (an event type we
 * do not act on), `test` (a platform's "send test"). Per request refused at the webhook edge:
 * `rejected` (a 4xx, with its code) or `failed` (a 5xx: nothing stored, the platform retries).
 */
export type WebhookOutcome = 'stored' | 'duplicate' | Exclude<InboundEvent['kind'], 'conversation'> | 'rejected' | 'failed';

/**
 * What one attempt of a step did to it: `ok`, `skipped` (nothing to do), `retry` (failed, tried
 * again later), `dead` (failed for good: permanent, or out of tries), `expired` (gave up: what it
 * was for is over), `lost` (another process took the step over meanwhile).
 */
export type StepOutcome = 'ok' | 'skipped' | 'retry' | 'dead' | 'expired' | 'lost';

export interface StepObservation {
  readonly kind: StepKind;
  readonly conversationKey: ConversationKey;
  readonly outcome: StepOutcome;
  readonly seconds: number;
  /** Attempts made, this one included. */
  readonly attempts: number;
  readonly failure?: CrmFailure;
}

/** How an outside call ended: `ok`, or the kind of its failure (the `outcome` label of chat2crm_outside_calls_total). */
export type CallOutcome = 'ok' | CrmFailure['kind'];

export const callOutcome = (failure: CrmFailure | undefined): CallOutcome => (failure === undefined ? 'ok' : failure.kind);

/** One call to a CRM (`lookup`, `deliver`) or a platform API (`fetch`, `notify`). */
export interface CallObservation {
  /** The CRM's name for lookup/deliver, the platform's for fetch/notify. */
  readonly target: string;
  readonly kind: StepKind;
  readonly seconds: number;
  readonly failure?: CrmFailure;
}

export interface Observer {
  /** @param code the catalogue's code of a refused request (errors.ts). */
  webhook(source: string, outcome: WebhookOutcome, code?: ErrorCode): void;
  step(observation: StepObservation): void;
  call(observation: CallObservation): void;
}

export const noObserver: Observer = {
  webhook: () => undefined,
  step: () => undefined,
  call: () => undefined,
};

/** Tells every observer, in order. */
export const observeAll = (...observers: readonly Observer[]): Observer => ({
  webhook: (source, outcome, code) => {
    for (const o of observers) o.webhook(source, outcome, code);
  },
  step: (observation) => {
    for (const o of observers) o.step(observation);
  },
  call: (observation) => {
    for (const o of observers) o.call(observation);
  },
});
