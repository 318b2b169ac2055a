/** Conversations and records for the Store contract: small, explicit, and easy to tell apart. */
import type { Conversation, Message, Visitor } from '../../src/domain/conversation';
import type { Action } from '../../src/domain/event';
import type { CrmRecord } from '../../src/domain/record';

export const T0 = new Date('2026-03-01T09:00:00.000Z');
export const at = (ms: number): Date => new Date(T0.getTime() + ms);

export const messages = (count: number, from = 0): Message[] =>
  Array.from({ length: count }, (_, i) => ({
    role: i % 2 === 0 ? 'visitor' : 'operator',
    author: i % 2 === 0 ? 'Visitor' : 'Ann',
    body: `line ${from + i}`,
    at: at((from + i) * 1000 + 7),
  }));

export const conversation = (id: string, overrides: Partial<Conversation> = {}): Conversation => ({
  source: 'olark',
  id,
  visitor: { name: 'Jo Doe' },
  messages: messages(2),
  tags: [],
  groups: [],
  operators: [{ id: 'op1', name: 'Ann' }],
  offline: false,
  ...overrides,
});

export const withVisitor = (id: string, visitor: Visitor, messageCount = 2): Conversation =>
  conversation(id, { visitor, messages: messages(messageCount) });

export const record = (id: string, action: Action = 'lead', crm = 'local'): CrmRecord => ({
  crm,
  action,
  type: action === 'lead' ? 'contact' : 'ticket',
  id,
  url: `https://crm.example/${action}/${id}`,
  refs: { note: `note-${id}` },
});

/** The job an intake queued (a plan always queues one; a missing one is a failed test). */
export const queued = <R extends { readonly jobId?: string | undefined }>(result: R): string => {
  if (result.jobId === undefined) throw new Error('intake queued no job');
  return result.jobId;
};

/** A failure written the way pages show it (`CODE: message`), as a JobResult carries it. */
export const stepError = (text: string): { readonly code: string; readonly message: string } => {
  const at = text.indexOf(': ');
  return at < 0 ? { code: text, message: '' } : { code: text.slice(0, at), message: text.slice(at + 2) };
};
