/**
 * Row codecs of the local CRM's tables, shared by the SQLite and PostgreSQL adapters
 * (sqlite/local-crm.ts, postgres/local-crm.ts): rows are outside data, decoded once.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { describeErrors } from '../domain/codecs';
import type { Action } from '../domain/event';
import type { LocalConversation, LocalRecord, LocalRelated } from '../domain/local-records';
import { fromConversationJson, fromHistoryJson, type History } from './serialization';

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
const ActionCodec = t.keyof({ lead: null, case: null });
const Nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

const decodeRow = <A>(codec: t.Decoder<unknown, A>, what: string, row: unknown): A => {
  const result = codec.decode(row);
  if (isLeft(result)) throw new Error(`unreadable local CRM ${what} row: ${describeErrors(result.left).join('; ')}`);
  return result.right;
};

const RecordRow = t.type({ id: t.string, action: ActionCodec, person_id: Nullable(t.string), email: Nullable(t.string), history: t.string, created_at: Num, updated_at: Num });
export interface LocalRecordHead {
  readonly id: string;
  readonly action: Action;
  readonly personId?: string;
  readonly email?: string;
  readonly history: History;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
/** A `local_crm_records` row, joined with its person's email. */
export const toRecordHead = (row: unknown): LocalRecordHead => {
  const r = decodeRow(RecordRow, 'record', row);
  const action: Action = r.action;
  return {
    id: r.id,
    action,
    ...(r.person_id === null ? {} : { personId: r.person_id }),
    ...(r.email === null ? {} : { email: r.email }),
    history: fromHistoryJson(r.history),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
};

const ConversationRow = t.type({ conversation_key: t.string, snapshot: t.string, created_at: Num, updated_at: Num });
export const toLocalConversation = (row: unknown): LocalConversation => {
  const r = decodeRow(ConversationRow, 'conversation', row);
  return { key: r.conversation_key, conversation: fromConversationJson(r.snapshot), addedAt: new Date(r.created_at), updatedAt: new Date(r.updated_at) };
};

const RelatedRow = t.type({ id: t.string, action: ActionCodec, created_at: Num });
export const toRelated = (row: unknown): LocalRelated => {
  const r = decodeRow(RelatedRow, 'related record', row);
  const action: Action = r.action;
  return { id: r.id, action, createdAt: new Date(r.created_at) };
};

const IdRow = t.type({ id: t.string });
export const toId = (row: unknown): string => decodeRow(IdRow, 'id', row).id;

/** The record as the port shows it. Records and their first conversation are written in one transaction. */
export const assembleRecord = (head: LocalRecordHead, conversations: readonly LocalConversation[], related: readonly LocalRelated[]): LocalRecord => {
  const [latest] = conversations;
  if (latest === undefined) throw new Error('a local CRM record without conversations: the database was changed by hand');
  return {
    id: head.id,
    action: head.action,
    ...(head.email === undefined ? {} : { email: head.email }),
    conversation: latest.conversation,
    conversations,
    related,
    createdAt: head.createdAt,
    updatedAt: head.updatedAt,
    history: head.history,
  };
};
