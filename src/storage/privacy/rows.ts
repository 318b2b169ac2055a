/**
 * Row codecs of the privacy queries, shared by the SQLite and PostgreSQL adapters, and the
 * assembly of an export from decoded rows: both adapters build the same document.
 */
import * as t from 'io-ts';
import type { Action } from '../../domain/event';
import type { LocalRecord } from '../../domain/local-records';
import { toStoredConversation } from '../rows';
import type { Attempt, Job, StoredRecord } from '../store';
import type { CrmRef, ErasureCounts, ExportedConversation, ExportedEvent, ExportedLocalPerson, PersonExport } from './port';
import { ActionCodec, Nullable, Num, decodeRow } from '../row-codecs';

/** The columns an exported conversation is read from. */
export const EXPORT_COLUMNS = 'key, source, snapshot, version, forced, meta, person, created_at, updated_at, redacted_at';

const ExportRow = t.type({ source: t.string, created_at: Num, redacted_at: Nullable(Num) });
export type ConversationHead = Omit<ExportedConversation, 'steps' | 'records' | 'events'>;
export const toConversationHead = (row: unknown): ConversationHead => {
  const stored = toStoredConversation(row);
  const r = decodeRow(ExportRow, 'conversation', row);
  return {
    key: stored.key,
    source: r.source,
    conversation: stored.conversation,
    version: stored.version,
    ...(stored.forced === undefined ? {} : { forced: stored.forced }),
    meta: stored.meta,
    ...(stored.person === undefined ? {} : { person: stored.person }),
    createdAt: new Date(r.created_at),
    updatedAt: stored.updatedAt,
    ...(r.redacted_at === null ? {} : { redactedAt: new Date(r.redacted_at) }),
  };
};

const EventRow = t.type({ source: t.string, dedup_key: t.string, received_at: Num });
export const toEvent = (row: unknown): ExportedEvent => {
  const r = decodeRow(EventRow, 'event', row);
  return { source: r.source, dedupKey: r.dedup_key, receivedAt: new Date(r.received_at) };
};

const PersonRow = t.type({ id: t.string, email: t.string, created_at: Num });
export const toLocalPerson = (row: unknown): ExportedLocalPerson => {
  const r = decodeRow(PersonRow, 'local person', row);
  return { id: r.id, email: r.email, createdAt: new Date(r.created_at) };
};

const LocalLinkRow = t.type({ conversation_key: t.string, action: ActionCodec, record_id: t.string });
export interface LocalLink {
  readonly conversationKey: string;
  readonly action: Action;
  readonly recordId: string;
}
/** A local CRM conversation row by its primary key, and the record holding it. */
export const toLocalLink = (row: unknown): LocalLink => {
  const r = decodeRow(LocalLinkRow, 'local CRM conversation', row);
  return { conversationKey: r.conversation_key, action: r.action, recordId: r.record_id };
};

const KeyRow = t.type({ key: t.string });
export const toKeyOnly = (row: unknown): string => decodeRow(KeyRow, 'key', row).key;
const IdRow = t.type({ id: t.string });
export const toIdOnly = (row: unknown): string => decodeRow(IdRow, 'id', row).id;
const CountRow = t.type({ n: Num });
export const toCountOnly = (row: unknown): number => decodeRow(CountRow, 'count', row).n;

/** What one conversation's export is made of, read by the adapter. */
export interface ConversationParts {
  readonly head: ConversationHead;
  readonly jobs: readonly Job[];
  readonly attempts: readonly Attempt[];
  readonly records: readonly StoredRecord[];
  readonly events: readonly ExportedEvent[];
}

export const assembleExport = (
  email: string,
  conversations: readonly ConversationParts[],
  localCrm: { readonly person?: ExportedLocalPerson; readonly records: readonly LocalRecord[] },
): PersonExport => ({
  email,
  conversations: conversations.map(({ head, jobs, attempts, records, events }) => ({
    ...head,
    steps: jobs.map((job) => ({ ...job, attemptLog: attempts.filter((a) => a.jobId === job.id) })),
    records,
    events,
  })),
  localCrm,
});

export const noErasure: ErasureCounts = {
  conversations: 0,
  events: 0,
  jobs: 0,
  attempts: 0,
  records: 0,
  localConversations: 0,
  localRecords: 0,
  localPeople: 0,
};

/** The CRM's own records named by the references about to go, and the people lookups found. */
export const crmRefs = (
  records: readonly StoredRecord[],
  heads: readonly ConversationHead[],
  localRecordIds: ReadonlySet<string>,
): CrmRef[] => {
  const refs = new Map<string, CrmRef>();
  for (const { record } of records)
    if (record.crm !== 'local')
      refs.set(`${record.crm} ${record.type} ${record.id}`, { crm: record.crm, type: record.type, id: record.id, url: record.url });
  for (const { person } of heads)
    // A person found in the local CRM is one of its records, erased here with the rest.
    if (person !== undefined && !localRecordIds.has(person.id))
      refs.set(`? ${person.type} ${person.id}`, { type: person.type, id: person.id, url: person.url });
  return [...refs.values()];
};
