/**
 * Row codecs shared by the SQLite and PostgreSQL adapters: rows are outside data, decoded once
 * into the port's types. Times are stored as epoch milliseconds.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import type { StepKind } from '../domain/source';
import { fromConversationJson, fromMetaJson, fromPersonJson, fromRecordJson } from './serialization';
import type { Attempt, AttemptOutcome, Job, JobState, StoredConversation, StoredRecord } from './store';
import type { LockedConversation } from './queue/port';
import { ActionCodec, Nullable, Num, decodeRow } from './row-codecs';

const ConversationRow = t.type({
  key: t.string,
  snapshot: t.string,
  version: Num,
  forced: Nullable(ActionCodec),
  meta: t.string,
  person: Nullable(t.string),
  updated_at: Num,
});
export const toStoredConversation = (row: unknown): StoredConversation => {
  const r = decodeRow(ConversationRow, 'conversation', row);
  const person = r.person === null ? undefined : fromPersonJson(r.person);
  return {
    key: r.key,
    conversation: fromConversationJson(r.snapshot),
    version: r.version,
    ...(r.forced === null ? {} : { forced: r.forced }),
    meta: fromMetaJson(r.meta),
    ...(person === undefined ? {} : { person }),
    updatedAt: new Date(r.updated_at),
  };
};

const JobStateCodec = t.keyof({ pending: null, running: null, done: null, dead: null, expired: null });
const StepKindCodec = t.keyof({ fetch: null, lookup: null, deliver: null, notify: null });
const StepList = new t.Type<StepKind[], string, unknown>(
  'StepList',
  (u): u is StepKind[] => Array.isArray(u),
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'expected a comma-separated list of steps');
    const steps: StepKind[] = [];
    for (const part of u.split(',').filter((x) => x !== '')) {
      const step = StepKindCodec.decode(part);
      if (isLeft(step)) return t.failure(u, c, 'expected a comma-separated list of steps');
      steps.push(step.right);
    }
    return t.success(steps);
  },
  (steps) => steps.join(','),
);
export const toStepList = (steps: readonly StepKind[]): string => steps.join(',');
const JobRow = t.type({
  id: t.string,
  conversation_key: t.string,
  kind: StepKindCodec,
  then_steps: StepList,
  expires_at: Nullable(Num),
  state: JobStateCodec,
  attempts: Num,
  next_attempt_at: Num,
  lease_owner: Nullable(t.string),
  lease_expires_at: Nullable(Num),
  last_error: Nullable(t.string),
  last_error_code: Nullable(t.string),
  created_at: Num,
  updated_at: Num,
});
export const toJob = (row: unknown): Job => {
  const r = decodeRow(JobRow, 'job', row);
  const state: JobState = r.state;
  return {
    id: r.id,
    conversationKey: r.conversation_key,
    kind: r.kind,
    then: r.then_steps,
    state,
    ...(r.expires_at === null ? {} : { expiresAt: new Date(r.expires_at) }),
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at),
    ...(r.lease_owner === null ? {} : { leaseOwner: r.lease_owner }),
    ...(r.lease_expires_at === null ? {} : { leaseExpiresAt: new Date(r.lease_expires_at) }),
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
    ...(r.last_error_code === null ? {} : { lastErrorCode: r.last_error_code }),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
};

const AttemptRow = t.type({
  job_id: t.string,
  started_at: Num,
  duration_ms: Num,
  outcome: t.keyof({ ok: null, skipped: null, transient: null, permanent: null, abandoned: null }),
  crm_status: Nullable(Num),
  error: Nullable(t.string),
  error_code: Nullable(t.string),
});
export const toAttempt = (row: unknown): Attempt => {
  const r = decodeRow(AttemptRow, 'attempt', row);
  const outcome: AttemptOutcome = r.outcome;
  return {
    jobId: r.job_id,
    startedAt: new Date(r.started_at),
    durationMs: r.duration_ms,
    outcome,
    ...(r.crm_status === null ? {} : { crmStatus: r.crm_status }),
    ...(r.error === null ? {} : { error: r.error }),
    ...(r.error_code === null ? {} : { errorCode: r.error_code }),
  };
};

const RecordRow = t.type({ record: t.string, version: Num, updated_at: Num });
export const toStoredRecord = (row: unknown): StoredRecord => {
  const r = decodeRow(RecordRow, 'record', row);
  return { record: fromRecordJson(r.record), version: r.version, updatedAt: new Date(r.updated_at) };
};

const ValueRow = t.type({ value: t.string });
export const toValue = (row: unknown): string => decodeRow(ValueRow, 'setting', row).value;
const KeyRow = t.type({ key: t.string });
export const toKey = (row: unknown): string => decodeRow(KeyRow, 'key', row).key;

const PendingRefRow = t.type({ id: t.string, then_steps: StepList });
/** A pending job as intake shares it: its id and the steps queued after it. */
export const toPendingRef = (row: unknown): { readonly id: string; readonly then: readonly StepKind[] } => {
  const r = decodeRow(PendingRefRow, 'job', row);
  return { id: r.id, then: r.then_steps };
};

/** The columns a conversation is read from by the queue's rules (LockedConversation). */
export const LOCKED_CONVERSATION = 'key, snapshot, version, forced, meta, person, updated_at, state';
const StateRow = t.type({ state: t.keyof({ delivered: null, pending: null, failing: null, dead: null, expired: null }) });
export const toLockedConversation = (row: unknown): LockedConversation => ({
  ...toStoredConversation(row),
  state: decodeRow(StateRow, 'conversation', row).state,
});

const OpenJobRow = t.type({ state: JobStateCodec, last_error: Nullable(t.string) });
/** A job as its conversation's state sees it. */
export const toOpenJob = (row: unknown): { readonly state: JobState; readonly failed: boolean } => {
  const r = decodeRow(OpenJobRow, 'job', row);
  return { state: r.state, failed: r.last_error !== null };
};
