/**
 * Section 2, agent latency: the time Olark waits for `integrationUrl` when the CRM takes
 * `latencyMs` per call (100 ms, and 0 ms to show our own work alone). Samples run one at a time,
 * so the emulator's log between two samples is exactly the calls one transcript made.
 * Overhead = latency − the time the CRM itself took on the agent's path, as the emulator timed its
 * calls (its timers' lateness is the CRM's, not ours); the nominal figure, latency − sequential
 * calls × latencyMs, is kept beside it.
 *
 * The samples are taken once the service is warm, as an agent meets it in a service that has
 * been running: before them, WARMUP_REQUESTS transcripts of every kind go through with the
 * emulator at 0 ms. The first FIRST_REQUESTS of those are timed too and reported apart ("just
 * after start"): there V8 still runs the SDKs' and our code unoptimised, and compiles it as it
 * goes, which took the p50 of a fresh process's first 60 requests from about 6 to 10–15 ms.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { crmTimeMs, sequentialRounds, startHubspot, startSalesforce, type CrmName, type Emulator } from './crm';
import { FORM_TYPE, newConversation, olarkBody, type Conversation } from './payloads';
import { startBareRelay, startService } from './service';
import { median, percentile, round1 } from './stats';

export const CRM_LATENCY_MS = 100;
export const WARMUP_REQUESTS = 200;
const FIRST_REQUESTS = 20;
export type SampleKind = 'new lead' | 'repeat' | 'case';

export interface AgentRow {
  readonly kind: SampleKind;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Median number of CRM calls before the answer, and how many of them ran one after another. */
  readonly calls: number;
  readonly sequentialCalls: number;
  /** Median CRM calls made after the answer was sent (background work), if any. */
  readonly callsAfterAnswer: number;
  /** The CRM's own time on the agent's path (emulator-timed calls), median. */
  readonly crmP50Ms: number;
  /** Latency − the CRM's own time: our work, the SDK and the network between us. */
  readonly overheadP50Ms: number;
  readonly overheadP99Ms: number;
  /** Latency − sequential calls × latencyMs (the emulator's timer lateness counted as ours). */
  readonly nominalOverheadP50Ms: number;
  readonly nominalOverheadP99Ms: number;
  /**
   * The same path through bench/bare-relay.ts: a bare Koa app making as many calls one after
   * another to the same emulator, at the same latency. Its overhead is this machine's floor;
   * ours − its is what our work adds. Undefined when the relay could not run.
   */
  readonly bareRelayOverheadP50Ms: number | undefined;
  readonly bareRelayOverheadP99Ms: number | undefined;
  /** Answers that were the stable link instead of the CRM record's URL (CRM too slow or failing). */
  readonly stableLinkAnswers: number;
  /** Every sample in order (latency ms / calls before the answer / sequential), for the JSON. */
  readonly each: readonly { readonly ms: number; readonly calls: number; readonly sequential: number }[];
}

/** Overhead of the first requests after start (CRM at 0 ms), before the warm-up that precedes the samples. */
export interface FirstRequests {
  readonly requests: number;
  readonly overheadP50Ms: number;
  readonly overheadP99Ms: number;
}

export type AgentSection =
  | {
      readonly crm: CrmName;
      readonly latencyMs: number;
      readonly status: 'ok';
      readonly rows: AgentRow[];
      readonly warmupRequests: number;
      readonly firstRequests: FirstRequests;
      readonly peakRssMB: number | undefined;
    }
  | { readonly crm: CrmName; readonly latencyMs: number; readonly status: 'unavailable'; readonly reason: string };

const Answer = t.type({ integrationUrl: t.string });

interface Sample {
  readonly latencyMs: number;
  readonly calls: number;
  readonly rounds: number;
  readonly crmMs: number;
  readonly after: number;
  readonly stableLink: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const KINDS: readonly SampleKind[] = ['new lead', 'repeat', 'case'];

/** A transcript of this kind; a repeat posts a longer transcript of a new lead made before (taken from `leads`). */
const bodyFor = (kind: SampleKind, leads: Conversation[]): string => {
  switch (kind) {
    case 'new lead': {
      const c = newConversation('lead');
      leads.push(c);
      return olarkBody(c, 2);
    }
    case 'repeat':
      return olarkBody(leads.shift() ?? newConversation('lead'), 6);
    case 'case':
      return olarkBody(newConversation('case'), 2);
  }
};

/** One POST, timed, with the CRM calls it caused; `pauseMs` after it lets background calls show in the log. */
const measure = async (webhookUrl: string, emulator: Emulator, body: string, pauseMs = emulator.latencyMs + 50): Promise<Sample> => {
  const before = emulator.calls().length;
  const started = performance.now();
  const startedAt = Date.now();
  const response = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': FORM_TYPE }, body });
  const json: unknown = await response.json();
  const latencyMs = performance.now() - started;
  const answeredAt = Date.now();
  await sleep(pauseMs);
  const decoded = Answer.decode(json);
  if (!response.ok || isLeft(decoded)) throw new Error(`webhook answered HTTP ${response.status}: ${JSON.stringify(json).slice(0, 200)}`);
  const calls = emulator
    .calls()
    .slice(before)
    .filter((c) => c.start >= startedAt - 1);
  // On the agent's path: calls that had ended when the answer came; the rest ran in the background.
  const onPath = calls.filter((c) => c.end <= answeredAt);
  return {
    latencyMs,
    calls: onPath.length,
    rounds: sequentialRounds(onPath),
    crmMs: crmTimeMs(onPath),
    after: calls.length - onPath.length,
    stableLink: decoded.right.integrationUrl.includes('/r/olark/'),
  };
};

const summarize = (
  kind: SampleKind,
  latency: number,
  samples: readonly Sample[],
): Omit<AgentRow, 'bareRelayOverheadP50Ms' | 'bareRelayOverheadP99Ms'> => {
  const overheads = samples.map((s) => s.latencyMs - s.crmMs);
  const nominal = samples.map((s) => s.latencyMs - s.rounds * latency);
  return {
    kind,
    samples: samples.length,
    p50Ms: round1(
      percentile(
        samples.map((s) => s.latencyMs),
        50,
      ),
    ),
    p99Ms: round1(
      percentile(
        samples.map((s) => s.latencyMs),
        99,
      ),
    ),
    calls: median(samples.map((s) => s.calls)),
    sequentialCalls: median(samples.map((s) => s.rounds)),
    callsAfterAnswer: median(samples.map((s) => s.after)),
    crmP50Ms: round1(median(samples.map((s) => s.crmMs))),
    overheadP50Ms: round1(percentile(overheads, 50)),
    overheadP99Ms: round1(percentile(overheads, 99)),
    nominalOverheadP50Ms: round1(percentile(nominal, 50)),
    nominalOverheadP99Ms: round1(percentile(nominal, 99)),
    stableLinkAnswers: samples.filter((s) => s.stableLink).length,
    each: samples.map((s) => ({ ms: round1(s.latencyMs), calls: s.calls, sequential: s.rounds })),
  };
};

const RELAY_WARMUP_REQUESTS = 50;

/**
 * The bare relay's overhead for each kind, with as many sequential calls as our median row made,
 * the emulator at the section's latency (warmed up at 0 ms first, as the service was).
 */
const bareRelayOverheads = async (
  emulator: Emulator,
  rows: readonly Pick<AgentRow, 'kind' | 'sequentialCalls'>[],
  samplesPerKind: number,
  log: (line: string) => void,
): Promise<Map<SampleKind, { p50Ms: number; p99Ms: number }> | undefined> => {
  const latencyMs = emulator.latencyMs;
  let relay;
  try {
    relay = await startBareRelay(emulator.url);
  } catch (e) {
    log(`  the bare relay did not start: ${firstLine(e)}`);
    return undefined;
  }
  try {
    const url = (calls: number) => `${relay.baseUrl}/webhooks/olark/bench?calls=${calls}`;
    const body = olarkBody(newConversation('lead'), 2);
    emulator.setLatency(0);
    for (let i = 0; i < RELAY_WARMUP_REQUESTS; i++) await measure(url(2), emulator, body, 0);
    emulator.setLatency(latencyMs);
    const floors = new Map<SampleKind, { p50Ms: number; p99Ms: number }>();
    for (const row of rows) {
      const overheads: number[] = [];
      for (let i = 0; i < samplesPerKind; i++) {
        const sample = await measure(url(row.sequentialCalls), emulator, body);
        overheads.push(sample.latencyMs - sample.crmMs);
      }
      floors.set(row.kind, { p50Ms: round1(percentile(overheads, 50)), p99Ms: round1(percentile(overheads, 99)) });
    }
    return floors;
  } catch (e) {
    log(`  the bare relay failed: ${firstLine(e)}`);
    return undefined;
  } finally {
    await relay.stop();
  }
};

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join(' | ').slice(0, 400);

export const runAgentLatency = async (
  crm: CrmName,
  samplesPerKind: number,
  log: (line: string) => void,
  latencyMs: number = CRM_LATENCY_MS,
): Promise<AgentSection> => {
  // Real HubSpot's limits would throttle a sequential bench; section 3 measures them on purpose.
  const emulator =
    crm === 'hubspot'
      ? (
          await startHubspot(latencyMs, {
            rateLimit: { max: 1_000_000, windowMs: 10_000 },
            searchRateLimit: { max: 1_000_000, windowMs: 1_000 },
          })
        ).wrapped
      : await startSalesforce(latencyMs);
  try {
    let service;
    try {
      service = await startService(`chat2crm (CRM=${crm})`, emulator.env);
    } catch (e) {
      return { crm, latencyMs, status: 'unavailable', reason: `the service does not start with CRM=${crm}: ${firstLine(e)}` };
    }
    try {
      // Warm-up: token grant, account details, JIT. Not measured, but it must reach the CRM.
      // A case too: the first one looks up the ticket pipeline once per process (steady state is measured).
      const warm = await measure(service.webhookUrl, emulator, olarkBody(newConversation('lead')));
      const warmCase = await measure(service.webhookUrl, emulator, olarkBody(newConversation('case')));
      if (warm.stableLink || warmCase.stableLink) {
        const health = await service.health().catch(() => undefined);
        return {
          crm,
          latencyMs,
          status: 'unavailable',
          reason: `the ${crm} connector did not deliver (answer was the stable link; queue ${JSON.stringify(health?.queue)}); log: ${service.tail().slice(-300)}`,
        };
      }
      // Warm-up at 0 ms, every kind of transcript; its first requests are the "just after start" figure.
      emulator.setLatency(0);
      const first: number[] = [];
      const warmLeads: Conversation[] = [];
      for (let i = 0; i < WARMUP_REQUESTS; i++) {
        const body = bodyFor(KINDS[i % KINDS.length] ?? 'new lead', warmLeads);
        if (i < FIRST_REQUESTS) {
          const sample = await measure(service.webhookUrl, emulator, body, 50);
          first.push(sample.latencyMs - sample.crmMs);
        } else await measure(service.webhookUrl, emulator, body, 0);
      }
      emulator.setLatency(latencyMs);
      const firstRequests: FirstRequests = {
        requests: first.length,
        overheadP50Ms: round1(percentile(first, 50)),
        overheadP99Ms: round1(percentile(first, 99)),
      };
      service.rss.reset();
      const leads: Conversation[] = [];
      log(`  ${crm} at ${latencyMs} ms per call: ${samplesPerKind} new leads, ${samplesPerKind} repeats, ${samplesPerKind} cases`);
      const ours = [];
      for (const kind of KINDS) {
        const samples: Sample[] = [];
        for (let i = 0; i < samplesPerKind; i++) samples.push(await measure(service.webhookUrl, emulator, bodyFor(kind, leads)));
        ours.push(summarize(kind, latencyMs, samples));
      }
      const peakRssMB = service.rss.peakMB();
      await service.stop();
      const relay = await bareRelayOverheads(emulator, ours, samplesPerKind, log);
      const rows: AgentRow[] = ours.map((row) => {
        const floor = relay?.get(row.kind);
        return { ...row, bareRelayOverheadP50Ms: floor?.p50Ms, bareRelayOverheadP99Ms: floor?.p99Ms };
      });
      return { crm, latencyMs, status: 'ok', rows, warmupRequests: WARMUP_REQUESTS, firstRequests, peakRssMB };
    } catch (e) {
      return {
        crm,
        latencyMs,
        status: 'unavailable',
        reason: `the ${crm} run failed: ${firstLine(e)}; log: ${service.tail().slice(-300)}`,
      };
    } finally {
      await service.stop();
    }
  } finally {
    await emulator.close();
  }
};
