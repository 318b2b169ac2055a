/**
 * `list_archives` (https://platform.text.com/docs/messaging/agent-chat-api#list-archives): one
 * entry per thread ("1 chat per 1 thread"), each the whole chat with that one thread, filtered by
 * `filters.from` / `filters.to` on the thread's creation time, `sort_order` `desc` by default,
 * `limit` 10 by default and 1 to 100. Paging follows agent-chat-api "Pagination": the first request
 * carries the filters, later ones `page_id` alone (anything else with it is a `validation` error).
 * The emulator's `page_id` remembers the filters and the last thread shown (a keyset, so threads
 * archived meanwhile neither shift nor repeat a page). Active threads are listed too (their
 * `active: true` says so): what LiveChat does with them is not documented, and a client must cope.
 */
import { apiError } from './errors';
import type { EmulatedChat, EmulatedThread, LiveChatState } from './state';

type Body = Readonly<Record<string, unknown>>;

interface Listing {
  readonly from?: number;
  readonly to?: number;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  /** The last thread of the page before: its creation time and id. */
  readonly after?: readonly [number, string];
}

const timeOf = (value: unknown, key: string): number | undefined => {
  if (value === undefined) return undefined;
  const at = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(at)) throw apiError('validation', `\`filters.${key}\` must be an RFC 3339 date-time`);
  return at;
};

const encode = (listing: Listing): string => Buffer.from(JSON.stringify(listing)).toString('base64url');

const decode = (pageId: string): Listing => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(pageId, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'order' in parsed && 'limit' in parsed) {
      const p: Record<string, unknown> = Object.fromEntries(Object.entries(parsed));
      const order = p.order === 'asc' ? 'asc' : 'desc';
      const after =
        Array.isArray(p.after) && typeof p.after[0] === 'number' && typeof p.after[1] === 'string'
          ? ([p.after[0], p.after[1]] as const)
          : undefined;
      if (typeof p.limit === 'number')
        return {
          order,
          limit: p.limit,
          ...(typeof p.from === 'number' ? { from: p.from } : {}),
          ...(typeof p.to === 'number' ? { to: p.to } : {}),
          ...(after === undefined ? {} : { after }),
        };
    }
  } catch {
    // answered below
  }
  throw apiError('validation', '`page_id` is invalid');
};

const firstListing = (body: Body): Listing => {
  const filters = body.filters ?? {};
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters))
    throw apiError('validation', '`filters` must be an object');
  const f: Record<string, unknown> = Object.fromEntries(Object.entries(filters));
  const limit = body.limit ?? 10;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100)
    throw apiError('validation', '`limit` must be a whole number from 1 to 100');
  const order = body.sort_order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw apiError('validation', '`sort_order` must be asc or desc');
  const from = timeOf(f.from, 'from');
  const to = timeOf(f.to, 'to');
  return { order, limit, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
};

const compare = (a: readonly [number, string], b: readonly [number, string]): number =>
  a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

export const listArchives = (state: LiveChatState, body: Body): Record<string, unknown> => {
  let listing: Listing;
  if (body.page_id !== undefined) {
    if (body.filters !== undefined || body.limit !== undefined || body.sort_order !== undefined)
      throw apiError('validation', '`filters`, `limit` and `sort_order` cannot be given with `page_id`');
    if (typeof body.page_id !== 'string') throw apiError('validation', '`page_id` must be a string');
    listing = decode(body.page_id);
  } else listing = firstListing(body);

  const matching: { chat: EmulatedChat; thread: EmulatedThread; key: readonly [number, string] }[] = [];
  for (const chat of state.chats.values())
    for (const thread of chat.threads) {
      const at = Date.parse(thread.created_at);
      if ((listing.from !== undefined && at < listing.from) || (listing.to !== undefined && at > listing.to)) continue;
      matching.push({ chat, thread, key: [at, thread.id] });
    }
  const sign = listing.order === 'asc' ? 1 : -1;
  matching.sort((a, b) => sign * compare(a.key, b.key));
  const after = listing.after;
  const rest = after === undefined ? matching : matching.filter((m) => sign * compare(m.key, after) > 0);
  const page = rest.slice(0, listing.limit);
  const last = page.at(-1);
  return {
    chats: page.map((m) => state.chatJson(m.chat, m.thread)),
    found_chats: matching.length,
    ...(rest.length > page.length && last !== undefined ? { next_page_id: encode({ ...listing, after: last.key }) } : {}),
    ...(after === undefined
      ? {}
      : { previous_page_id: encode({ ...listing, order: listing.order === 'asc' ? 'desc' : 'asc', after: page[0]?.key ?? after }) }),
  };
};
