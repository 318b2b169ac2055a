import * as t from 'io-ts';
import { knownKeys } from '../../domain/codecs';
import { succeed, type Outcome } from '../../domain/outcome';
import type { ArchivePage, ArchiveQuery, InboundEvent } from '../../domain/source';
import type { AgentApi } from './agent-api';
import { threadClosedEvent } from './decode';
import { Id, listOf, OptionalText } from './wire-common';

/**
 * `listArchived` for `npm run backfill`: the Agent Chat API's `list_archives`
 * (https://platform.text.com/docs/messaging/agent-chat-api#list-archives), oldest first, 100 a
 * page (its maximum). LiveChat lists threads, not chats ("1 chat per 1 thread": a chat appears
 * once per thread), which is what its `chat_deactivated` webhook fires for: each archived thread
 * becomes the very event that webhook would have made (decode.ts `threadClosedEvent`), and the
 * `fetch` step reads the whole chat as it does for the webhook. Only the ids are read from the
 * listing, so an archive entry whose events we could not decode still gets its chat delivered.
 *
 * Paging (agent-chat-api "Pagination"): the filters, `limit` and `sort_order` go with the first
 * request only; later ones carry `page_id` alone. A `page_id` lasts a month at most.
 */

/** `list_archives` allows 1 to 100 a page. */
export const ARCHIVE_PAGE_SIZE = 100;

const ArchivedThread = knownKeys(t.intersection([t.type({ id: Id }), t.partial({ active: t.boolean })]));
const ArchivedChat = knownKeys(t.type({ id: Id, thread: ArchivedThread }));

/** `{chats, found_chats, next_page_id?, previous_page_id?}`; `found_chats` is an estimate. */
export const ListArchivesAnswer = knownKeys(
  t.intersection([t.type({ chats: listOf(ArchivedChat) }), t.partial({ found_chats: t.number, next_page_id: OptionalText })]),
);
export type ListArchivesAnswer = t.TypeOf<typeof ListArchivesAnswer>;

/** RFC 3339 with microseconds, as the filters ask (`YYYY-MM-DDTHH:MM:SS.ssssssZ`). */
export const rfc3339Micro = (at: Date): string => at.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export const archivesRequest = (query: ArchiveQuery): Readonly<Record<string, unknown>> =>
  query.cursor !== undefined
    ? { page_id: query.cursor }
    : {
        filters: { from: rfc3339Micro(query.since), ...(query.until === undefined ? {} : { to: rfc3339Micro(query.until) }) },
        sort_order: 'asc',
        limit: ARCHIVE_PAGE_SIZE,
      };

/**
 * A thread LiveChat still shows as active is left for its own webhook: taken now, its transcript
 * would be cut short and that webhook then be a duplicate. A thread without `active` is taken: it
 * is in the archives.
 */
const eventOf = (chat: t.TypeOf<typeof ArchivedChat>): InboundEvent =>
  chat.thread.active === true
    ? { kind: 'ignored', reason: 'the thread is still going on; its chat_deactivated webhook will bring it' }
    : threadClosedEvent(chat.id, chat.thread.id);

export const listArchivedChats = async (api: AgentApi, query: ArchiveQuery): Promise<Outcome<ArchivePage>> => {
  const answer = await api.call('list_archives', archivesRequest(query), ListArchivesAnswer);
  if (!answer.ok) return answer;
  const { chats, found_chats, next_page_id } = answer.value;
  return succeed({
    events: chats.map(eventOf),
    ...(found_chats === undefined ? {} : { found: found_chats }),
    // A page without chats ends the listing even if a cursor came with it: a loop must end.
    ...(next_page_id === undefined || chats.length === 0 ? {} : { cursor: next_page_id }),
  });
};
