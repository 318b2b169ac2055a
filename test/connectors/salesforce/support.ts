import { isRight } from 'fp-ts/Either';
import type { Connector } from '../../../src/domain/connector';
import type { Conversation, Visitor } from '../../../src/domain/conversation';
import { silentLog } from '../../../src/domain/log';
import type { LocalRecordStore } from '../../../src/domain/local-records';
import type { Outcome } from '../../../src/domain/outcome';
import { SalesforceConfigCodec, type SalesforceConfig } from '../../../connectors/salesforce';
import { createSalesforceConnector } from '../../../connectors/salesforce/connector';
import { conversation as chat, lines, uniqueId } from '../../support/conversations';
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

/** A chat of `count` lines ("message number 1"…) on 2026-01-05, a second apart, with a fresh id. */
export const conversation = (visitor: Visitor = {}, count = 2, id = uniqueId('conv')): Conversation =>
  chat({
    id,
    visitor,
    messages: lines(count, {
      first: 1,
      visitor: visitor.name ?? 'Visitor',
      operator: 'Olark Operator',
      start: Date.UTC(2026, 0, 5, 10, 0, 0),
      stepMs: 1000,
    }),
    operators: [{ id: 'op1', name: 'Olark Operator' }],
  });

export const value = <T>(outcome: Outcome<T>): T => {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.failure.kind} ${outcome.failure.code}: ${outcome.failure.message}`);
  return outcome.value;
};

export const failure = <T>(outcome: Outcome<T>) => {
  if (outcome.ok) throw new Error('expected a failure, got success');
  return outcome.failure;
};
