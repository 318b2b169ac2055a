/**
 * One attempt of a claimed step, whatever its kind. `fetch` and `notify` call the platform's
 * client; `lookup` and `deliver` the CRM connector. Every call has a time limit, and a throw
 * from a client or connector is a transient failure (logged), never a lost conversation.
 */
import { splitConversationKey } from '../domain/conversation-key';
import { permanent, type Outcome } from '../domain/outcome';
import type { ChatSource, ConversationView, ShownLink, StepKind } from '../domain/source';
import type { Job, StoredConversation } from '../storage/store';
import { deliver, type DeliveryDeps } from './delivery';
import { failStep, succeedStep, type StepResult } from './settle';
import { recordOf } from './links';
import { callOutside } from './outside-call';

export interface StepDeps extends DeliveryDeps {
  /** The platforms, by name: their clients run `fetch` and `notify`. */
  readonly sources: ReadonlyMap<string, ChatSource>;
  /**
   * The whole of a platform step, which may make several calls (each bounded by the client with
   * `callTimeoutMs`); kept below the lease so a live process never loses its step mid-way
   * (stepTimeoutFor in step-deps.ts, which makes these dependencies).
   */
  readonly stepTimeoutMs: number;
}

/** One outside call with its time limit; `target` (the CRM or platform called) is what metrics count it under. */
const guarded = async <T>(
  deps: StepDeps,
  called: { readonly target: string; readonly kind: StepKind },
  what: string,
  call: () => Promise<Outcome<T>>,
): Promise<Outcome<T>> => {
  const started = deps.now().getTime();
  // A CRM call is one connector call; a platform step may be several calls of the client's own.
  const outcome = await callOutside(
    deps.log,
    what,
    call,
    called.kind === 'fetch' || called.kind === 'notify' ? deps.stepTimeoutMs : deps.callTimeoutMs,
  );
  deps.observer?.call({ ...called, seconds: (deps.now().getTime() - started) / 1000, ...(outcome.ok ? {} : { failure: outcome.failure }) });
  return outcome;
};

const viewOf = (stored: StoredConversation): ConversationView => ({
  id: splitConversationKey(stored.key).id,
  conversation: stored.conversation,
  meta: stored.meta,
});

/** The link `notify` shows: the conversation's newest record in this CRM, else the person a lookup found. */
export const linkToShow = async (
  deps: Pick<StepDeps, 'store' | 'connector'>,
  stored: StoredConversation,
): Promise<ShownLink | undefined> => {
  const record = await recordOf(deps.store, stored.key, deps.connector.name);
  const { visitor } = stored.conversation;
  if (record !== undefined)
    return {
      url: record.record.url,
      kind: 'record',
      label: record.record.action,
      ...(visitor.name === undefined ? {} : { name: visitor.name }),
      ...(visitor.company === undefined ? {} : { company: visitor.company }),
    };
  const { person } = stored;
  if (person !== undefined)
    return {
      url: person.url,
      kind: 'person',
      label: person.type,
      ...(person.name === undefined ? {} : { name: person.name }),
      ...(person.company === undefined ? {} : { company: person.company }),
    };
  return undefined;
};

const noClient = (source: string, what: string) =>
  permanent('SOURCE_CANNOT', `the ${source} platform has no ${what} (this step cannot run: a bug in its plan)`);

/** A step past its `expiresAt` is not tried (too late to be of use): it ends expired, undefined otherwise. */
export const expiredStep = (deps: StepDeps, owner: string, job: Job, started: Date): Promise<StepResult> | undefined =>
  job.expiresAt !== undefined && started.getTime() > job.expiresAt.getTime()
    ? failStep({ ...deps, retryScheduleMs: [] }, owner, job, started, permanent('EXPIRED', 'too late to be of use'))
    : undefined;

export const runStep = async (
  deps: StepDeps,
  owner: string,
  job: Job,
  known?: StoredConversation,
  retryUntil?: number,
): Promise<StepResult> => {
  const started = deps.now();
  const expired = expiredStep(deps, owner, job, started);
  if (expired !== undefined) return expired;
  if (job.kind === 'deliver') return deliver(deps, owner, job, known, retryUntil);
  const stored = known ?? (await deps.store.getConversation(job.conversationKey));
  if (stored === undefined) throw new Error(`step ${job.id} points at a conversation that is not stored`);
  const sourceName = splitConversationKey(stored.key).source;
  const source = deps.sources.get(sourceName);

  switch (job.kind) {
    case 'fetch': {
      const fetchConversation = source?.client?.fetchConversation?.bind(source.client);
      if (fetchConversation === undefined)
        return failStep(deps, owner, job, started, noClient(sourceName, 'API client to fetch conversations'));
      const fetched = await guarded(deps, { target: sourceName, kind: 'fetch' }, `the ${sourceName} API`, () =>
        fetchConversation(viewOf(stored)),
      );
      if (!fetched.ok) return failStep(deps, owner, job, started, fetched.failure);
      const { facts, ...conversation } = fetched.value;
      return succeedStep(deps, owner, job, started, {
        conversation,
        ...(facts?.meta === undefined ? {} : { meta: facts.meta }),
        ...(facts?.forced === undefined ? {} : { forced: facts.forced }),
      });
    }
    case 'lookup': {
      const email = stored.conversation.visitor.email;
      if (email === undefined) return succeedStep(deps, owner, job, started, { outcome: 'skipped', person: null });
      const found = await guarded(deps, { target: deps.connector.name, kind: 'lookup' }, 'the CRM', () => deps.connector.findPerson(email));
      return found.ok
        ? succeedStep(deps, owner, job, started, { person: found.value ?? null })
        : failStep(deps, owner, job, started, found.failure);
    }
    case 'notify': {
      const showRecord = source?.client?.showRecord?.bind(source.client);
      const link = await linkToShow(deps, stored);
      if (link === undefined || showRecord === undefined) return succeedStep(deps, owner, job, started, { outcome: 'skipped' });
      const shown = await guarded(deps, { target: sourceName, kind: 'notify' }, `the ${sourceName} API`, () =>
        showRecord(viewOf(stored), link),
      );
      return shown.ok ? succeedStep(deps, owner, job, started, {}) : failStep(deps, owner, job, started, shown.failure);
    }
  }
};
