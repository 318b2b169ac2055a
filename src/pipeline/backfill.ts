/**
 * `npm run backfill`: a platform's finished conversations of a time range, listed page by page
 * (`PlatformClient.listArchived`) and taken in as their webhooks would have been (same events,
 * same dedup keys, same intake), so a conversation is never taken twice, whether its webhook came
 * before, comes later, or the backfill runs again. Collaborators are passed in (scripts/backfill.ts
 * wires the real ones).
 *
 * After each page, where the listing stands is saved in a store setting (backfill-state.ts): a
 * stop between pages loses nothing, a second run goes on from there, and a run after completion
 * lists nothing. A 429 is waited out as the platform asks and is no failure; other transient
 * failures are tried again with a backoff, then the run stops (resumable).
 */
import { RATE_LIMITED, type CrmFailure, type Outcome } from '../domain/outcome';
import type { ArchivePage, ArchiveQuery, ChatSource, InboundEvent } from '../domain/source';
import { backfillProgressSetting, backfillSetting, readBackfillState, type BackfillRange, type BackfillState } from './backfill-state';

export type ConversationEvent = Extract<InboundEvent, { kind: 'conversation' }>;

/** Why a platform cannot be backfilled, or undefined when it can (its client lists archived conversations). */
export const backfillRefusal = (title: string, source: ChatSource): string | undefined => {
  const client = source.client;
  if (client?.listArchived !== undefined) return undefined;
  if (client?.fetchConversation === undefined)
    return `${title} has no transcript API: its chats reach chat2crm only through its webhooks, so there is nothing to list past chats from.`;
  return `${title}'s API reads a conversation by its id but has no way to list closed conversations, so past chats cannot be found.`;
};

export interface IntakeCounts {
  readonly queued: number;
  readonly known: number;
}

export interface BackfillDeps {
  readonly list: (query: ArchiveQuery) => Promise<Outcome<ArchivePage>>;
  /** Takes a page's conversation events in as the webhook intake does; how many were new. */
  readonly intake: (events: readonly ConversationEvent[]) => Promise<IntakeCounts>;
  readonly getSetting: (key: string) => Promise<string | undefined>;
  readonly setSetting: (key: string, value: string) => Promise<void>;
  /** Asked before each page (and during waits): true stops the run after the page in hand. */
  readonly stopRequested: () => boolean;
  /** Waits, returning early when a stop is requested. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  readonly onProgress?: (state: BackfillState) => void;
  /** A 429 or a transient failure, as it happens (the script prints it). */
  readonly onWait?: (failure: CrmFailure, waitMs: number) => void;
  /** Waits after a transient failure other than a 429; one try more than its length, then the run stops. */
  readonly backoffMs?: readonly number[];
}

export interface BackfillOptions {
  /** Lists and counts; writes nothing (no intake, no saved state). */
  readonly dryRun?: boolean;
  /** Lists the range again from its start even when a run finished it (duplicates are recognised). */
  readonly restart?: boolean;
}

export type BackfillEnd =
  | { readonly kind: 'done' | 'stopped'; readonly state: BackfillState }
  /** A run finished this range before: nothing listed. */
  | { readonly kind: 'already-done'; readonly state: BackfillState }
  | { readonly kind: 'failed'; readonly state: BackfillState; readonly failure: CrmFailure };

const DEFAULT_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** When a 429 says nothing about how long to wait. */
const RATE_WAIT_MS = 10_000;

export const runBackfill = async (deps: BackfillDeps, range: BackfillRange, options: BackfillOptions = {}): Promise<BackfillEnd> => {
  const key = backfillSetting(range);
  const saved = readBackfillState(await deps.getSetting(key));
  if (saved?.status === 'done' && options.restart !== true && options.dryRun !== true) return { kind: 'already-done', state: saved };
  const startedAt = deps.now().toISOString();
  const resumed = saved !== undefined && saved.status !== 'done' && options.restart !== true && options.dryRun !== true ? saved : undefined;
  let state: BackfillState = resumed ?? {
    status: 'running',
    since: range.since.toISOString(),
    ...(range.until === undefined ? {} : { until: range.until.toISOString() }),
    pages: 0,
    listed: 0,
    queued: 0,
    known: 0,
    skipped: 0,
    startedAt,
    updatedAt: startedAt,
  };
  state = { ...state, status: 'running', updatedAt: startedAt };
  // The saved cursor may have lapsed (LiveChat keeps a page id for a month): then once from the start.
  let trustCursor = resumed?.cursor !== undefined;

  const save = async (next: BackfillState): Promise<BackfillState> => {
    state = next;
    if (options.dryRun !== true) {
      const text = JSON.stringify(state);
      await deps.setSetting(key, text);
      await deps.setSetting(backfillProgressSetting(range.source), text);
    }
    deps.onProgress?.(state);
    return state;
  };
  await save(state);

  const backoff = deps.backoffMs ?? DEFAULT_BACKOFF_MS;
  let failures = 0;
  for (;;) {
    if (deps.stopRequested())
      return { kind: 'stopped', state: await save({ ...state, status: 'stopped', updatedAt: deps.now().toISOString() }) };
    const query: ArchiveQuery = {
      since: range.since,
      ...(range.until === undefined ? {} : { until: range.until }),
      ...(state.cursor === undefined ? {} : { cursor: state.cursor }),
    };
    const page = await deps.list(query);
    if (!page.ok) {
      const failure = page.failure;
      if (failure.kind === 'transient' && failure.code === RATE_LIMITED) {
        const wait = failure.retryAfterMs ?? RATE_WAIT_MS;
        deps.onWait?.(failure, wait);
        await deps.sleep(wait);
        continue;
      }
      if (failure.kind === 'transient' && failures < backoff.length) {
        const wait = Math.max(backoff[failures] ?? 0, failure.retryAfterMs ?? 0);
        failures++;
        deps.onWait?.(failure, wait);
        await deps.sleep(wait);
        continue;
      }
      if (failure.kind === 'permanent' && trustCursor) {
        trustCursor = false;
        deps.onWait?.(failure, 0);
        // What was listed is listed again (and recognised); what was queued stays counted.
        const { cursor: _lapsed, ...fromStart } = state;
        state = { ...fromStart, pages: 0, listed: 0, skipped: 0 };
        continue;
      }
      const error = `${failure.code}: ${failure.message}`;
      return { kind: 'failed', failure, state: await save({ ...state, status: 'failed', error, updatedAt: deps.now().toISOString() }) };
    }
    failures = 0;
    trustCursor = false;
    const events = page.value.events.filter((e): e is ConversationEvent => e.kind === 'conversation');
    const counts = options.dryRun === true || events.length === 0 ? { queued: 0, known: 0 } : await deps.intake(events);
    const { cursor: _previous, error: _error, ...rest } = state;
    const next: BackfillState = {
      ...rest,
      pages: state.pages + 1,
      listed: state.listed + page.value.events.length,
      queued: state.queued + counts.queued,
      known: state.known + counts.known,
      skipped: state.skipped + page.value.events.length - events.length,
      updatedAt: deps.now().toISOString(),
      ...(page.value.found === undefined
        ? state.found === undefined
          ? {}
          : { found: state.found }
        : { found: Math.max(page.value.found, state.listed + page.value.events.length) }),
      ...(page.value.cursor === undefined ? {} : { cursor: page.value.cursor }),
    };
    if (page.value.cursor === undefined) {
      const at = deps.now().toISOString();
      return { kind: 'done', state: await save({ ...next, status: 'done', finishedAt: at }) };
    }
    await save(next);
  }
};
