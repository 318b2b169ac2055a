import type { Conversation } from '../../domain/conversation';
import { fail, succeed, type Outcome } from '../../domain/outcome';
import type { ConversationView, FetchedConversation, SourceMeta } from '../../domain/source';
import type { AgentApi } from './agent-api';
import { GetChatAnswer, GetCustomerAnswer, ListThreadsAnswer } from './api-wire';
import { META } from './decode';
import { customerOf, toConversation } from './transcript-v3';
import type { Thread } from './wire-v3';

/**
 * The `fetch` step for v3: the whole chat for a thin `chat_deactivated` or `!lead`/`!case` event.
 * `get_chat {chat_id, thread_id}` gives the users and the thread; only a chat with earlier threads
 * (`previous_thread_id`) also needs `list_threads`, oldest first, 100 a page, so a one-thread chat
 * costs one call. When neither the customer nor a form gave an email, `get_customer` is asked (the
 * customer in `get_chat` may lack it: https://platform.text.com/docs/messaging/agent-chat-api "Get
 * Chat" sample). The customer's session fields, when the answer carries them, go to the
 * conversation's meta, so that notify right after can merge the link into them without reading them
 * again (agent-chat-api data structures: a customer user has `session_fields`). A `get_chat`
 * customer without the key hands nothing on: absent is unknown, and notify reads them with
 * `get_customer`.
 */

/** `list_threads` allows at most 100 per page (agent-chat-api "List Threads"). */
const PAGE = 100;
/** A bound on paging: 2,000 threads is far beyond any real chat, and a loop must end. */
const MAX_PAGES = 20;

const earlierThreads = async (api: AgentApi, chatId: string): Promise<Outcome<Thread[]>> => {
  const threads: Thread[] = [];
  let pageId: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = pageId === undefined ? { chat_id: chatId, sort_order: 'asc', limit: PAGE } : { page_id: pageId };
    const answer = await api.call('list_threads', body, ListThreadsAnswer);
    if (!answer.ok) return answer;
    threads.push(...answer.value.threads);
    pageId = answer.value.next_page_id;
    if (pageId === undefined) break;
  }
  return succeed(threads);
};

/** The customer's session fields as read now, for notify to merge into without reading them again. */
const sessionFacts = (
  fields: readonly Readonly<Record<string, unknown>>[] | undefined,
  now: Date,
): { readonly meta: SourceMeta } | undefined =>
  fields === undefined ? undefined : { meta: { [META.sessionFields]: JSON.stringify(fields), [META.sessionFieldsAt]: now.toISOString() } };

const withFacts = (conversation: Conversation, facts: { readonly meta: SourceMeta } | undefined): FetchedConversation =>
  facts === undefined ? conversation : { ...conversation, facts };

export const fetchV3Conversation = async (
  api: AgentApi,
  view: ConversationView,
  now: () => Date = () => new Date(),
): Promise<Outcome<FetchedConversation>> => {
  const chatId = view.meta[META.chatId] ?? view.id;
  const threadId = view.meta[META.threadId];
  const chat = await api.call(
    'get_chat',
    threadId === undefined ? { chat_id: chatId } : { chat_id: chatId, thread_id: threadId },
    GetChatAnswer,
  );
  if (!chat.ok) return chat;
  let threads: Thread[] = [];
  if (chat.value.thread.previous_thread_id !== undefined) {
    const earlier = await earlierThreads(api, chatId);
    if (!earlier.ok) return earlier;
    threads = earlier.value;
  }
  const conversation = toConversation(chat.value, threads);
  const customer = customerOf(chat.value.users ?? []);
  if (conversation.visitor.email !== undefined || customer === undefined)
    return succeed(withFacts(conversation, sessionFacts(customer?.session_fields, now())));

  const full = await api.call('get_customer', { id: customer.id }, GetCustomerAnswer);
  // The email only enriches the record: a customer LiveChat no longer has is no reason to fail.
  if (!full.ok) return full.failure.kind === 'transient' ? fail(full.failure) : succeed(conversation);
  const users = (chat.value.users ?? []).map((u) => (u.id === customer.id ? { ...u, ...full.value, id: u.id, type: u.type } : u));
  // `get_customer` answers the customer object itself: fields it leaves out are none.
  return succeed(withFacts(toConversation({ ...chat.value, users }, threads), sessionFacts(full.value.session_fields ?? [], now())));
};
