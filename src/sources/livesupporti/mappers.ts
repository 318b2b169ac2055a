import type { Conversation, Visitor } from '../../domain/conversation';
import type { InboundEvent, StepKind } from '../../domain/source';
import type { ChatStartedData } from './codec';

/** How long a pushed link can still reach the agent: LiveSupporti tells us of no chat's end. */
export const CHAT_WINDOW_MS = 15 * 60_000;

/** LiveSupporti sends no chat id, so one visitor of one account is one conversation (CRM key `livesupporti:<AccountId>:<VisitorId>`). */
export const conversationId = (accountId: string, visitorId: string): string => `${accountId}:${visitorId}`;

/** Account ids are GUIDs; a visitor id (`<ip>-<n>`) may hold colons (IPv6), so the split is at the first one. */
export const splitConversationId = (id: string): { readonly accountId: string; readonly visitorId: string } | undefined => {
  const at = id.indexOf(':');
  return at <= 0 || at === id.length - 1 ? undefined : { accountId: id.slice(0, at), visitorId: id.slice(at + 1) };
};

const emailOf = (text: string | undefined): string | undefined => (text !== undefined && /^[^\s@]+@[^\s@]+$/.test(text) ? text : undefined);

export interface ChatStartedContext {
  readonly dedupKey: string;
  /** When we heard of it: the notification carries no time. */
  readonly at: Date;
  readonly createLeads: boolean;
}

export const toChatStartedEvent = (data: ChatStartedData, context: ChatStartedContext): InboundEvent => {
  const email = emailOf(data.Visitor.Email);
  if (email === undefined) return { kind: 'ignored', reason: 'LiveSupporti chat started without a visitor email: nobody to look up' };
  const visitor: Visitor = {
    id: data.Visitor.Id,
    email,
    ...(data.Visitor.Name === undefined ? {} : { name: data.Visitor.Name }),
    ...(data.Visitor.Phone === undefined ? {} : { phone: data.Visitor.Phone }),
  };
  const agent = data.AgentId === undefined ? '' : ` (agent ${data.AgentId})`;
  const conversation: Conversation = {
    source: 'livesupporti',
    id: conversationId(data.AccountId, data.Visitor.Id),
    visitor,
    // No transcript exists yet: the record says where and when the chat started.
    messages: [
      {
        role: 'system',
        author: 'LiveSupporti',
        body: `Chat started on LiveSupporti at ${context.at.toISOString()}${agent}.`,
        at: context.at,
      },
    ],
    tags: [],
    groups: [],
    operators: [],
    offline: false,
    startedAt: context.at,
    ...(data.Visitor.Properties === undefined ? {} : { custom: data.Visitor.Properties }),
  };
  // `lookup` finds a known person; the pipeline then skips `deliver`, which creates the lead.
  const plan: readonly StepKind[] = context.createLeads ? ['lookup', 'deliver', 'notify'] : ['lookup', 'notify'];
  return {
    kind: 'conversation',
    dedupKey: context.dedupKey,
    conversation,
    plan,
    // A chat start is someone to sell to: never a case, whatever DEFAULT_RECORD says.
    forced: 'lead',
    meta: { accountId: data.AccountId, visitorId: data.Visitor.Id, ...(data.AgentId === undefined ? {} : { agentId: data.AgentId }) },
    expiresAt: new Date(context.at.getTime() + CHAT_WINDOW_MS),
  };
};
