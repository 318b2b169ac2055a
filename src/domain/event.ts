import type { Conversation } from './conversation';

/**
 * What a chat platform told us. Only `transcript` and `offline` create CRM records;
 * `start` looks the visitor up, `test` is the platform's "send test" and touches no CRM.
 */
export type ChatEventKind = 'transcript' | 'offline' | 'start' | 'test';

export interface ChatEvent {
  readonly kind: ChatEventKind;
  readonly conversation: Conversation;
  /** `?record=` on the webhook URL: the caller forces the record type. */
  readonly forced?: Action;
}

/** The kind of CRM record a conversation becomes. */
export type Action = 'lead' | 'case';
