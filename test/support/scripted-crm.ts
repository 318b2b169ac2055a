/**
 * A stand-in CRM for pipeline tests: keeps one record per conversation and action, and fails,
 * stalls or throws on demand. Passed in through `start({ createConnector })`, no module mocking.
 */
import type { Connector } from '../../src/domain/connector';
import { fail, succeed, type CrmFailure, type Outcome } from '../../src/domain/outcome';
import type { CrmRecord } from '../../src/domain/record';

export interface ScriptedCrm {
  readonly connector: Connector;
  /** Records by `${conversationId}:${action}`, with how many times each was written. */
  readonly records: Map<string, { record: CrmRecord; writes: number; messages: number }>;
  readonly calls: { at: number; conversationId: string }[];
  /** The next `times` calls (all calls while `times` is Infinity) answer with this failure. */
  failNext(failure: CrmFailure, times?: number): void;
  throwNext(times?: number): void;
  recover(): void;
  latencyMs: number;
}

export const scriptedCrm = (): ScriptedCrm => {
  const records = new Map<string, { record: CrmRecord; writes: number; messages: number }>();
  const calls: { at: number; conversationId: string }[] = [];
  let failure: CrmFailure | undefined;
  let failures = 0;
  let throws = 0;
  const crm: ScriptedCrm = {
    records,
    calls,
    latencyMs: 0,
    failNext(f, times = 1) {
      failure = f;
      failures = times;
    },
    throwNext(times = 1) {
      throws = times;
    },
    recover() {
      failures = 0;
      throws = 0;
    },
    connector: {
      name: 'scripted',
      async upsert({ action, conversation }): Promise<Outcome<CrmRecord>> {
        calls.push({ at: Date.now(), conversationId: conversation.id });
        if (crm.latencyMs > 0) await new Promise((r) => setTimeout(r, crm.latencyMs));
        if (throws > 0) {
          throws--;
          throw new Error('connector bug');
        }
        if (failures > 0 && failure !== undefined) {
          failures--;
          return fail(failure);
        }
        const key = `${conversation.id}:${action}`;
        const existing = records.get(key);
        const record: CrmRecord = existing?.record ?? {
          crm: 'scripted',
          action,
          type: action,
          id: `rec-${records.size + 1}`,
          url: `https://crm.example/${action}/${records.size + 1}`,
          refs: {},
        };
        records.set(key, { record, writes: (existing?.writes ?? 0) + 1, messages: conversation.messages.length });
        return succeed(record);
      },
      async findPerson() {
        return succeed(undefined);
      },
      async check() {
        return { ok: true, items: [] };
      },
    },
  };
  return crm;
};
