/**
 * The LiveChat emulator's memory: customers with session fields, agents, and chats made of threads
 * of events (https://platform.text.com/docs/messaging/agent-chat-api/data-structures). Chats are
 * edited through the methods below, which stand for what agents and customers do in the LiveChat
 * apps.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export type Visibility = 'all' | 'agents';

export interface EmulatedEvent {
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly visibility: Visibility;
  readonly author_id?: string;
  readonly text?: string;
  /** Any other field of the event as LiveChat sends it (`fields`, `name`, `url`, `elements`, `deleted`, …). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface EmulatedThread {
  readonly id: string;
  active: boolean;
  readonly user_ids: string[];
  readonly events: EmulatedEvent[];
  readonly tags: string[];
  readonly created_at: string;
  previous_thread_id?: string;
  next_thread_id?: string;
}

export interface EmulatedCustomer {
  readonly id: string;
  name?: string;
  email?: string;
  session_fields: Record<string, string>[];
}

export interface EmulatedAgent {
  readonly id: string;
  readonly name: string;
}

export interface ChatMember {
  readonly id: string;
  readonly type: 'customer' | 'agent';
  visibility: Visibility;
}

export interface EmulatedChat {
  readonly id: string;
  readonly customerId: string;
  readonly members: ChatMember[];
  readonly threads: EmulatedThread[];
  readonly groupIds: number[];
  /** `get_chat` leaves the customer's name and email out (real chats often lack them there). */
  bareCustomer: boolean;
  /** `get_chat` leaves the customer's `session_fields` key out (only `get_customer` shows them). */
  hideSessionFields: boolean;
}

/** LiveChat ids look like `PJ0MRSHTDG`: ten upper-case letters and digits. */
export const livechatId = (): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
};

export class LiveChatState {
  readonly customers = new Map<string, EmulatedCustomer>();
  readonly agents = new Map<string, EmulatedAgent>();
  readonly chats = new Map<string, EmulatedChat>();
  /** v2 visitor details pushed, by visitor id, newest last. */
  readonly visitorDetails = new Map<string, Record<string, unknown>[]>();
  /** v2 `license_id` → tokens its webhooks carried (the visitor-details call must bring one). */
  readonly v2Tokens = new Map<string, Set<string>>();
  private clock = Date.parse('2026-01-05T09:00:00.000Z');

  /** Event times step a second at a time, so a transcript's order is its creation order. */
  tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace('Z', '000Z');
  }

  /** The next event or thread is made a second after `at` (to seed chats at chosen times, e.g. for list_archives). */
  setClock(at: Date): void {
    this.clock = at.getTime();
  }

  addAgent(id: string, name: string = id): EmulatedAgent {
    const agent = { id, name };
    this.agents.set(id, agent);
    return agent;
  }

  addCustomer(fields: { id?: string; name?: string; email?: string; session_fields?: Record<string, string>[] } = {}): EmulatedCustomer {
    const customer: EmulatedCustomer = { id: fields.id ?? randomUUID(), session_fields: fields.session_fields ?? [] };
    if (fields.name !== undefined) customer.name = fields.name;
    if (fields.email !== undefined) customer.email = fields.email;
    this.customers.set(customer.id, customer);
    return customer;
  }

  /** A new chat with its first, active thread; the agent (added if unknown) is in it. */
  startChat(options: {
    customerId: string;
    agentId: string;
    id?: string;
    groupIds?: number[];
    tags?: string[];
    bareCustomer?: boolean;
    hideSessionFields?: boolean;
  }): EmulatedChat {
    if (!this.customers.has(options.customerId)) throw new Error(`emulator: no customer ${options.customerId}`);
    if (!this.agents.has(options.agentId)) this.addAgent(options.agentId);
    const chat: EmulatedChat = {
      id: options.id ?? livechatId(),
      customerId: options.customerId,
      members: [
        { id: options.customerId, type: 'customer', visibility: 'all' },
        { id: options.agentId, type: 'agent', visibility: 'all' },
      ],
      threads: [],
      groupIds: options.groupIds ?? [0],
      bareCustomer: options.bareCustomer ?? false,
      hideSessionFields: options.hideSessionFields ?? false,
    };
    this.chats.set(chat.id, chat);
    this.startThread(chat.id, options.tags);
    return chat;
  }

  chat(id: string): EmulatedChat {
    const chat = this.chats.get(id);
    if (chat === undefined) throw new Error(`emulator: no chat ${id}`);
    return chat;
  }

  lastThread(chatId: string): EmulatedThread {
    const thread = this.chat(chatId).threads.at(-1);
    if (thread === undefined) throw new Error(`emulator: chat ${chatId} has no thread`);
    return thread;
  }

  /** The customer comes back: a new active thread of the same chat (LiveChat's "continuous chat"). */
  startThread(chatId: string, tags: string[] = []): EmulatedThread {
    const chat = this.chat(chatId);
    const previous = chat.threads.at(-1);
    if (previous?.active === true) throw new Error(`emulator: chat ${chatId} already has an active thread`);
    const thread: EmulatedThread = {
      id: livechatId(),
      active: true,
      user_ids: chat.members.map((m) => m.id),
      events: [],
      tags,
      created_at: this.tick(),
    };
    if (previous !== undefined) {
      thread.previous_thread_id = previous.id;
      previous.next_thread_id = thread.id;
    }
    chat.threads.push(thread);
    return thread;
  }

  /** An event in the chat's latest thread, which must be active. */
  addEvent(
    chatId: string,
    event: { type?: string; author_id?: string; text?: string; visibility?: Visibility; extra?: Record<string, unknown> },
  ): EmulatedEvent {
    const thread = this.lastThread(chatId);
    if (!thread.active) throw new Error(`emulator: chat ${chatId} is inactive`);
    const added: EmulatedEvent = {
      id: `${thread.id}_${thread.events.length + 1}`,
      type: event.type ?? 'message',
      created_at: this.tick(),
      visibility: event.visibility ?? 'all',
      ...(event.author_id === undefined ? {} : { author_id: event.author_id }),
      ...(event.text === undefined ? {} : { text: event.text }),
      ...(event.extra === undefined ? {} : { extra: event.extra }),
    };
    thread.events.push(added);
    return added;
  }

  /** The chat ends (an agent or the router closes it): its latest thread becomes inactive. */
  closeThread(chatId: string): EmulatedThread {
    const thread = this.lastThread(chatId);
    thread.active = false;
    return thread;
  }

  isActive(chatId: string): boolean {
    return this.chat(chatId).threads.at(-1)?.active === true;
  }

  isMember(chatId: string, userId: string): boolean {
    return this.chat(chatId).members.some((m) => m.id === userId);
  }

  /** Events as the API shows them. */
  eventJson(e: EmulatedEvent): Record<string, unknown> {
    return {
      id: e.id,
      type: e.type,
      created_at: e.created_at,
      visibility: e.visibility,
      ...(e.author_id === undefined ? {} : { author_id: e.author_id }),
      ...(e.text === undefined ? {} : { text: e.text }),
      ...e.extra,
    };
  }

  threadJson(chat: EmulatedChat, thread: EmulatedThread): Record<string, unknown> {
    return {
      id: thread.id,
      active: thread.active,
      user_ids: thread.user_ids,
      events: thread.events.map((e) => this.eventJson(e)),
      tags: thread.tags,
      access: { group_ids: chat.groupIds },
      properties: {},
      created_at: thread.created_at,
      ...(thread.previous_thread_id === undefined ? {} : { previous_thread_id: thread.previous_thread_id }),
      ...(thread.next_thread_id === undefined ? {} : { next_thread_id: thread.next_thread_id }),
    };
  }

  /** `bare`: without name and email; `withoutSessionFields`: without the `session_fields` key. */
  customerJson(
    customer: EmulatedCustomer,
    options: { readonly bare?: boolean; readonly withoutSessionFields?: boolean } = {},
  ): Record<string, unknown> {
    const bare = options.bare === true;
    return {
      id: customer.id,
      type: 'customer',
      ...(bare || customer.name === undefined ? {} : { name: customer.name }),
      ...(bare || customer.email === undefined ? {} : { email: customer.email }),
      ...(options.withoutSessionFields === true ? {} : { session_fields: customer.session_fields }),
      created_at: '2026-01-05T08:59:00.000000Z',
      statistics: { chats_count: [...this.chats.values()].filter((c) => c.customerId === customer.id).length },
    };
  }

  usersJson(chat: EmulatedChat): Record<string, unknown>[] {
    return chat.members.map((m) => {
      if (m.type === 'customer') {
        const customer = this.customers.get(m.id);
        return {
          ...(customer === undefined
            ? { id: m.id, type: 'customer' }
            : this.customerJson(customer, { bare: chat.bareCustomer, withoutSessionFields: chat.hideSessionFields })),
          present: true,
        };
      }
      const agent = this.agents.get(m.id);
      return { id: m.id, type: 'agent', name: agent?.name ?? m.id, email: m.id, present: true, visibility: m.visibility };
    });
  }

  /** The `get_chat` answer (agent-chat-api "Get Chat"); `thread` is the one asked for or the latest. */
  chatJson(chat: EmulatedChat, thread: EmulatedThread): Record<string, unknown> {
    return {
      id: chat.id,
      thread: this.threadJson(chat, thread),
      users: this.usersJson(chat),
      properties: {},
      access: { group_ids: chat.groupIds },
      is_followed: false,
    };
  }
}
