/**
 * The iAdvize emulator's page at `/`: the conversations it serves and how often chat2crm read
 * them, and the calls this sandbox made to chat2crm (closed webhooks, the customer-information
 * plugin showing the CRM record). iAdvize receives no push: the agent's panel asks the plugin.
 */
import { receivedPage } from '../received-page';
import type { OutgoingCall } from './play';
import type { SeedConversation } from './seed';

const CALLS_SHOWN = 30;

export const iadvizePage = (
  conversations: ReadonlyMap<string, SeedConversation>,
  reads: ReadonlyMap<string, number>,
  calls: readonly OutgoingCall[],
): string =>
  receivedPage(
    'iAdvize emulator',
    'Conversations served to chat2crm, and what chat2crm answered this sandbox (its plugin shows the CRM record). Reloads every 3 seconds.',
    [
      {
        title: 'Conversations',
        columns: ['conversation', 'visitor', 'messages', 'tags', 'GraphQL reads by chat2crm'],
        rows: [...conversations.values()].map((c) => [
          c.id,
          [c.visitor?.firstName, c.visitor?.lastName, c.visitor?.email]
            .filter((x): x is string => typeof x === 'string' && x !== '')
            .join(' '),
          String(c.messages.length),
          c.tags.map((t) => t.name).join(', '),
          String(reads.get(c.id) ?? 0),
        ]),
        empty: 'No conversations.',
      },
      {
        title: `Calls to chat2crm: webhooks and plugin (newest first, at most ${CALLS_SHOWN})`,
        columns: ['time', 'call', 'status', 'answer'],
        rows: calls
          .slice(-CALLS_SHOWN)
          .reverse()
          .map((c) => [c.at, c.what, String(c.status), c.answer]),
        empty:
          'None yet: run `npm run emulator:iadvize -- conversation-closed <webhook URL>`, or start the sandbox with IADVIZE_EMULATOR_WEBHOOK.',
      },
    ],
  );
