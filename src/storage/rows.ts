/**
 * Row codecs shared by the SQLite and PostgreSQL adapters: rows are outside data, decoded once
 * into the port's types. Times are stored as epoch milliseconds.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { describeErrors } from '../domain/codecs';
import type { Action } from '../domain/event';
import type { LocalRecord } from '../domain/local-records';
import { fromConversationJson, fromHistoryJson, fromRecordJson } from './serialization';
import type { Attempt, AttemptOutcome, Job, JobState, StoredConversation, StoredRecord } from './store';

/** SQLite gives numbers; node-postgres gives BIGINT as a string. */
const Num = new t.Type<number, number, unknown>(
  'Num',
  (u): u is number => typeof u === 'number',
  (u, c) => {
    const n = typeof u === 'string' ? Number(u) : u;
    return typeof n === 'number' && Number.isFinite(n) ? t.success(n) : t.failure(u, c);
  },
  (n) => n,
);
const Nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);
const ActionCodec = t.keyof({ lead: null, case: null });

const decodeRow = <A>(codec: t.Decoder<unknown, A>, what: string, row: unknown): A => {
  const result = codec.decode(row);
  if (isLeft(result)) throw new Error(`unreadable ${what} row: ${describeErrors(result.left).join('; ')}`);
  return result.right;
};

const ConversationRow = t.type({ key: t.string, snapshot: t.string, version: Num, forced: Nullable(ActionCodec), updated_at: Num });
export const toStoredConversation = (row: unknown): StoredConversation => {
  const r = decodeRow(ConversationRow, 'conversation', row);
  return {
    key: r.key,
    conversation: fromConversationJson(r.snapshot),
    version: r.version,
    ...(r.forced === null ? {} : { forced: r.forced }),
    updatedAt: new Date(r.updated_at),
  };
};

const JobStateCodec = t.keyof({ pending: null, running: null, done: null, dead: null });
const JobRow = t.type({
  id: t.string,
  conversation_key: t.string,
  state: JobStateCodec,
  attempts: Num,
  next_attempt_at: Num,
  lease_owner: Nullable(t.string),
  lease_expires_at: Nullable(Num),
  last_error: Nullable(t.string),
  created_at: Num,
  updated_at: Num,
});
export const toJob = (row: unknown): Job => {
  const r = decodeRow(JobRow, 'job', row);
  const state: JobState = r.state;
  return {
    id: r.id,
    conversationKey: r.conversation_key,
    state,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at),
    ...(r.lease_owner === null ? {} : { leaseOwner: r.lease_owner }),
    ...(r.lease_expires_at === null ? {} : { leaseExpiresAt: new Date(r.lease_expires_at) }),
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
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
  };
};

const RecordRow = t.type({ record: t.string, version: Num, updated_at: Num });
export const toStoredRecord = (row: unknown): StoredRecord => {
  const r = decodeRow(RecordRow, 'record', row);
  return { record: fromRecordJson(r.record), version: r.version, updatedAt: new Date(r.updated_at) };
};

const LocalRecordRow = t.type({
  id: t.string,
  conversation_key: t.string,
  action: ActionCodec,
  snapshot: t.string,
  history: t.string,
  created_at: Num,
  updated_at: Num,
});
export const toLocalRecord = (row: unknown): LocalRecord => {
  const r = decodeRow(LocalRecordRow, 'local record', row);
  const action: Action = r.action;
  return {
    id: r.id,
    action,
    conversationKey: r.conversation_key,
    conversation: fromConversationJson(r.snapshot),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    history: fromHistoryJson(r.history),
  };
};

const LocalHeadRow = t.type({ id: t.string, history: t.string, created_at: Num });
/** What an update of a local record needs of the stored one: not its (large) snapshot. */
export const toLocalHead = (row: unknown) => {
  const r = decodeRow(LocalHeadRow, 'local record', row);
  return { id: r.id, history: fromHistoryJson(r.history), createdAt: new Date(r.created_at) };
};

const CountRow = t.type({ state: JobStateCodec, n: Num });
export const toCount = (row: unknown) => decodeRow(CountRow, 'count', row);
const ValueRow = t.type({ value: t.string });
export const toValue = (row: unknown): string => decodeRow(ValueRow, 'setting', row).value;
const OldestRow = t.type({ oldest: Nullable(Num) });
export const toOldest = (row: unknown): number | null => decodeRow(OldestRow, 'oldest', row).oldest;
const KeyRow = t.type({ key: t.string });
export const toKey = (row: unknown): string => decodeRow(KeyRow, 'key', row).key;
