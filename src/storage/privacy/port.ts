/**
 * What the Store offers for a person's privacy requests (`npm run privacy`, the console) and for
 * RETENTION_DAYS. A person is their email: conversations where the visitor gave none cannot be
 * told apart from anyone else's, so they are not part of an export or an erasure.
 */
import type { Conversation } from '../../domain/conversation';
import type { Action } from '../../domain/event';
import type { LocalRecord } from '../../domain/local-records';
import type { CrmPerson } from '../../domain/record';
import type { SourceMeta } from '../../domain/source';
import type { Attempt, Job, StoredRecord } from '../store';

export interface ExportedEvent {
  readonly source: string;
  readonly dedupKey: string;
  readonly receivedAt: Date;
}

export interface ExportedStep extends Job {
  readonly attemptLog: readonly Attempt[];
}

export interface ExportedConversation {
  readonly key: string;
  readonly source: string;
  /** The transcript and visitor as stored (empty once RETENTION_DAYS removed them). */
  readonly conversation: Conversation;
  readonly version: number;
  readonly forced?: Action;
  readonly meta: SourceMeta;
  /** The CRM person a lookup step found. */
  readonly person?: CrmPerson;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When RETENTION_DAYS removed the transcript (a later intake may have brought a new one). */
  readonly redactedAt?: Date;
  readonly steps: readonly ExportedStep[];
  /** References to the records made in the CRM (the CRM holds the records themselves). */
  readonly records: readonly StoredRecord[];
  readonly events: readonly ExportedEvent[];
}

export interface ExportedLocalPerson {
  readonly id: string;
  readonly email: string;
  readonly createdAt: Date;
}

/** Everything stored about one person; `JSON.stringify` of it is the export. */
export interface PersonExport {
  /** The email as matched: trimmed and in lower case. */
  readonly email: string;
  readonly conversations: readonly ExportedConversation[];
  /** The built-in local CRM's person and records (with every transcript they hold). */
  readonly localCrm: { readonly person?: ExportedLocalPerson; readonly records: readonly LocalRecord[] };
}

/** Rows deleted, per table. */
export interface ErasureCounts {
  readonly conversations: number;
  readonly events: number;
  readonly jobs: number;
  readonly attempts: number;
  readonly records: number;
  readonly localConversations: number;
  readonly localRecords: number;
  readonly localPeople: number;
}

/** A record or person in the CRM: `crm` is unknown for a person a lookup found. */
export interface CrmRef {
  readonly crm?: string;
  readonly type: string;
  readonly id: string;
  readonly url: string;
}

export interface PersonErasure {
  readonly email: string;
  /**
   * Steps of theirs running right now (a live lease): then nothing is erased, since a delivery
   * in flight would write the person back into the local CRM. Try again once they are done.
   */
  readonly inFlight: number;
  readonly counts: ErasureCounts;
  /**
   * The records in HubSpot or Salesforce whose references were deleted, and the CRM people a
   * lookup found: those are the CRM's to erase, and after this nothing here names them.
   */
  readonly crmRecords: readonly CrmRef[];
}

export interface RedactInput {
  /** Conversations last updated before this, with no pending, running or dead step. */
  readonly updatedBefore: Date;
  readonly now: Date;
  /** At most this many per call (one transaction each): the caller loops. */
  readonly limit: number;
}

export interface PrivacyStore {
  /** Everything stored about the person with this email (matched without regard to case). */
  exportPerson(email: string): Promise<PersonExport>;
  /**
   * Deletes, in one transaction, the person's conversations with their events, steps, attempts
   * and record references, and their local CRM person, records and transcripts; nothing while
   * one of their steps is running (`inFlight`).
   */
  erasePerson(email: string): Promise<PersonErasure>;
  /**
   * Removes the visitor, messages, operators, platform facts and visitor id of delivered
   * conversations (RETENTION_DAYS); returns how many. Keys, steps, attempts, events and record
   * references stay: the stable link still leads to the CRM record.
   */
  redactTranscripts(input: RedactInput): Promise<number>;
}

/** What retention leaves of a conversation: what it was, not who said what. */
export const redactedConversation = (c: Conversation): Conversation => ({
  source: c.source,
  id: c.id,
  visitor: {},
  messages: [],
  tags: c.tags,
  groups: c.groups,
  operators: [],
  offline: c.offline,
});
