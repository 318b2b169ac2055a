/**
 * Archived chats for `npm run backfill` to find: `count` finished one-thread chats, each with its
 * own customer (name, email) and two lines, started `spacingMs` apart from `from`, oldest first.
 * The sandbox seeds them with LIVECHAT_EMULATOR_ARCHIVE=<count>; tests and the benchmark call it.
 */
import type { LiveChatState } from './state';

export interface ArchivedChat {
  readonly chatId: string;
  readonly threadId: string;
  readonly customerId: string;
  /** The thread's creation time (what list_archives filters and sorts on). */
  readonly at: Date;
}

export const seedArchive = (
  state: LiveChatState,
  options: { readonly count: number; readonly from: Date; readonly spacingMs?: number; readonly agentId: string },
): ArchivedChat[] => {
  const spacing = options.spacingMs ?? 3_600_000;
  if (!state.agents.has(options.agentId)) state.addAgent(options.agentId);
  const seeded: ArchivedChat[] = [];
  for (let i = 0; i < options.count; i++) {
    state.setClock(new Date(options.from.getTime() + i * spacing));
    const customer = state.addCustomer({ name: `Visitor ${i}`, email: `visitor${i}@example.com` });
    const chat = state.startChat({ customerId: customer.id, agentId: options.agentId });
    state.addEvent(chat.id, { author_id: customer.id, text: `Question number ${i}` });
    state.addEvent(chat.id, { author_id: options.agentId, text: 'Answered' });
    const thread = state.closeThread(chat.id);
    seeded.push({ chatId: chat.id, threadId: thread.id, customerId: customer.id, at: new Date(Date.parse(thread.created_at)) });
  }
  return seeded;
};
