import type { Conversation } from './conversation';
import type { Action } from './record';
import { commandOf } from './transcript';

export interface RoutingRules {
  readonly defaultRecord: Action;
  /** Lower-cased tag names that make a case. */
  readonly caseTags: readonly string[];
  /** Lower-cased group names that make a case. */
  readonly caseGroups: readonly string[];
}

/**
 * Lead or case, decided in this order: the caller's `?record=` override, the last `!case` /
 * `!lead` command typed in the chat, a case tag, a case group, the configured default.
 */
export const decideAction = (conversation: Conversation, rules: RoutingRules, forced?: Action): Action => {
  if (forced !== undefined) return forced;
  const commanded = conversation.messages.map((m) => commandOf(m.body)).filter((c): c is Action => c === 'lead' || c === 'case');
  const last = commanded[commanded.length - 1];
  if (last !== undefined) return last;
  const lower = (xs: readonly string[]) => xs.map((x) => x.trim().toLowerCase());
  if (lower(conversation.tags).some((tag) => rules.caseTags.includes(tag))) return 'case';
  if (lower(conversation.groups).some((group) => rules.caseGroups.includes(group))) return 'case';
  return rules.defaultRecord;
};
