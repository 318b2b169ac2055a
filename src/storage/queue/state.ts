/**
 * A conversation's console state, kept on its row (conversations.state) so the console's pages
 * filter by it through an index. Written by the rules wherever a conversation's jobs change, in
 * both dialects: no trigger decides it (SQLite's triggers cost about 11 µs per job written, and
 * PostgreSQL's a function call with four look-ups per job).
 */
import type { ConversationState } from '../console';
import type { JobState } from '../store';

/** From its jobs: a dead step wins, then an unfinished one that failed, then any unfinished, then an expired one. */
export const stateOf = (jobs: readonly { readonly state: JobState; readonly failed: boolean }[]): ConversationState => {
  const unfinished = jobs.filter((j) => j.state === 'pending' || j.state === 'running');
  if (jobs.some((j) => j.state === 'dead')) return 'dead';
  if (unfinished.some((j) => j.failed)) return 'failing';
  if (unfinished.length > 0) return 'pending';
  if (jobs.some((j) => j.state === 'expired')) return 'expired';
  return 'delivered';
};

/**
 * After a new step without an error is queued (or claimed as it is queued): a delivered or
 * expired conversation has work again; a dead, failing or pending one stays as it was, because
 * what made it so is still there. Saves reading the conversation's jobs on the ingest path.
 */
export const afterQueued = (state: ConversationState): ConversationState =>
  state === 'delivered' || state === 'expired' ? 'pending' : state;
