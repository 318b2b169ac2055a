/**
 * The LiveSupporti emulator's page at `/`: the visitor details chat2crm pushed (the `CRM` field
 * holds the record's link), and its latest calls with what they were answered.
 */
import { receivedPage } from '../received-page';

const CALLS_SHOWN = 30;

export const livesupportiPage = (
  details: ReadonlyMap<string, readonly { readonly name: string; readonly value: string }[]>,
  requests: readonly { readonly method: string; readonly path: string; readonly status: number; readonly fault?: string }[],
): string =>
  receivedPage(
    'LiveSupporti emulator',
    'What chat2crm pushed to this LiveSupporti: the fields an agent sees beside the visitor. Reloads every 3 seconds.',
    [
      {
        title: 'Visitor details pushed (the latest per visitor)',
        columns: ['visitor', 'fields'],
        rows: [...details.entries()].map(([visitor, fields]) => [visitor, fields.map((f) => `${f.name}: ${f.value}`).join('\n')]),
        empty: 'None yet.',
      },
      {
        title: `Latest calls (newest first, at most ${CALLS_SHOWN})`,
        columns: ['call', 'answer'],
        rows: requests
          .slice(-CALLS_SHOWN)
          .reverse()
          .map((r) => [
            `${r.method} ${r.path}`,
            r.status === 0 ? 'no answer' : `${r.status}${r.fault === undefined ? '' : ` (injected fault ${r.fault})`}`,
          ]),
        empty: 'None yet.',
      },
    ],
  );
