/**
 * The storage port. SQLite (one instance) and PostgreSQL (several instances) implement it with
 * the same schema and pass the same contract suite (test/storage/store.contract.ts).
 */
import type { Conversation } from '../domain/conversation';
import type { Action } from '../domain/event';
import type { LocalRecordStore } from '../domain/local-records';
import type { CrmRecord } from '../domain/record';

/** `<source>:<conversation id>`: one row per chat conversation. */
export type ConversationKey = string;
export const conversationKey = (c: Pick<Conversation, 'source' | 'id'>): ConversationKey => `${c.source}:${c.id}`;

export interface StoredConversation {
  readonly key: ConversationKey;
  readonly conversation: Conversation;
  /** Grows by one with every intake; a delivery carries the version it sent. */
  readonly version: number;
  /** The last `?record=` override seen for this conversation. */
  readonly forced?: Action;
  readonly updatedAt: Date;
}

export type JobState = 'pending' | 'running' | 'done' | 'dead';

export interface Job {
  readonly id: string;
  readonly conversationKey: ConversationKey;
  readonly state: JobState;
  /** Attempts made so far (failed, abandoned or successful). */
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: Date;
  /** Why the last attempt failed (`CODE: message`), or why the job is dead. */
  readonly lastError?: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type AttemptOutcome = 'ok' | 'skipped' | 'transient' | 'permanent' | 'abandoned';

export interface Attempt {
  readonly jobId: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly outcome: AttemptOutcome;
  readonly crmStatus?: number;
  readonly error?: string;
}

/** A CRM record reference as we keep it: which conversation version it carries. */
export interface StoredRecord {
  readonly record: CrmRecord;
  readonly version: number;
  readonly updatedAt: Date;
}

export type JobResult =
  | { readonly kind: 'done'; readonly record?: { readonly conversationKey: ConversationKey; readonly value: CrmRecord; readonly version: number } }
  | { readonly kind: 'retry'; readonly nextAttemptAt: Date; readonly error: string }
  | { readonly kind: 'dead'; readonly error: string }
  /** Given back without an attempt (shutdown, or another delivery of the conversation is running). */
  | { readonly kind: 'release'; readonly nextAttemptAt: Date };

export interface QueueStats {
  readonly pending: number;
  readonly running: number;
  readonly dead: number;
  readonly done: number;
  readonly oldestPendingAt?: Date;
}

export interface IntakeResult {
  readonly stored: StoredConversation;
  /** The pending job that will deliver this version (shared with other intakes of the conversation). */
  readonly jobId: string;
  /**
   * With `claim`: that job, leased in the same transaction. Later intakes then queue a new job
   * instead of sharing this one, so delivering `stored` as it is loses nothing.
   */
  readonly claimed?: Job;
}

export interface Store extends LocalRecordStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Round trip to the database (health checks). */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** The setting's value; when absent, `create()` is stored first. Races settle on one value. */
  settingOrCreate(key: string, create: () => string): Promise<string>;
  setSetting(key: string, value: string): Promise<void>;
  getSetting(key: string): Promise<string | undefined>;

  /**
   * In one transaction: merges the conversation into what we know (mergeConversation), bumps
   * its version, and makes sure a pending job will deliver it.
   */
  intake(input: { conversation: Conversation; forced?: Action; now: Date; claim?: { readonly owner: string; readonly leaseMs: number } }): Promise<IntakeResult>;
  getConversation(key: ConversationKey): Promise<StoredConversation | undefined>;

  getRecord(key: ConversationKey, action: Action, crm: string): Promise<StoredRecord | undefined>;
  listRecords(key: ConversationKey): Promise<StoredRecord[]>;

  /**
   * Takes this job if it is due to run: pending, or running with an expired lease, and no other
   * job of its conversation holds a live lease (one delivery per conversation at a time).
   */
  claimJob(jobId: string, owner: string, now: Date, leaseMs: number): Promise<Job | undefined>;
  /** Takes up to `limit` due jobs, oldest first, under the same rule. */
  claimDueJobs(owner: string, now: Date, leaseMs: number, limit: number): Promise<Job[]>;
  /** Records the attempt (if any) and moves the job on; false when the lease was lost meanwhile. */
  finishJob(input: { jobId: string; owner: string; now: Date; attempt?: Attempt; result: JobResult }): Promise<boolean>;

  getJob(id: string): Promise<Job | undefined>;
  /** The newest job of a conversation. */
  latestJob(key: ConversationKey): Promise<Job | undefined>;
  listAttempts(jobId: string): Promise<Attempt[]>;
  listJobs(state: JobState, limit: number): Promise<Job[]>;
  /** A dead job goes back to pending with its attempts reset; undefined when it is not dead. */
  reviveJob(id: string, now: Date): Promise<Job | undefined>;
  queueStats(): Promise<QueueStats>;
}
