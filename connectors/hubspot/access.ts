/**
 * How a person gets the token chat2crm needs, in one place: `npm run setup` prints it, the
 * 403 message names the scopes, README.md explains each. A service key replaces legacy private
 * apps for a server-to-server integration: HubSpot stopped their creation on 28 September 2026
 * (new accounts) and 26 October 2026 (existing ones); existing private-app tokens keep working
 * (https://developers.hubspot.com/changelog/legacy-private-app-creation-sunset,
 * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/account-service-keys).
 */

/** The least scopes: what deliveries need, then what only `npm run setup` needs. */
export const DELIVERY_SCOPES = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'tickets', 'crm.schemas.contacts.read'] as const;
export const SETUP_ONLY_SCOPES = ['crm.schemas.contacts.write'] as const;

/** What MAPPING_FILE's `owner` and `company` add (README.md, "Mapped fields, owner and company"). */
export const MAPPING_SCOPES = {
  owner: 'crm.objects.owners.read',
  companyMatch: 'crm.objects.companies.read',
  companyCreate: 'crm.objects.companies.write',
} as const;

/** The steps, as `npm run setup` prints them. */
export const serviceKeyGuide = (): string[] => [
  'Get a HubSpot token (connectors/hubspot/README.md, step 1):',
  '  1. In HubSpot: Development → Keys → Service keys → Create service key (name it chat2crm).',
  `  2. Add exactly these scopes: ${[...DELIVERY_SCOPES, ...SETUP_ONLY_SCOPES].join(', ')}`,
  `     (${SETUP_ONLY_SCOPES.join(', ')} only creates the chat_conversation_id properties; remove it once setup has run).`,
  `     With a MAPPING_FILE: "owner" needs ${MAPPING_SCOPES.owner}; "company" needs ${MAPPING_SCOPES.companyMatch} (and ${MAPPING_SCOPES.companyCreate} for "create").`,
  '  3. Create, open the key, Show, copy the token into HUBSPOT_ACCESS_TOKEN, then run npm run setup again.',
  '  A legacy private app token (pat-…) that already exists keeps working the same way.',
  '  No HubSpot account? npm run emulator:hubspot starts a sandbox and prints the keys to set.',
];
