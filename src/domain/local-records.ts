import type { Action } from './event';
import type { Conversation } from './conversation';

/** A record of the built-in local CRM. */
export interface LocalRecord {
  readonly id: string;
  readonly action: Action;
  readonly conversationKey: string;
  readonly conversation: Conversation;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** One line per update: when, and what changed. */
  readonly history: readonly { readonly at: Date; readonly change: string }[];
}

/** Storage port of the local CRM; the service's Store implements it. */
export interface LocalRecordStore {
  /** Creates the record for this conversation or updates it; one record per conversation key and action. */
  upsertLocalRecord(input: { conversationKey: string; action: Action; conversation: Conversation; change: string }): Promise<LocalRecord>;
  getLocalRecord(id: string): Promise<LocalRecord | undefined>;
  findLocalRecordByEmail(email: string): Promise<LocalRecord | undefined>;
}
