/**
 * Record links. HubSpot documents no URL scheme; this one is what HubSpot's own UI uses and what
 * integrations link to (e.g. HubSpot's UI-extension samples link `…/record/0-5/{ticketId}`). The SDK drops the `url` field HubSpot now sends.
 */
import type { Account } from './client';

/** https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm#object-type-ids */
export const OBJECT_TYPE_IDS = { contact: '0-1', ticket: '0-5' } as const;

/** `account.uiOrigin` is `https://{uiDomain}`, or the emulator's origin in a sandbox (config.ts). */
export const recordUrl = (account: Account, type: keyof typeof OBJECT_TYPE_IDS, id: string): string =>
  `${account.uiOrigin}/contacts/${account.portalId}/record/${OBJECT_TYPE_IDS[type]}/${encodeURIComponent(id)}`;

/**
 * Portal id and UI origin, read once from the account details and kept; configured values win. A failed read is not kept, so the next delivery tries again.
 */
export const accountCache = (
  read: () => Promise<Account>,
  overrides: { readonly portalId?: number; readonly uiOrigin?: string },
): (() => Promise<Account>) => {
  const { portalId, uiOrigin } = overrides;
  if (portalId !== undefined && uiOrigin !== undefined) {
    const fixed = Promise.resolve({ portalId, uiOrigin });
    return () => fixed;
  }
  let cached: Promise<Account> | undefined;
  return () => {
    cached ??= read().then(
      (a) => ({ portalId: portalId ?? a.portalId, uiOrigin: uiOrigin ?? a.uiOrigin }),
      (e: unknown) => {
        cached = undefined;
        throw e;
      },
    );
    return cached;
  };
};
