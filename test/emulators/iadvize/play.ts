/**
 * iAdvize's side of a finished conversation, played against chat2crm: the signed
 * `v2.conversation.closed` webhook (https://github.com/iadvize/documentation/blob/master/docs/webhooks.md),
 * then the customer-information plugin asked for the conversation, as the agent's panel asks
 * (https://github.com/iadvize/documentation/blob/master/docs/build-apps.md "App Plugins"), until it
 * shows the CRM record or the wait ends. Used by `npm run emulator:iadvize -- conversation-closed`
 * and by the sandbox's demo.
 */
import { randomUUID } from 'node:crypto';
import { makeConversation, type SeedConversation } from './seed';
import { callPlugin, sendWebhook } from './webhook';

/** The sandbox's conversations, with fixed ids, so a command in another shell names what the sandbox serves. */
export const sandboxConversations = (): { readonly short: SeedConversation; readonly long: SeedConversation } => ({
  short: makeConversation({ id: '4c8c7408-f73c-42cd-89e9-afbbee7d9024', visitorId: 'b05f1b45-c891-4a9c-b47e-91ee6c8ffb44', messages: 6 }),
  long: makeConversation({
    id: '9a1e6f52-3c1d-4b7e-8f0a-2d5c7e9b1a34',
    visitorId: '5d2f8c1e-7a3b-4e6d-9c0f-1b2a3c4d5e6f',
    messages: 45,
    email: 'long.talker@example.com',
    tags: ['support'],
  }),
});

/**
 * The documented `v2.conversation.closed` body
 * (test/fixtures/iadvize/v2-conversation.closed-docs.json) for a seeded conversation.
 */
export const conversationClosed = (c: SeedConversation, eventId: string = randomUUID()): Record<string, unknown> => ({
  eventId,
  eventType: 'v2.conversation.closed',
  platform: 'ha',
  projectId: 1549,
  clientId: 335,
  conversationId: c.id,
  operatorIds: [1],
  channel: c.channel,
  ...(c.visitor === null ? {} : { visitorId: c.visitor.visitorId }),
  createdAt: c.createdAt,
  sentAt: c.closedAt ?? new Date().toISOString(),
});

/** A call the emulator made to chat2crm, as its page and the command show it. */
export interface OutgoingCall {
  readonly at: string;
  readonly what: string;
  readonly status: number;
  /** The answer's body, cut to 500 characters. */
  readonly answer: string;
}

export interface PlayOptions {
  /** chat2crm's iAdvize webhook URL (`PUBLIC_URL/webhooks/iadvize/<token>`). */
  readonly callbackUrl: string;
  /** IADVIZE_WEBHOOK_SECRET: the app's secret token both sides sign with. */
  readonly secret: string;
  readonly conversation: SeedConversation;
  /** How long to keep asking the plugin for the record; default 15 s. */
  readonly waitMs?: number;
  readonly intervalMs?: number;
  /** Each call as it is made. */
  readonly onCall?: (call: OutgoingCall) => void;
}

export interface Played {
  readonly calls: readonly OutgoingCall[];
  /** The record's URL the plugin showed, if it did within the wait. */
  readonly recordUrl: string | undefined;
}

const RECORD_FIELD = /"id"\s*:\s*"crm_record"[^}]*"value"\s*:\s*"([^"]+)"/;

export const playConversationClosed = async (options: PlayOptions): Promise<Played> => {
  const calls: OutgoingCall[] = [];
  const note = (what: string, status: number, answer: string): void => {
    const call = { at: new Date().toISOString(), what, status, answer: answer.slice(0, 500) };
    calls.push(call);
    options.onCall?.(call);
  };
  const c = options.conversation;
  const sent = await sendWebhook(options.callbackUrl, conversationClosed(c), { secret: options.secret });
  note(`webhook v2.conversation.closed ${c.id}`, sent.status, sent.text);
  if (sent.status !== 200) return { calls, recordUrl: undefined };

  const query: Record<string, string> = {
    idConversation: c.id,
    idWebsite: 'ha-1',
    ...(c.visitor === null ? {} : { idVisitorUnique: c.visitor.visitorId }),
  };
  const deadline = Date.now() + (options.waitMs ?? 15_000);
  for (;;) {
    const shown = await callPlugin(`${options.callbackUrl}/customer-info`, query, { secret: options.secret });
    const recordUrl = shown.status === 200 ? RECORD_FIELD.exec(shown.text)?.[1] : undefined;
    if (recordUrl !== undefined || Date.now() >= deadline) {
      note(`plugin customer-info ${c.id}`, shown.status, shown.text);
      return { calls, recordUrl };
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
};
