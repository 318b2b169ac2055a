/**
 * Webhooks as LiveChat sends them, built from the emulator's state: v3 bodies in the v3.6 shape
 * (`organization_id`, `visibility`, form `answer`;
 * https://platform.text.com/docs/management/webhooks) and v2 bodies as the v2 webhook documentation
 * shows them (https://developers.livechat.com/docs/rest-api/v2). `postWebhook` sends one the way
 * LiveChat does: a JSON POST, nothing signed.
 */
import { randomBytes } from 'node:crypto';
import type { LiveChatState } from './state';

export const DEFAULT_ORGANIZATION_ID = 'f9c7cc55-b35a-4e76-b0d5-ae9fce362314';

export interface V3Options {
  readonly secretKey: string;
  readonly organizationId?: string;
}

const envelope = (action: string, payload: Record<string, unknown>, options: V3Options): Record<string, unknown> => ({
  webhook_id: randomBytes(16).toString('hex'),
  secret_key: options.secretKey,
  action,
  organization_id: options.organizationId ?? DEFAULT_ORGANIZATION_ID,
  payload,
  additional_data: {},
});

/** A new thread started: the whole chat with that thread and its first events. */
export const incomingChat = (state: LiveChatState, chatId: string, options: V3Options): Record<string, unknown> => {
  const chat = state.chat(chatId);
  return envelope('incoming_chat', { chat: state.chatJson(chat, state.lastThread(chatId)) }, options);
};

/** The latest thread closed (`user_id` left out when the router closed it). */
export const chatDeactivated = (
  state: LiveChatState,
  chatId: string,
  options: V3Options & { readonly userId?: string },
): Record<string, unknown> => {
  const thread = state.lastThread(chatId);
  return envelope(
    'chat_deactivated',
    { chat_id: chatId, thread_id: thread.id, ...(options.userId === undefined ? {} : { user_id: options.userId }) },
    options,
  );
};

/** The latest event of the chat's latest thread. */
export const incomingEvent = (state: LiveChatState, chatId: string, options: V3Options): Record<string, unknown> => {
  const thread = state.lastThread(chatId);
  const event = thread.events.at(-1);
  if (event === undefined) throw new Error(`emulator: chat ${chatId} has no event`);
  return envelope('incoming_event', { chat_id: chatId, thread_id: thread.id, event: state.eventJson(event) }, options);
};

export interface V2Options {
  readonly licenseId?: string;
  /** Registered with the state, so the visitor-details call accepts it. */
  readonly token?: string;
  readonly eventUniqueId?: string;
}

const v2Credentials = (state: LiveChatState, options: V2Options): { license_id: string; token: string } => {
  const licenseId = options.licenseId ?? '1025707';
  const token = options.token ?? randomBytes(16).toString('hex');
  const tokens = state.v2Tokens.get(licenseId) ?? new Set<string>();
  tokens.add(token);
  state.v2Tokens.set(licenseId, tokens);
  return { license_id: licenseId, token };
};

/** The documented `chat_started`: the visitor, no chat. */
export const v2ChatStarted = (
  state: LiveChatState,
  visitor: { id: string; name?: string; email?: string },
  options: V2Options = {},
): Record<string, unknown> => ({
  event_type: 'chat_started',
  ...(options.eventUniqueId === undefined ? {} : { event_unique_id: options.eventUniqueId }),
  ...v2Credentials(state, options),
  visitor,
});

export interface V2Line {
  readonly user_type: 'agent' | 'supervisor' | 'visitor';
  readonly author_name: string;
  readonly text: string;
  readonly agent_id?: string;
}

export const v2ChatEnded = (
  state: LiveChatState,
  chat: { id: string; lines: readonly V2Line[]; tags?: string[]; startedAt?: number },
  visitor: { id: string; name?: string; email?: string },
  options: V2Options = {},
): Record<string, unknown> => {
  const started = chat.startedAt ?? 1_767_603_600;
  return {
    event_type: 'chat_ended',
    ...(options.eventUniqueId === undefined ? {} : { event_unique_id: options.eventUniqueId }),
    ...v2Credentials(state, options),
    chat: {
      id: chat.id,
      started_timestamp: started,
      ended_timestamp: started + chat.lines.length * 10 + 10,
      messages: chat.lines.map((l, i) => ({ ...l, timestamp: started + i * 10 })),
      tags: chat.tags ?? [],
      groups: [0],
    },
    visitor,
    pre_chat_survey: visitor.email === undefined ? [] : [{ id: '2002', type: 'email', label: 'E-mail:', answer: visitor.email }],
  };
};

export interface PostedWebhook {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** POSTs a webhook body (an object, or exact bytes) as LiveChat does. */
export const postWebhook = async (
  url: string,
  body: Record<string, unknown> | string | Buffer,
  contentType = 'application/json',
): Promise<PostedWebhook> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text };
};
