/** The connector registry: one line per CRM. `CRM=<name>` picks one at start-up. */
import type { ConnectorDefinition } from '../src/domain/connector';
import { hubspotConnector } from './hubspot';
import { localConnector } from './local';
import { salesforceConnector } from './salesforce';

export const connectors = {
  local: localConnector,
  hubspot: hubspotConnector,
  salesforce: salesforceConnector,
} as const satisfies Record<string, ConnectorDefinition>;

export type ConnectorName = keyof typeof connectors;
export const connectorNames: readonly ConnectorName[] = Object.keys(connectors).filter((k): k is ConnectorName => k in connectors);
