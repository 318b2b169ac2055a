/**
 * The HubSpot registry entry: its configuration codec, and a factory that loads the SDK only
 * when `CRM=hubspot` (the SDK alone costs about 25 MB of memory).
 */
import { defineConnector } from '../../src/domain/connector';
import { HubspotConfigCodec } from './config';

export { HubspotConfigCodec, type HubspotConfig } from './config';

export const hubspotConnector = defineConnector(
  'hubspot',
  HubspotConfigCodec,
  async () => (await import('./connector.js')).createHubspotConnector,
);
