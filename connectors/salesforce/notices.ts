/**
 * What a working configuration should still change, said once at start (through the connector's
 * log) and by `npm run setup`: the username-password grant, which Salesforce retires. Names keys,
 * never their values.
 */
import { GRANT_NAMES, PASSWORD_GRANT_END, type SalesforceConfig } from './config';

/** The migration as steps a person follows in Setup; connectors/salesforce/README.md has them in full. */
const MIGRATION =
  'Move to the client credentials grant: ' +
  '1) Setup → External Client App Manager → New External Client App (or open the app you use), OAuth settings: Enable OAuth, scope "Manage user data via APIs (api)", tick Enable Client Credentials Flow; ' +
  '2) on its Policies tab, under OAuth Flows, tick Enable Client Credentials Flow and set Run As to the integration user (API Enabled, least-privilege permission set); ' +
  "3) set SALESFORCE_LOGIN_URL to your My Domain URL (https://<domain>.my.salesforce.com) and SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET to the app's consumer key and secret; " +
  '4) remove SALESFORCE_USERNAME and SALESFORCE_PASSWORD, then run `npm run setup`. ' +
  'Every step: connectors/salesforce/README.md.';

/** The warnings this configuration deserves, each a whole sentence for a person; none for a current setup. */
export const configurationNotices = (config: SalesforceConfig): readonly string[] => {
  if (config.grant.kind === 'password')
    return [
      `Salesforce: the username-password grant (SALESFORCE_USERNAME + SALESFORCE_PASSWORD) stops working on ${PASSWORD_GRANT_END}, when Salesforce retires the OAuth username-password flow; ` +
        `External Client Apps do not offer it at all, and chat2crm never falls back to SOAP login() (retired in Summer '27). ${MIGRATION}`,
    ];
  if (config.passwordUnused)
    return [
      `Salesforce: SALESFORCE_PASSWORD is set but not used (the ${GRANT_NAMES[config.grant.kind]} grant is); remove it: the username-password grant stops working on ${PASSWORD_GRANT_END}.`,
    ];
  return [];
};
