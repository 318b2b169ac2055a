/**
 * The CRM emulators (test/emulators) as the bench uses them: started in the bench process,
 * with the env that points the service at them, and their request logs reduced to time spans.
 */
import { startHubspotEmulator, type HubspotEmulatorOptions } from '../test/emulators/hubspot';
import { startSalesforceEmulator, type SalesforceEmulator } from '../test/emulators/salesforce';

export type CrmName = 'hubspot' | 'salesforce';

export interface Call {
  readonly start: number;
  readonly end: number;
  readonly status: number;
}

export interface Emulator {
  readonly crm: CrmName;
  readonly latencyMs: number;
  /** The emulator's base URL. */
  readonly url: string;
  /** Env for the service (`CRM=…` and the connector's keys). */
  readonly env: Readonly<Record<string, string>>;
  /** Every request so far, as time spans. */
  calls(): Call[];
  /** The emulator's latency per call from now on (the bench warms the service up at 0 ms). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export const startHubspot = async (latencyMs: number, options: Omit<HubspotEmulatorOptions, 'latencyMs'> = {}) => {
  const emulator = await startHubspotEmulator({ latencyMs, ...options });
  const wrapped: Emulator = {
    crm: 'hubspot',
    latencyMs,
    url: emulator.url,
    env: { CRM: 'hubspot', HUBSPOT_BASE_URL: emulator.url, HUBSPOT_ACCESS_TOKEN: emulator.token },
    calls: () =>
      emulator.requests.map((r) => ({ start: r.startedAt, end: r.endedAt === 0 ? r.startedAt + latencyMs : r.endedAt, status: r.status })),
    setLatency: (ms) => emulator.faults.setLatency(ms),
    close: () => emulator.close(),
  };
  return { emulator, wrapped };
};

/** The service's env for a Salesforce emulator (`CRM=salesforce`, client-credentials login). */
export const salesforceEnv = (emulator: SalesforceEmulator): Record<string, string> => ({
  CRM: 'salesforce',
  SALESFORCE_LOGIN_URL: emulator.url,
  SALESFORCE_CLIENT_ID: emulator.credentials.clientId,
  SALESFORCE_CLIENT_SECRET: emulator.credentials.clientSecret,
});

export const startSalesforce = async (latencyMs: number): Promise<Emulator> => {
  const emulator = await startSalesforceEmulator({ latencyMs });
  return {
    crm: 'salesforce',
    latencyMs,
    url: emulator.url,
    env: salesforceEnv(emulator),
    calls: () => emulator.requests.map((r) => ({ start: r.at, end: r.endedAt === 0 ? r.at + latencyMs : r.endedAt, status: r.status })),
    setLatency: (ms) => {
      emulator.faults.latencyMs = ms;
    },
    close: () => emulator.close(),
  };
};

/**
 * Calls that ran one after the other: the longest chain of calls whose spans do not overlap
 * (calls made in parallel count once). This is what the agent waits for: rounds × latency.
 * Greedy by earliest end finds the largest set of non-overlapping spans.
 */
export const sequentialRounds = (calls: readonly Call[]): number => sequentialChain(calls).length;

/** The calls of that chain. */
export const sequentialChain = (calls: readonly Call[]): Call[] => {
  const sorted = [...calls].sort((a, b) => a.end - b.end);
  const chain: Call[] = [];
  let lastEnd = -Infinity;
  for (const c of sorted)
    if (c.start >= lastEnd) {
      chain.push(c);
      lastEnd = c.end;
    }
  return chain;
};

/**
 * The time the agent waited on the CRM itself: the calls on the path as the emulator timed them
 * (arrival to answer, its timer's own lateness included), overlapping calls counted once.
 */
export const crmTimeMs = (calls: readonly Call[]): number => {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (const c of sorted) {
    if (c.start > to) {
      if (to > from) total += to - from;
      from = c.start;
      to = c.end;
    } else to = Math.max(to, c.end);
  }
  if (to > from) total += to - from;
  return total;
};
