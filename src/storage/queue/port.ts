/**
 * What a dialect gives the queue's rules (intake.ts, claim.ts, finish.ts, revive.ts): its
 * statements, run inside one transaction that the adapter opens and commits around a rule. The
 * rules are written once, here; each adapter (sqlite/queue-tx.ts, postgres/queue-tx.ts) keeps
 * only its SQL, its locks and its transaction runner.
 *
 * Locking: on SQLite the adapter is the only writer (its write queue runs one transaction at a
 * time), so the lock methods only read. On PostgreSQL every change to a conversation's jobs first
 * locks that conversation's row, then the job's: one lock order everywhere, so two transactions
 * never wait on each other in a cycle, and the jobs of one conversation change one transaction at
 * a time across processes ("one live lease per conversation", "one pending job per kind").
 */
import type { LocalUpsert } from '../../domain/local-records';
import type { CrmRecord } from '../../domain/record';
import type { StepKind } from '../../domain/source';
import type { ConversationState } from '../console';
import type { Attempt, Job, JobState, StoredConversation } from '../store';

/** A conversation as read by the rules: what the store keeps, and its console state. */
export interface LockedConversation extends StoredConversation {
  readonly state: ConversationState;
}

/** Every column of a conversation the rules write (JSON already serialized by the rules). */
export interface ConversationWrite {
  readonly key: string;
  readonly source: string;
  readonly snapshot: string;
  readonly version: number;
  readonly forced: string | null;
  readonly meta: string;
  readonly person: string | null;
  readonly visitorId: string | null;
  readonly conversationId: string;
  readonly visitorEmail: string | null;
  readonly visitorName: string | null;
  /** personEmail of the visitor's email: the one key a person is matched by (console search, privacy). */
  readonly emailKey: string | null;
  readonly state: ConversationState;
  readonly updatedAt: number;
}

export interface NewJob {
  readonly id: string;
  readonly key: string;
  readonly kind: StepKind;
  readonly then: readonly StepKind[];
  readonly state: 'pending' | 'running' | 'done';
  readonly attempts: number;
  readonly expiresAt: number | null;
  readonly lease: { readonly owner: string; readonly until: number } | null;
  readonly now: number;
}

/** How a finishing step leaves its job; only our running lease is moved. */
export interface JobMove {
  readonly id: string;
  readonly owner: string;
  readonly state: JobState;
  /** 1 when an attempt was made, 0 for a release. */
  readonly counted: 0 | 1;
  readonly nextAttemptAt: number;
  readonly error: string | null;
  readonly errorCode: string | null;
  readonly now: number;
}

export interface QueueTx {
  /**
   * The conversation's row, locked until the transaction ends; undefined when it is not stored
   * yet. PostgreSQL inserts a placeholder row then (version 0) so that concurrent first intakes
   * of one conversation, in any process, queue on it; saveConversation(…, true) fills it.
   */
  lockConversation(key: string, source: string, now: number): Promise<LockedConversation | undefined>;
  /** The conversation as stored now (its row already locked by this transaction). */
  conversation(key: string): Promise<LockedConversation | undefined>;
  /** Writes every column; `fresh`: the conversation lockConversation found missing. */
  saveConversation(row: ConversationWrite, fresh: boolean): Promise<void>;
  /** The state alone (after a step's end or a revive changed the conversation's jobs). */
  setState(key: string, state: ConversationState): Promise<void>;
  /** The unfinished, dead and expired jobs of a conversation (what its state is made of). */
  openJobs(key: string): Promise<readonly { readonly state: JobState; readonly failed: boolean }[]>;

  /** Records the platform's event key; false when it was seen before. */
  recordEvent(source: string, dedupKey: string, key: string, now: number): Promise<boolean>;

  latestJobOfKind(key: string, kind: StepKind): Promise<Job | undefined>;
  /** Whether any step of the conversation is pending or running. */
  hasUnfinished(key: string): Promise<boolean>;
  /** The one pending job of this kind (the jobs_one_pending index allows no second). */
  pendingJob(key: string, kind: StepKind): Promise<{ readonly id: string; readonly then: readonly StepKind[] } | undefined>;
  /** A shared pending job: its follow-up steps, and the later of both expiries (none if either has none). */
  shareJob(id: string, then: readonly StepKind[], expiresAt: number | null): Promise<void>;
  insertJob(job: NewJob): Promise<void>;
  /** The job, locked with its conversation first (the one lock order). */
  lockJob(id: string): Promise<Job | undefined>;
  /**
   * Leases the job if it is pending, or running with a lapsed lease (then counting the abandoned
   * attempt), and no other job of its conversation holds a live lease. The check runs in this
   * statement, after the conversation's lock, so it sees every claim committed before ours.
   */
  claim(id: string, owner: string, until: number, now: number): Promise<Job | undefined>;
  /**
   * Due jobs (pending and due, or running with a lapsed lease) of conversations with no live
   * lease, oldest first, at most `limit`. PostgreSQL locks them and their conversations, skipping
   * (not waiting for) rows another transaction holds.
   */
  dueJobs(now: number, limit: number): Promise<readonly Job[]>;
  moveJob(move: JobMove): Promise<boolean>;
  /** A dead job made done because a newer one supersedes it. */
  closeJob(id: string, error: string, now: number): Promise<void>;
  /** A dead job back to pending, attempts and error cleared. */
  reviveJob(id: string, now: number): Promise<Job | undefined>;
  insertAttempt(attempt: Attempt): Promise<void>;

  upsertRecord(key: string, record: CrmRecord, version: number, now: number): Promise<void>;
  /** The local CRM's upsert in this transaction (deliverHere). */
  upsertLocal(input: LocalUpsert, now: number): Promise<{ readonly id: string }>;
  /** Runs `work` in a savepoint: when it throws, none of it stays and the transaction stays usable; the error is rethrown. */
  inSavepoint<A>(work: () => Promise<A>): Promise<A>;
}
