import * as t from 'io-ts';
import { knownKeys } from '../../domain/codecs';
import { listOf, OptionalText } from './wire-common';
import { ChatUser, RawChat, Thread } from './wire-v3';

/**
 * Agent Chat API v3.6 answers we read (https://platform.text.com/docs/messaging/agent-chat-api;
 * "Methods"). Only what we use is checked; the rest passes through unread.
 */

/** `get_chat`: the chat with the one thread asked for (the latest without `thread_id`). */
export const GetChatAnswer = knownKeys(t.intersection([RawChat, t.type({ thread: Thread })]));
export type GetChatAnswer = t.TypeOf<typeof GetChatAnswer>;

/** `list_threads`: `{threads, found_threads, next_page_id?, previous_page_id?}`. */
export const ListThreadsAnswer = knownKeys(
  t.intersection([t.type({ threads: listOf(Thread) }), t.partial({ next_page_id: OptionalText })]),
);
export type ListThreadsAnswer = t.TypeOf<typeof ListThreadsAnswer>;

/** `get_customer`: the customer object (`session_fields: [{"key": "value"}, …]`) plus `chat_ids`. */
export const GetCustomerAnswer = ChatUser;
export type GetCustomerAnswer = t.TypeOf<typeof GetCustomerAnswer>;

/** `update_customer`, `add_user_to_chat`: `{}`; `send_event`: `{event_id}`; `list_chats`: a summary. */
export const AnyAnswer = t.UnknownRecord;
