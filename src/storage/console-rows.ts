/** Row codecs of the console's reads (see rows.ts for why rows are decoded). */
import * as t from 'io-ts';
import { splitConversationKey } from '../domain/conversation-key';
import type { ConversationState, ConversationSummary, DeadErrorGroup } from './console';
import { Nullable, Num, decodeRow } from './row-codecs';
import { fromRecordJson } from './serialization';

const StateCodec = t.keyof({ delivered: null, pending: null, failing: null, dead: null, expired: null });

const SummaryRow = t.type({
  key: t.string,
  source: Nullable(t.string),
  conversation_id: Nullable(t.string),
  visitor_name: Nullable(t.string),
  visitor_email: Nullable(t.string),
  state: StateCodec,
  updated_at: Num,
  record: Nullable(t.string),
});
export const toSummary = (row: unknown): ConversationSummary => {
  const r = decodeRow(SummaryRow, 'conversation summary', row);
  const split = splitConversationKey(r.key);
  return {
    key: r.key,
    source: r.source ?? split.source,
    id: r.conversation_id ?? split.id,
    ...(r.visitor_name === null ? {} : { visitorName: r.visitor_name }),
    ...(r.visitor_email === null ? {} : { visitorEmail: r.visitor_email }),
    state: r.state,
    updatedAt: new Date(r.updated_at),
    ...(r.record === null ? {} : { record: fromRecordJson(r.record) }),
  };
};

const StateRow = t.type({ state: StateCodec });
export const toState = (row: unknown): ConversationState => decodeRow(StateRow, 'conversation state', row).state;

const GroupRow = t.type({ code: t.string, n: Num, example: t.string, newest: Num });
export const toGroup = (row: unknown): DeadErrorGroup => {
  const r = decodeRow(GroupRow, 'error group', row);
  return { code: r.code, count: r.n, example: r.example, newestAt: new Date(r.newest) };
};

const NewestRow = t.type({ newest: Nullable(Num) });
export const toNewest = (row: unknown): number | null => decodeRow(NewestRow, 'newest', row).newest;

/** Columns every console list reads. */
export const SUMMARY_COLUMNS = 'key, source, conversation_id, visitor_name, visitor_email, state, updated_at';

/**
 * The summary's columns of the conversation aliased `c`, with its newest record of any CRM (the
 * records' primary key starts with the conversation's key: a few rows read per conversation).
 */
export const SUMMARY_SELECT = `${SUMMARY_COLUMNS.split(', ')
  .map((c) => `c.${c}`)
  .join(
    ', ',
  )}, (SELECT r.record FROM records r WHERE r.conversation_key = c.key ORDER BY r.updated_at DESC, r.crm, r.action LIMIT 1) AS record`;

/** Upper bound of a prefix range: any text starting with the prefix sorts below it (binary order). */
export const PREFIX_END = String.fromCodePoint(0x10ffff);

/** `a_b%` → `a\_b\%`: a LIKE pattern matching that text literally. */
export const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);
