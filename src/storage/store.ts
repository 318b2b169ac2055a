/**
 * The storage port. SQLite (one instance) and PostgreSQL (several instances) implement it with
 * the same schema and pass the same contract suite (test/storage/store.contract.ts).
 */
import type { Conversation } from '../domain/conversation';
import type { Action } from '../domain/event';
import type { LocalDelivery, LocalRecordStore } from '../domain/local-records';
import type { ConsoleStore } from './console';
import type { PrivacyStore } from './privacy/port';
import type { CrmPerson, CrmRecord } from '../domain/record';
import type { SourceMeta, StepKind } from '../domain/source';
import { conversationKey, type ConversationKey } from '../domain/conversation-key';

export { conversationKey, type ConversationKey };

export interface StoredConversation {
  readonly key: ConversationKey;
  readonly conversation: Conversation;
  /** Grows by one with every intake; a delivery carries the version it sent. */
  readonly version: number;
  /** The last `?record=` override (or agent command) seen for this conversation. */
  readonly forced?: Action;
  /** The source's facts for later steps (merged over every intake). */
  readonly meta: SourceMeta;
  /** The CRM person a `lookup` step found (undefined: none looked up or none found). */
  readonly person?: CrmPerson;
  readonly updatedAt: Date;
}

/** `expired`: gave up because what it was for is over (a chat that surely ended), not a failure to fix. */
export type JobState = 'pending' | 'running' | 'done' | 'dead' | 'expired';

/** A step of a conversation's work. */
export interface Job {
  readonly id: string;
  readonly conversationKey: ConversationKey;
  readonly kind: StepKind;
  /** The steps to queue once this one is done. */
  readonly then: readonly StepKind[];
  readonly state: JobState;
  /** After this, a failing step is `expired` instead of retried. */
  readonly expiresAt?: Date;
  /** Attempts made so far (failed, abandoned or successful). */
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: Date;
  /** Why the last attempt failed (`CODE: message`), or why the job is dead. */
  readonly lastError?: string;
  /** The failure's stable code of `lastError` (absent for an error without one, e.g. `superseded by job …`). */
  readonly lastErrorCode?: string;
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
  /** The failure's stable code of `error`. */
  readonly errorCode?: string;
}

/** A failure as a job keeps it: its stable code, and the message shown after it (`CODE: message`). */
export interface StepError {
  readonly code: string;
  readonly message: string;
}

/** A CRM record reference as we keep it: which conversation version it carries. */
export interface StoredRecord {
  readonly record: CrmRecord;
  readonly version: number;
  readonly updatedAt: Date;
}

export type JobResult =
  | {
      readonly kind: 'done';
      readonly record?: { readonly conversationKey: ConversationKey; readonly value: CrmRecord; readonly version: number };
      /** A fetched conversation, merged into the snapshot (its version grows). */
      readonly conversation?: Conversation;
      /** Facts the fetch learned, merged into the conversation's meta. */
      readonly meta?: SourceMeta;
      /** A record type the platform's data decides (kept like `?record=`). */
      readonly forced?: Action;
      /** A lookup's answer: the person, or `null` for nobody. */
      readonly person?: CrmPerson | null;
      /** The step to queue now (shares a pending one of the same kind). */
      readonly next?: { readonly kind: StepKind; readonly then: readonly StepKind[] };
    }
  | { readonly kind: 'retry'; readonly nextAttemptAt: Date; readonly error: StepError }
  | { readonly kind: 'dead'; readonly error: StepError }
  | { readonly kind: 'expired'; readonly error: StepError }
  /** Given back without an attempt (shutdown, or another delivery of the conversation is running). */
  | { readonly kind: 'release'; readonly nextAttemptAt: Date };

/** Jobs of `kind` claimed `size` to a slot (a batch call), every other job a slot of its own. */
export interface ClaimMix {
  readonly kind: StepKind;
  readonly size: number;
  /**
   * While jobs of other kinds are due too (a burst's fetches, which will make more of `kind`),
   * fewer than `size` due jobs of `kind` are left for a later claim until the oldest has been due
   * this long: the batch fills instead of going out in small calls. Nothing waits when no other
   * job is due. 0 or absent: never wait.
   */
  readonly waitMs?: number;
}

export interface QueueStats {
  readonly pending: number;
  readonly running: number;
  readonly dead: number;
  readonly done: number;
  readonly expired: number;
  /** Pending or running jobs whose earlier attempts failed: waiting for, or in, another try. */
  readonly failing: number;
  readonly oldestPendingAt?: Date;
}

/** What a conversation taken in without a plan goes through. */
export const DEFAULT_PLAN: readonly StepKind[] = ['deliver'];

export interface IntakeInput {
  readonly conversation: Conversation;
  /** The platform's key of this event; seen before → nothing is written (`duplicate`). */
  readonly dedupKey?: string;
  /** The steps to run; empty = store only. Default `['deliver']`. */
  readonly plan?: readonly StepKind[];
  readonly forced?: Action;
  readonly meta?: SourceMeta;
  readonly expiresAt?: Date;
  readonly now: Date;
  readonly claim?: { readonly owner: string; readonly leaseMs: number };
  /**
   * With `claim`, when the plan starts with `deliver` to the local CRM: that step, made in this
   * transaction as a finished job with its attempt and record, when no other step of the
   * conversation is queued or running. One commit then holds the transcript and its record, and
   * the agent's answer waits for nothing else. Otherwise (or when the write fails, which then
   * leaves nothing of it behind) the step is queued and claimed as usual.
   */
  readonly deliverHere?: (stored: StoredConversation) => LocalDelivery;
}

/** Whether the intake is to make its first step with `deliverHere` (when nothing else of the conversation is unfinished). */
export const asksDeliverHere = (input: IntakeInput): input is IntakeInput & Required<Pick<IntakeInput, 'claim' | 'deliverHere'>> =>
  input.claim !== undefined && input.deliverHere !== undefined && (input.plan ?? DEFAULT_PLAN)[0] === 'deliver';

/** The step `deliverHere` made. */
export interface DeliveredHere {
  readonly jobId: string;
  readonly record: CrmRecord;
  readonly durationMs: number;
}

export interface IntakeResult {
  /** The event was seen before: nothing was written; `stored` is what we have. */
  readonly duplicate: boolean;
  readonly stored: StoredConversation;
  /** The job of the plan's first step (shared with other intakes), or of that kind's latest one for a duplicate. */
  readonly jobId?: string;
  /**
   * With `claim`: that job, leased in the same transaction. Later intakes then queue a new job
   * instead of sharing this one, so delivering `stored` as it is loses nothing.
   */
  readonly claimed?: Job;
  /** The `deliver` step made in this transaction (`deliverHere`); `jobId` and `claimed` are then the next step's, if any. */
  readonly delivered?: DeliveredHere;
}

export interface Store extends LocalRecordStore, ConsoleStore, PrivacyStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Round trip to the database (health checks). */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** The setting's value; when absent, `create()` is stored first. Races settle on one value. */
  settingOrCreate(key: string, create: () => string): Promise<string>;
  setSetting(key: string, value: string): Promise<void>;
  getSetting(key: string): Promise<string | undefined>;

  /**
   * In one transaction: records the event (unless its key was seen), merges the conversation
   * into what we know (mergeConversation), bumps its version, and makes sure a pending job of
   * the plan's first step will run (with the rest of the plan queued after it).
   */
  intake(input: IntakeInput): Promise<IntakeResult>;
  getConversation(key: ConversationKey): Promise<StoredConversation | undefined>;
  /** The newest record (of this CRM) among a source's conversations with this visitor id. */
  recordForVisitor(source: string, visitorId: string, crm: string): Promise<StoredRecord | undefined>;

  getRecord(key: ConversationKey, action: Action, crm: string): Promise<StoredRecord | undefined>;
  listRecords(key: ConversationKey): Promise<StoredRecord[]>;

  /**
   * Takes this job if it is due to run: pending, or running with an expired lease, and no other
   * job of its conversation holds a live lease (one delivery per conversation at a time).
   */
  claimJob(jobId: string, owner: string, now: Date, leaseMs: number): Promise<Job | undefined>;
  /**
   * Takes due jobs, oldest first, under the same rule: `limit` of them, or with `batched`, as many
   * as fill `limit` slots, where a job of another kind takes a slot and up to `size` jobs of
   * `kind` share one (a worker's batches of deliveries). What does not fit is left unclaimed.
   */
  claimDueJobs(owner: string, now: Date, leaseMs: number, limit: number, batched?: ClaimMix): Promise<Job[]>;
  /** Records the attempt (if any) and moves the job on; false when the lease was lost meanwhile. */
  finishJob(input: { jobId: string; owner: string; now: Date; attempt?: Attempt; result: JobResult }): Promise<boolean>;

  getJob(id: string): Promise<Job | undefined>;
  /** The newest job of a conversation (of one kind, when given). */
  latestJob(key: ConversationKey, kind?: StepKind): Promise<Job | undefined>;
  /** Every step of a conversation, oldest first (at most `limit`, newest kept). */
  conversationJobs(key: ConversationKey, limit: number): Promise<Job[]>;
  listAttempts(jobId: string): Promise<Attempt[]>;
  listJobs(state: JobState, limit: number): Promise<Job[]>;
  /** A dead job goes back to pending with its attempts reset; undefined when it is not dead. */
  reviveJob(id: string, now: Date): Promise<Job | undefined>;
  queueStats(): Promise<QueueStats>;
}
