/** `check()` and `setup()`: what a person must fix before deliveries can work, and the one-time setup. */
import type { CheckItem, CheckReport } from '../../src/domain/connector';
import type { CrmObjectType, HubspotClient } from './client';
import { CHAT_CONVERSATION_ID, fromHubspotError } from './mappers';
import type { TicketPlacement } from './records';
import type { Account } from './client';
import type { Mapping } from '../../src/domain/mapping';
import { checkMapping } from './mapped-check';

const probe = async (name: string, run: () => Promise<{ ok: boolean; detail: string }>): Promise<CheckItem> => {
  try {
    return { name, ...(await run()) };
  } catch (e) {
    const failure = fromHubspotError(e, name);
    if (failure === undefined) throw e;
    return { name, ok: false, detail: failure.message };
  }
};

const PROPERTY_OWNERS: readonly CrmObjectType[] = ['contacts', 'tickets'];

/** An API on this machine (the emulator) with links to HubSpot's own UI, which cannot know its records. */
const sandboxLinkHint = (baseUrl: string, uiOrigin: string): string => {
  const api = new URL(baseUrl);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(api.hostname);
  return local && /(^|\.)hubspot\.com$/.test(new URL(uiOrigin).hostname)
    ? `; set HUBSPOT_UI_DOMAIN=${api.origin} so links open the emulator's own record pages`
    : '';
};

export const checkHubspot = async (
  client: HubspotClient,
  account: () => Promise<Account>,
  placement: () => Promise<TicketPlacement>,
  baseUrl: string,
  mapping?: Mapping,
): Promise<CheckReport> => {
  const [items, mapped] = await Promise.all([
    basics(client, account, placement, baseUrl),
    mapping === undefined ? [] : checkMapping(client, mapping, probe),
  ]);
  const all = [...items, ...mapped];
  return { ok: all.every((i) => i.ok), items: all };
};

const basics = (
  client: HubspotClient,
  account: () => Promise<Account>,
  placement: () => Promise<TicketPlacement>,
  baseUrl: string,
): Promise<CheckItem[]> =>
  Promise.all([
    probe('access token', async () => {
      const a = await account();
      return { ok: true, detail: `portal ${a.portalId}, records open on ${a.uiOrigin}${sandboxLinkHint(baseUrl, a.uiOrigin)}` };
    }),
    probe('contacts access (crm.objects.contacts.read)', async () => {
      await client.probeContacts();
      return { ok: true, detail: 'contacts can be read' };
    }),
    ...PROPERTY_OWNERS.map((type) =>
      probe(`${type} property ${CHAT_CONVERSATION_ID}`, async () => {
        const p = await client.property(type, CHAT_CONVERSATION_ID);
        if (p === undefined) return { ok: false, detail: `missing: run npm run setup to create it` };
        if (!p.hasUniqueValue)
          return {
            ok: false,
            detail:
              'exists but does not require unique values, so it cannot prevent duplicates: delete it in HubSpot, then run npm run setup',
          };
        return { ok: true, detail: 'present, unique values' };
      }),
    ),
    probe('ticket pipeline and stage', async () => {
      const p = await placement();
      return { ok: true, detail: `new cases go to pipeline ${p.pipeline}, stage ${p.stage}` };
    }),
  ]);

/** Creates the unique `chat_conversation_id` properties; safe to run again. */
export const setupHubspot = async (client: HubspotClient): Promise<CheckItem[]> =>
  Promise.all(
    PROPERTY_OWNERS.map((type) =>
      probe(`create ${type} property ${CHAT_CONVERSATION_ID}`, async () => {
        const done = await client.createUniqueTextProperty(type, {
          name: CHAT_CONVERSATION_ID,
          label: 'Chat conversation ID',
          description:
            'Set by chat2crm: the chat platform and conversation id this record came from. Keeps repeats from creating duplicates.',
          groupName: type === 'contacts' ? 'contactinformation' : 'ticketinformation',
        });
        return { ok: true, detail: done === 'created' ? 'created' : 'already present, left unchanged' };
      }),
    ),
  );
