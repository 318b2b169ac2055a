/**
 * The Salesforce registry entry: its configuration codec, and a factory that loads jsforce only
 * when `CRM=salesforce` (jsforce alone costs about 40 MB of memory).
 */
import { defineConnector } from '../../src/domain/connector';
import { SalesforceConfigCodec } from './config';

export { SalesforceConfigCodec, type SalesforceConfig } from './config';

export const salesforceConnector = defineConnector(
  'salesforce',
  SalesforceConfigCodec,
  async () => (await import('./connector.js')).createSalesforceConnector,
);
