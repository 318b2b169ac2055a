/** The bench's output: text tables for stdout and the JSON written to bench/results/latest.json. */
import { cpus, totalmem } from 'node:os';
import { WARMUP_REQUESTS, type AgentSection } from './agent-latency';
import type { BurstSection } from './burst';
import type { BigSection } from './big';
import type { IAdvizeSection } from './iadvize';
import type { IngestRow } from './ingest';
import type { LiveChatSection } from './livechat';
import type { LiveSupportiSection } from './livesupporti';
import { platformGoals, renderPlatforms } from './report-platforms';
import { mark, ms, table } from './table';

export { table } from './table';

export const GOALS = {
  ingestRatioAt64: 0.4,
  overheadP99Ms: 10,
  burstCallsPerTranscript: 2,
  peakRssMB: 150,
} as const;

export interface Machine {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly storage: string;
}

export const machine = (storage: string): Machine => ({
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  cores: cpus().length,
  memoryGB: Math.round(totalmem() / 1e9),
  storage,
});

export interface Results {
  readonly machine: Machine;
  readonly settings: {
    readonly ingestSeconds: number;
    readonly agentSamples: number;
    readonly burstTranscripts: number;
    readonly crmLatencyMs: number;
    readonly platformSamples: number;
    readonly pluginCalls: number;
  };
  readonly ingest: IngestRow[] | { readonly status: 'unavailable'; readonly reason: string };
  readonly agentLatency: AgentSection[];
  readonly burst: BurstSection;
  readonly livechat: LiveChatSection;
  readonly livesupporti: LiveSupportiSection;
  readonly iadvize: IAdvizeSection;
  readonly big: BigSection;
  readonly peakRssMB: {
    readonly ingest?: number;
    readonly agentLatency?: number;
    readonly burst?: number;
    readonly livechat?: number;
    readonly livesupporti?: number;
    readonly iadvize?: number;
    readonly big?: number;
    readonly max?: number;
  };
  readonly goals: { readonly goal: string; readonly measured: string; readonly met: boolean | undefined }[];
  readonly runSeconds: number;
}

export const goals = (r: Omit<Results, 'goals' | 'runSeconds'>): Results['goals'] => {
  const out: Results['goals'][number][] = [];
  const at64 = Array.isArray(r.ingest) ? r.ingest.find((row) => row.connections === 64) : undefined;
  out.push({
    goal: `ingest at 64 connections ≥ ${GOALS.ingestRatioAt64 * 100} % of bare Koa`,
    measured: at64 === undefined ? 'not measured' : `${Math.round(at64.ratio * 100)} %`,
    met: at64 === undefined ? undefined : at64.ratio >= GOALS.ingestRatioAt64,
  });
  const measuredAgent = r.agentLatency.flatMap((s) =>
    s.status === 'ok' ? s.rows.map((row) => ({ crm: `${s.crm} at ${s.latencyMs} ms`, row })) : [],
  );
  const worst = measuredAgent.reduce<{ crm: string; kind: string; ms: number } | undefined>(
    (w, { crm, row }) => (w === undefined || row.overheadP99Ms > w.ms ? { crm, kind: row.kind, ms: row.overheadP99Ms } : w),
    undefined,
  );
  const missing = r.agentLatency.filter((s) => s.status !== 'ok').map((s) => `${s.crm} at ${s.latencyMs} ms`);
  out.push({
    goal: `agent latency: p99 overhead over the CRM's own time ≤ ${GOALS.overheadP99Ms} ms`,
    measured:
      (worst === undefined ? 'not measured' : `worst ${worst.ms} ms (${worst.crm}, ${worst.kind})`) +
      (missing.length > 0 ? `; not measured: ${missing.join(', ')}` : ''),
    // Met only when every CRM was measured; a miss on one measured CRM is a miss.
    met: worst === undefined ? undefined : worst.ms > GOALS.overheadP99Ms ? false : missing.length === 0 ? true : undefined,
  });
  const b = r.burst;
  if (b.status === 'ok') {
    out.push({ goal: 'burst: 0 lost', measured: String(b.lost), met: b.lost === 0 });
    out.push({ goal: 'burst: 0 doubled', measured: String(b.doubled), met: b.doubled === 0 });
    out.push({ goal: 'burst: 0 dead', measured: String(b.dead), met: b.dead === 0 });
    out.push({
      goal: `burst: ≤ ${GOALS.burstCallsPerTranscript} CRM calls per transcript`,
      measured: String(b.callsPerTranscript),
      met: b.callsPerTranscript <= GOALS.burstCallsPerTranscript,
    });
  } else out.push({ goal: 'burst: 0 lost, 0 doubled, 0 dead, ≤ 2 CRM calls per transcript', measured: 'not measured', met: undefined });
  out.push(...platformGoals(r));
  out.push({
    goal: `peak RSS ≤ ${GOALS.peakRssMB} MB`,
    measured: r.peakRssMB.max === undefined ? 'not measured' : `${r.peakRssMB.max} MB`,
    met: r.peakRssMB.max === undefined ? undefined : r.peakRssMB.max <= GOALS.peakRssMB,
  });
  return out;
};

export const render = (r: Results): string => {
  const parts: string[] = [];
  const m = r.machine;
  parts.push(
    `chat2crm bench — ${m.date.slice(0, 10)}, Node ${m.node}, ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, storage: ${m.storage}`,
    'The load generator (autocannon) and the CRM emulators run on the same machine as the service and share its cores.',
    '',
  );

  parts.push(
    `1. Ingest — Olark transcripts (form posts), local CRM, ${r.settings.ingestSeconds} s per run, 80 % new conversations / 20 % repeats`,
  );
  if (Array.isArray(r.ingest))
    parts.push(
      table(
        ['connections', 'chat2crm req/s', 'p50', 'p99', 'bare Koa req/s', 'p50', 'p99', 'ours / bare', 'failed'],
        r.ingest.map((row) => [
          row.connections,
          row.ours.requestsPerSec,
          ms(row.ours.p50Ms),
          ms(row.ours.p99Ms),
          row.bare.requestsPerSec,
          ms(row.bare.p50Ms),
          ms(row.bare.p99Ms),
          `${Math.round(row.ratio * 100)} %`,
          row.ours.failures + row.bare.failures,
        ]),
      ),
    );
  else parts.push(`not measured: ${r.ingest.reason}`);
  parts.push('');

  parts.push(
    `2. Agent latency — time to integrationUrl, CRM emulators at ${r.settings.crmLatencyMs} ms and at 0 ms per call, ${r.settings.agentSamples} sequential samples each, taken after ${WARMUP_REQUESTS} warm-up transcripts`,
  );
  for (const s of r.agentLatency) {
    const name = `${s.crm} at ${s.latencyMs} ms`;
    if (s.status !== 'ok') {
      parts.push(`${name}: not measured — ${s.reason}`);
      continue;
    }
    parts.push(
      table(
        [
          name,
          'p50',
          'p99',
          'CRM calls',
          'sequential',
          'CRM time p50',
          'overhead p50',
          'overhead p99',
          'bare relay p50 / p99',
          'nominal p50 / p99',
          'calls after answer',
          'stable-link answers',
        ],
        s.rows.map((row) => [
          row.kind,
          `${row.p50Ms} ms`,
          `${row.p99Ms} ms`,
          row.calls,
          row.sequentialCalls,
          `${row.crmP50Ms} ms`,
          `${row.overheadP50Ms} ms`,
          `${row.overheadP99Ms} ms`,
          row.bareRelayOverheadP50Ms === undefined || row.bareRelayOverheadP99Ms === undefined
            ? '–'
            : `${row.bareRelayOverheadP50Ms} / ${row.bareRelayOverheadP99Ms} ms`,
          `${row.nominalOverheadP50Ms} / ${row.nominalOverheadP99Ms} ms`,
          row.callsAfterAnswer,
          row.stableLinkAnswers,
        ]),
      ),
    );
    parts.push(
      `  just after start (its first ${s.firstRequests.requests} transcripts, CRM at 0 ms): overhead p50 ${s.firstRequests.overheadP50Ms} ms, p99 ${s.firstRequests.overheadP99Ms} ms`,
    );
  }
  parts.push(
    "(overhead = latency − the CRM's own time on the agent's path, as the emulator timed its calls: our work, the SDK and the network between; bare relay = the same overhead for a bare Koa app that only reads the body and makes as many calls one after another to the same emulator (bench/bare-relay.ts): this machine's floor on that path; nominal = latency − sequential calls × the emulator's latency, which also counts its timers' lateness; with this few samples p99 is the slowest sample)",
    '',
  );

  const b = r.burst;
  parts.push(`3. Burst under a CRM rate limit — HubSpot emulator at 100 requests / 10 s`);
  if (b.status === 'ok')
    parts.push(
      table(
        ['burst', 'value'],
        [
          ['transcripts posted at once', b.transcripts],
          ['answer to the agent p50 / p99 / max', `${b.answerP50Ms} / ${b.answerP99Ms} / ${b.answerMaxMs} ms`],
          ['answered with the stable link', b.stableLinkAnswers],
          ['failed POSTs', b.failedPosts],
          [
            'time until all are in the CRM',
            b.allInCrmMs !== undefined
              ? `${round(b.allInCrmMs / 1000)} s`
              : b.watchedMs < b.timeoutMs
                ? `never: ${b.notInCrm} missing, nothing left queued after ${round(b.watchedMs / 1000)} s`
                : `not within ${b.timeoutMs / 1000} s`,
          ],
          [
            'CRM calls (per transcript; without the 429s)',
            `${b.crmCalls} (${b.callsPerTranscript}; ${round((b.crmCalls - b.rateLimited429) / b.transcripts)})`,
          ],
          ['429s met', b.rateLimited429],
          ['not in the CRM at the end', b.notInCrm],
          ['of those: dead (replayable) / still queued / lost', `${b.dead} / ${b.stillQueued} / ${b.lost}`],
          ['doubled (a second contact or note)', b.doubled],
        ],
      ),
    );
  else parts.push(`not measured — ${b.reason}`);
  parts.push('');

  const rss = r.peakRssMB;
  const show = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} MB`);
  parts.push(...renderPlatforms(r));
  parts.push(
    `4. Peak memory (RSS of the service process) — ingest ${show(rss.ingest)}, agent latency ${show(rss.agentLatency)}, burst ${show(rss.burst)}, ` +
      `LiveChat ${show(rss.livechat)}, LiveSupporti ${show(rss.livesupporti)}, iAdvize ${show(rss.iadvize)}, big transcripts ${show(rss.big)}`,
    '',
  );

  parts.push('Goals (reported, not asserted)');
  parts.push(
    table(
      ['goal', 'measured', ''],
      r.goals.map((g) => [g.goal, g.measured, mark(g.met)]),
    ),
  );
  parts.push('', `Run time: ${r.runSeconds} s`);
  return parts.join('\n');
};

const round = (n: number) => Math.round(n * 10) / 10;
