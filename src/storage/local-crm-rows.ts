/**
 * Row codecs of the local CRM's tables, shared by the SQLite and PostgreSQL adapters
 * (sqlite/local-crm.ts, postgres/local-crm.ts): rows are outside data, decoded once.
 */
import * as t from 'io-ts';
import type { Action } from '../domain/event';
import type { LocalConversation, LocalFields, LocalRecord, LocalRelated } from '../domain/local-records';
import { fromConversationJson, fromHistoryJson, fromLocalFieldsJson, type History } from './serialization';
import { ActionCodec, Nullable, Num, decodeRow } from './row-codecs';

const RecordRow = t.intersection([
  t.type({
    id: t.string,
    action: ActionCodec,
    person_id: Nullable(t.string),
    email: Nullable(t.string),
    history: t.string,
    created_at: Num,
    updated_at: Num,
  }),
  // Read by the queries that select it (the record's head); null on records without mapped fields.
  t.partial({ fields: Nullable(t.string) }),
]);
export interface LocalRecordHead {
  readonly id: string;
  readonly action: Action;
  readonly personId?: string;
  readonly email?: string;
  readonly history: History;
  readonly fields: LocalFields;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
/** A `local_crm_records` row, joined with its person's email. */
export const toRecordHead = (row: unknown): LocalRecordHead => {
  const r = decodeRow(RecordRow, 'local CRM record', row);
  const action: Action = r.action;
  return {
    id: r.id,
    action,
    ...(r.person_id === null ? {} : { personId: r.person_id }),
    ...(r.email === null ? {} : { email: r.email }),
    history: fromHistoryJson(r.history),
    fields: r.fields === undefined || r.fields === null ? {} : fromLocalFieldsJson(r.fields),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
};

const ConversationRow = t.type({ conversation_key: t.string, snapshot: t.string, created_at: Num, updated_at: Num });
export const toLocalConversation = (row: unknown): LocalConversation => {
  const r = decodeRow(ConversationRow, 'local CRM conversation', row);
  return {
    key: r.conversation_key,
    conversation: fromConversationJson(r.snapshot),
    addedAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
};

const RelatedRow = t.type({ id: t.string, action: ActionCodec, created_at: Num });
export const toRelated = (row: unknown): LocalRelated => {
  const r = decodeRow(RelatedRow, 'local CRM related record', row);
  const action: Action = r.action;
  return { id: r.id, action, createdAt: new Date(r.created_at) };
};

const IdRow = t.type({ id: t.string });
export const toId = (row: unknown): string => decodeRow(IdRow, 'local CRM id', row).id;

/** The record as the port shows it. Records and their first conversation are written in one transaction. */
export const assembleRecord = (
  head: LocalRecordHead,
  conversations: readonly LocalConversation[],
  related: readonly LocalRelated[],
): LocalRecord => {
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
    fields: head.fields,
  };
};
