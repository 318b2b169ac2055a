/**
 * Record links. HubSpot documents no URL scheme; this one is what HubSpot's own UI uses and what
 * integrations link to (research/hubspot.md §4). The SDK drops the `url` field HubSpot now sends.
 */
import type { Account } from './client';

/** https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm#object-type-ids */
export const OBJECT_TYPE_IDS = { contact: '0-1', ticket: '0-5' } as const;

export const recordUrl = (account: Account, type: keyof typeof OBJECT_TYPE_IDS, id: string): string =>
  `https://${account.uiDomain}/contacts/${account.portalId}/record/${OBJECT_TYPE_IDS[type]}/${encodeURIComponent(id)}`;

/**
 * Portal id and UI domain, read once from /account-info/v3/details and kept; configured values
 * win. A failed read is not kept, so the next delivery tries again.
 */
export const accountCache = (
  read: () => Promise<Account>,
  overrides: { readonly portalId?: number; readonly uiDomain?: string },
): (() => Promise<Account>) => {
  const { portalId, uiDomain } = overrides;
  if (portalId !== undefined && uiDomain !== undefined) {
    const fixed = Promise.resolve({ portalId, uiDomain });
    return () => fixed;
  }
  let cached: Promise<Account> | undefined;
  return () => {
    cached ??= read().then(
      (a) => ({ portalId: portalId ?? a.portalId, uiDomain: uiDomain ?? a.uiDomain }),
      (e: unknown) => {
        cached = undefined;
        throw e;
      },
    );
    return cached;
  };
};
