/**
 * `npx tsx bench/quick-agent.ts [samples] [latencyMs]`: only section 2 (agent latency against the
 * HubSpot and Salesforce emulators), for a quick look; `npm run bench` gives the published figures.
 */
import { runAgentLatency } from './agent-latency';
import { runScript } from './service';

const main = async () => {
  const samples = Number(process.argv[2] ?? '20');
  const latencyMs = Number(process.argv[3] ?? '100');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  for (const crm of ['hubspot', 'salesforce'] as const) {
    const section = await runAgentLatency(crm, samples, log, latencyMs);
    if (section.status !== 'ok') {
      process.stdout.write(`${crm}: ${section.reason}\n`);
      continue;
    }
    process.stdout.write(
      `${crm} ${latencyMs} ms just after start (${section.firstRequests.requests} transcripts at 0 ms): overhead p50 ${section.firstRequests.overheadP50Ms} p99 ${section.firstRequests.overheadP99Ms}\n`,
    );
    for (const r of section.rows)
      process.stdout.write(
        `${crm} ${latencyMs} ms ${r.kind}: p50 ${r.p50Ms} p99 ${r.p99Ms}, ${r.calls} calls (${r.sequentialCalls} sequential), CRM ${r.crmP50Ms} ms, overhead p50 ${r.overheadP50Ms} p99 ${r.overheadP99Ms}, bare relay ${r.bareRelayOverheadP50Ms ?? '–'} / ${r.bareRelayOverheadP99Ms ?? '–'} (nominal ${r.nominalOverheadP50Ms} / ${r.nominalOverheadP99Ms})\n`,
      );
  }
};

runScript('quick agent', main);
