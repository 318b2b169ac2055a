/**
 * What the operator console reads: conversations newest first (filtered, searched, in keyset
 * pages), the steps that need attention, and what each platform last did. Part of the Store
 * port; both adapters implement it over the indexes of migration 4.
 */
import type { ConversationKey } from '../domain/conversation-key';
import type { CrmRecord } from '../domain/record';
import type { Job } from './store';

/** A conversation as a whole: `failing` = a step is waiting to retry after an error. */
export type ConversationState = 'delivered' | 'pending' | 'failing' | 'dead' | 'expired';
export const CONVERSATION_STATES: readonly ConversationState[] = ['delivered', 'pending', 'failing', 'dead', 'expired'];

/** Where a page ended: the next page starts strictly after it (newest first). */
export interface ConversationCursor {
  readonly updatedAt: number;
  readonly key: ConversationKey;
}

export interface ConversationFilter {
  readonly source?: string;
  readonly state?: ConversationState;
  /**
   * A conversation id, visitor email or name, case-insensitive: equal, or starting with it
   * when it has at least SEARCH_PREFIX_MIN characters.
   */
  readonly q?: string;
  readonly after?: ConversationCursor;
  readonly limit: number;
}

/** Shorter queries match whole values only: a one-letter prefix would match a third of the table. */
export const SEARCH_PREFIX_MIN = 3;

export interface ConversationSummary {
  readonly key: ConversationKey;
  readonly source: string;
  readonly id: string;
  readonly visitorName?: string;
  readonly visitorEmail?: string;
  readonly state: ConversationState;
  readonly updatedAt: Date;
  /** The conversation's newest CRM record, of whichever CRM made it (CRM may have been switched since). */
  readonly record?: CrmRecord;
}

export interface ConversationPage {
  readonly conversations: readonly ConversationSummary[];
  /** Set when more conversations follow this page. */
  readonly next?: ConversationCursor;
}

/** Dead steps that failed the same way: the error's code (jobs.last_error_code). */
export interface DeadErrorGroup {
  readonly code: string;
  readonly count: number;
  /** The newest of these errors in full. */
  readonly example: string;
  readonly newestAt: Date;
}

export interface SourceActivity {
  readonly lastEventAt?: Date;
  /** The newest step of this platform's conversations whose error still stands (failing, dead or expired). */
  readonly lastStepError?: Job;
}

export interface ConsoleStore {
  listConversations(filter: ConversationFilter): Promise<ConversationPage>;
  conversationState(key: ConversationKey): Promise<ConversationState | undefined>;
  /** Pending or running steps that failed at least once, newest change first. */
  failingJobs(limit: number): Promise<Job[]>;
  deadErrorGroups(limit: number): Promise<DeadErrorGroup[]>;
  /** Dead steps whose error has this code, newest first. */
  deadJobsWithCode(code: string, limit: number): Promise<Job[]>;
  sourceActivity(source: string): Promise<SourceActivity>;
}
