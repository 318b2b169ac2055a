/**
 * The Agent Chat API actions chat2crm uses, with LiveChat's validation and membership rules
 * (https://platform.text.com/docs/messaging/agent-chat-api "Methods"). Each takes the JSON body and who asks.
 */
import { apiError } from './errors';
import type { LiveChatState } from './state';
import { listArchives } from './archives';

export interface Requester {
  /** The chat user the credentials act as (the agent's id, i.e. their email, or a bot id). */
  readonly agentId: string;
}

type Body = Readonly<Record<string, unknown>>;
export type Action = (state: LiveChatState, requester: Requester, body: Body) => Record<string, unknown>;

const text = (body: Body, key: string, required = true): string | undefined => {
  const value = body[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '') throw apiError('validation', `\`${key}\` is required and must be a non-empty string`);
  return value;
};

const chatOf = (state: LiveChatState, body: Body) => {
  const id = text(body, 'chat_id') ?? '';
  const chat = state.chats.get(id);
  if (chat === undefined) throw apiError('not_found', 'Chat not found');
  return chat;
};

/** list_threads paging: an opaque id that is the next offset of the same listing. */
const pageIdOf = (listing: { chatId: string; order: string; limit: number; offset: number }): string =>
  Buffer.from(JSON.stringify(listing)).toString('base64url');
const listingOf = (pageId: string): { chatId: string; order: string; limit: number; offset: number } => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(pageId, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'chatId' in parsed &&
      'order' in parsed &&
      'limit' in parsed &&
      'offset' in parsed
    ) {
      const { chatId, order, limit, offset } = parsed;
      if (typeof chatId === 'string' && typeof order === 'string' && typeof limit === 'number' && typeof offset === 'number')
        return { chatId, order, limit, offset };
    }
  } catch {
    // answered below
  }
  throw apiError('validation', '`page_id` is invalid');
};

/** Session fields are `[{"key": "value"}, …]`: one string pair per entry (agent-chat-api "Update Customer"). */
const sessionFieldsOf = (value: unknown): Record<string, string>[] => {
  if (!Array.isArray(value)) throw apiError('validation', '`session_fields` must be an array');
  return value.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw apiError('validation', '`session_fields` entries must be objects');
    const pairs = Object.entries(entry);
    const first = pairs[0];
    if (pairs.length !== 1 || first === undefined || typeof first[1] !== 'string')
      throw apiError('validation', '`session_fields` entries must hold exactly one string value');
    return Object.fromEntries([first]);
  });
};

export const ACTIONS: Readonly<Record<string, Action>> = {
  get_chat: (state, _r, body) => {
    const chat = chatOf(state, body);
    const threadId = text(body, 'thread_id', false);
    const thread = threadId === undefined ? chat.threads.at(-1) : chat.threads.find((th) => th.id === threadId);
    if (thread === undefined) throw apiError('not_found', 'Thread not found');
    return state.chatJson(chat, thread);
  },

  list_threads: (state, _r, body) => {
    const listing =
      typeof body.page_id === 'string'
        ? listingOf(body.page_id)
        : {
            chatId: chatOf(state, body).id,
            order: body.sort_order === 'asc' ? 'asc' : 'desc',
            limit:
              body.limit === undefined
                ? 3
                : typeof body.limit === 'number' && Number.isInteger(body.limit) && body.limit >= 1 && body.limit <= 100
                  ? body.limit
                  : -1,
            offset: 0,
          };
    if (listing.limit < 0) throw apiError('validation', '`limit` must be a whole number from 1 to 100');
    const chat = state.chat(listing.chatId);
    const ordered = listing.order === 'asc' ? chat.threads : [...chat.threads].reverse();
    const page = ordered.slice(listing.offset, listing.offset + listing.limit);
    const next =
      listing.offset + listing.limit < ordered.length
        ? { next_page_id: pageIdOf({ ...listing, offset: listing.offset + listing.limit }) }
        : {};
    return { threads: page.map((th) => state.threadJson(chat, th)), found_threads: ordered.length, ...next };
  },

  get_customer: (state, _r, body) => {
    const customer = state.customers.get(text(body, 'id') ?? '');
    if (customer === undefined) throw apiError('not_found', 'Customer not found');
    return {
      ...state.customerJson(customer),
      chat_ids: [...state.chats.values()].filter((c) => c.customerId === customer.id).map((c) => c.id),
    };
  },

  /** Replaces `session_fields` as a whole: the pessimistic reading of what LiveChat does (undocumented). */
  update_customer: (state, _r, body) => {
    const id = text(body, 'id') ?? '';
    const fields = ['name', 'email', 'avatar', 'phone_number', 'session_fields', 'address'].filter((k) => body[k] !== undefined);
    if (fields.length === 0) throw apiError('validation', 'At least one field besides `id` is required');
    const customer = state.customers.get(id);
    if (customer === undefined) throw apiError('not_found', 'Customer not found');
    if (body.session_fields !== undefined) customer.session_fields = sessionFieldsOf(body.session_fields);
    if (typeof body.name === 'string') customer.name = body.name;
    if (typeof body.email === 'string') customer.email = body.email;
    return {};
  },

  /** The requester must be a user of the chat (v3.4+), and the chat active. */
  send_event: (state, requester, body) => {
    const chat = chatOf(state, body);
    const event = body.event;
    if (typeof event !== 'object' || event === null || Array.isArray(event)) throw apiError('validation', '`event` is required');
    const type = 'type' in event ? event.type : undefined;
    const eventText = 'text' in event ? event.text : undefined;
    const visibility = 'visibility' in event ? event.visibility : 'all';
    if (type !== 'message') throw apiError('validation', 'Only `message` events are emulated');
    if (typeof eventText !== 'string' || eventText === '') throw apiError('validation', '`event.text` is required');
    if (visibility !== 'all' && visibility !== 'agents') throw apiError('validation', '`event.visibility` must be all or agents');
    if (!state.isActive(chat.id)) throw apiError('chat_inactive', 'Chat is inactive');
    // The not-a-member answer is undocumented; `authorization` is assumed.
    if (!state.isMember(chat.id, requester.agentId)) throw apiError('authorization', 'Requester is not a chat member');
    const added = state.addEvent(chat.id, { type, text: eventText, visibility, author_id: requester.agentId });
    return { event_id: added.id };
  },

  add_user_to_chat: (state, requester, body) => {
    const chat = chatOf(state, body);
    const userId = text(body, 'user_id') ?? '';
    if (body.user_type !== 'agent' && body.user_type !== 'customer') throw apiError('validation', '`user_type` must be agent or customer');
    const visibility = body.visibility ?? 'all';
    if (visibility !== 'all' && visibility !== 'agents') throw apiError('validation', '`visibility` must be all or agents');
    if (body.user_type === 'agent' && !state.agents.has(userId)) throw apiError('validation', 'Agent not found');
    if (!state.isActive(chat.id)) throw apiError('chat_inactive', 'Chat is inactive');
    if (body.ignore_requester_presence !== true && !state.isMember(chat.id, requester.agentId))
      throw apiError('authorization', 'Requester is not a chat member');
    if (state.isMember(chat.id, userId)) throw apiError('validation', 'User is already a chat member');
    chat.members.push({ id: userId, type: body.user_type, visibility });
    state.lastThread(chat.id).user_ids.push(userId);
    return {};
  },

  list_archives: (state, _r, body) => listArchives(state, body),

  list_chats: (state, _r, body) => {
    const limit = typeof body.limit === 'number' ? body.limit : 10;
    const chats = [...state.chats.values()];
    return {
      chats_summary: chats
        .slice(0, limit)
        .map((c) => ({ id: c.id, last_thread_summary: { id: c.threads.at(-1)?.id, active: c.threads.at(-1)?.active } })),
      found_chats: chats.length,
    };
  },
};

/** The scope each action needs (agent-chat-api "Methods"). */
export const SCOPE_OF: Readonly<Record<string, string>> = {
  get_chat: 'chats--all:ro',
  list_threads: 'chats--all:ro',
  list_chats: 'chats--all:ro',
  list_archives: 'chats--all:ro',
  get_customer: 'customers:ro',
  update_customer: 'customers:rw',
  send_event: 'chats--all:rw',
  add_user_to_chat: 'chats--all:rw',
};
