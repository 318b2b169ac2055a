import { isRight } from 'fp-ts/Either';
import type { Connector } from '../../../src/domain/connector';
import type { Conversation, Visitor } from '../../../src/domain/conversation';
import { silentLog } from '../../../src/domain/log';
import type { LocalRecordStore } from '../../../src/domain/local-records';
import type { Outcome } from '../../../src/domain/outcome';
import { SalesforceConfigCodec, type SalesforceConfig } from '../../../connectors/salesforce';
import { createSalesforceConnector } from '../../../connectors/salesforce/connector';
import { startSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from '../../emulators/salesforce';

export const noLocalRecords: LocalRecordStore = {
  upsertLocalRecord: () => Promise.reject(new Error('not used')),
  getLocalRecord: () => Promise.resolve(undefined),
  findLocalRecordByEmail: () => Promise.resolve(undefined),
};

export const configFor = (env: Record<string, string>): SalesforceConfig => {
  const decoded = SalesforceConfigCodec.decode(env);
  if (!isRight(decoded)) throw new Error('test configuration does not decode');
  return decoded.right;
};

export interface Sandbox {
  readonly emulator: SalesforceEmulator;
  readonly connector: Connector;
  readonly env: Record<string, string>;
}

/** An emulator plus a connector logged in with the client credentials grant. */
export const sandbox = async (options: SalesforceEmulatorOptions = {}, extraEnv: Record<string, string> = {}): Promise<Sandbox> => {
  const emulator = await startSalesforceEmulator(options);
  const env = {
    SALESFORCE_LOGIN_URL: emulator.url,
    SALESFORCE_CLIENT_ID: emulator.credentials.clientId,
    SALESFORCE_CLIENT_SECRET: emulator.credentials.clientSecret,
    SALESFORCE_TIMEOUT_MS: '2000',
    ...extraEnv,
  };
  return {
    emulator,
    env,
    connector: createSalesforceConnector(configFor(env), {
      log: silentLog,
      publicUrl: 'http://localhost:3000',
    }),
  };
};

export const connectorFor = (env: Record<string, string>): Connector =>
  createSalesforceConnector(configFor(env), { log: silentLog, publicUrl: 'http://localhost:3000' });

let counter = 0;
export const conversation = (visitor: Visitor = {}, lines = 2, id = `conv${++counter}x${Date.now().toString(36)}`): Conversation => ({
  source: 'olark',
  id,
  visitor,
  messages: Array.from({ length: lines }, (_, i) => ({
    role: i % 2 === 0 ? ('visitor' as const) : ('operator' as const),
    author: i % 2 === 0 ? (visitor.name ?? 'Visitor') : 'Olark Operator',
    body: `message number ${i + 1}`,
    at: new Date(Date.UTC(2026, 0, 5, 10, 0, i)),
  })),
  tags: [],
  groups: [],
  operators: [{ id: 'op1', name: 'Olark Operator' }],
  offline: false,
});

export const value = <T>(outcome: Outcome<T>): T => {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.failure.kind} ${outcome.failure.code}: ${outcome.failure.message}`);
  return outcome.value;
};

export const failure = <T>(outcome: Outcome<T>) => {
  if (outcome.ok) throw new Error('expected a failure, got success');
  return outcome.failure;
};
