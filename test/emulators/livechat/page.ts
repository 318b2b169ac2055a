/**
 * The LiveChat emulator's page at `/`: customers with their session fields (where chat2crm writes
 * `crm_record_url`), every chat's events (agents-only messages marked), the v2 visitor details
 * pushed, and the service's latest Agent Chat API calls with what they were answered.
 */
import { receivedPage } from '../received-page';
import type { LiveChatState } from './state';

export interface PageCall {
  readonly action: string | undefined;
  readonly path: string;
  readonly status: number;
  readonly errorType?: string;
}

const CALLS_SHOWN = 30;

const pairs = (entries: readonly Readonly<Record<string, unknown>>[]): string =>
  entries.flatMap((e) => Object.entries(e).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)).join('\n');

const detailFields = (details: Readonly<Record<string, unknown>>): string => {
  const fields = details.fields;
  if (!Array.isArray(fields)) return pairs([Object.fromEntries(Object.entries(details).filter(([k]) => k.startsWith('fields[')))]);
  return fields
    .map((f: unknown) => {
      if (typeof f !== 'object' || f === null) return String(f);
      const o = Object.fromEntries(Object.entries(f));
      return [o.name, o.value, o.url]
        .filter((x) => x !== undefined)
        .map(String)
        .join(' · ');
    })
    .join('\n');
};

export const livechatPage = (state: LiveChatState, calls: readonly PageCall[]): string =>
  receivedPage(
    'LiveChat emulator',
    'What chat2crm wrote to this LiveChat: session fields, agents-only messages, v2 visitor details. Reloads every 3 seconds.',
    [
      {
        title: 'Customers and their session fields',
        columns: ['customer', 'name', 'email', 'session fields'],
        rows: [...state.customers.values()].map((c) => [c.id, c.name ?? '', c.email ?? '', pairs(c.session_fields)]),
        empty: 'No customers.',
      },
      {
        title: 'Chats and events',
        columns: ['chat', 'thread', 'time', 'author', 'visibility', 'event'],
        rows: [...state.chats.values()].flatMap((chat) =>
          chat.threads.flatMap((thread) =>
            thread.events.map((e) => [
              chat.id,
              `${thread.id}${thread.active ? ' (active)' : ''}`,
              e.created_at,
              e.author_id ?? '',
              e.visibility === 'agents' ? 'agents only' : 'all',
              e.text ?? `(${e.type})`,
            ]),
          ),
        ),
        empty: 'No chats.',
      },
      {
        title: 'v2 visitor details pushed',
        columns: ['visitor', 'set', 'fields'],
        rows: [...state.visitorDetails.entries()].flatMap(([visitor, list]) =>
          list.map((d) => [visitor, typeof d.id === 'string' ? d.id : '', detailFields(d)]),
        ),
        empty: 'None yet.',
      },
      {
        title: `Latest API calls (newest first, at most ${CALLS_SHOWN})`,
        columns: ['action', 'answer'],
        rows: calls
          .slice(-CALLS_SHOWN)
          .reverse()
          .map((c) => [
            c.action ?? c.path,
            c.status === 0 ? 'no answer' : c.errorType === undefined ? `${c.status} ok` : `${c.status} refused: ${c.errorType}`,
          ]),
        empty: 'None yet.',
      },
    ],
  );
