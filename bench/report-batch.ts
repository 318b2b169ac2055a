/**
 * Issue 30's rows: the burst of LiveChat webhooks per CRM and CRM_BATCH_MAX, the backfill and its
 * second run, each with its goal and PASS/MISS, and the agent's sync-path latency of the same run
 * beside them (batching must not cost the single transcript its answer time).
 */
import type { AgentSection } from './agent-latency';
import { backfillGoalSeconds, type BackfillRun, type BackfillSection } from './backfill';
import { BATCH_GOALS, burstGoalSeconds, type BurstBatchRow } from './burst-batch';
import { table } from './table';

export interface BatchGoal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

const verdict = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? 'PASS' : 'MISS');
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms / 100) / 10);
const rowName = (r: BurstBatchRow) => `${r.crm}, CRM_BATCH_MAX=${r.batchMax === '1' ? '1 (per transcript)' : 'default (batched)'}`;

export const burstBatchGoals = (rows: readonly BurstBatchRow[]): BatchGoal[] =>
  rows.flatMap((r): BatchGoal[] => {
    const name = rowName(r);
    if (r.status !== 'ok') return [{ goal: `burst ${name}`, measured: `not measured: ${r.reason}`, met: undefined }];
    const all = seconds(r.allInCrmMs);
    const out: BatchGoal[] = [
      {
        goal: `burst ${name}: all ${r.transcripts} in the CRM within ${burstGoalSeconds(r.transcripts)} s`,
        measured: all === undefined ? `${r.inCrm} of ${r.transcripts} after ${seconds(r.watchedMs)} s` : `${all} s`,
        met: all !== undefined && all <= burstGoalSeconds(r.transcripts),
      },
      {
        goal: `burst ${name}: 0 lost, 0 doubled, 0 dead`,
        measured: `${r.lost} / ${r.doubled} / ${r.dead}`,
        met: r.lost === 0 && r.doubled === 0 && r.dead === 0 && r.failedPosts === 0,
      },
    ];
    if (r.crm === 'hubspot')
      out.push({
        goal: `burst ${name}: ≤ ${BATCH_GOALS.hubspotCallsPerTranscript} HubSpot calls per transcript`,
        measured: `${r.callsPerTranscript} (${r.crmCalls} calls)`,
        met: r.callsPerTranscript <= BATCH_GOALS.hubspotCallsPerTranscript,
      });
    return out;
  });

export const backfillGoals = (b: BackfillSection | undefined): BatchGoal[] => {
  if (b === undefined) return [];
  if (b.status !== 'ok') return [{ goal: 'backfill', measured: `not measured: ${b.reason}`, met: undefined }];
  const all = seconds(b.first.allInCrmMs);
  return [
    {
      goal: `backfill: all ${b.chats} archived chats in HubSpot within ${backfillGoalSeconds(b.chats)} s`,
      measured: all === undefined ? `${b.first.inCrm} of ${b.chats} after ${seconds(b.first.watchedMs)} s` : `${all} s`,
      met: all !== undefined && all <= backfillGoalSeconds(b.chats),
    },
    {
      goal: 'backfill: 0 lost, 0 doubled, 0 dead',
      measured: `${all === undefined ? `n/a (${b.first.leftQueued} steps still queued)` : b.chats - b.first.inCrm} / ${b.first.doubled} / ${b.first.deadSteps}`,
      met:
        all === undefined
          ? b.first.doubled > 0 || b.first.deadSteps > 0
            ? false
            : undefined
          : b.first.inCrm === b.chats && b.first.doubled === 0 && b.first.deadSteps === 0,
    },
    b.second === undefined
      ? {
          goal: 'backfill, second run (--restart): queues 0, 0 HubSpot writes',
          measured: 'not run: the first did not finish',
          met: undefined,
        }
      : {
          goal: 'backfill, second run (--restart): queues 0, 0 HubSpot writes',
          measured: `queued ${b.second.queued ?? '?'}, already known ${b.second.known ?? '?'}, ${b.second.hubspotWrites} writes of ${b.second.hubspotCalls} calls`,
          met: b.second.queued === 0 && b.second.hubspotWrites === 0 && b.second.doubled === 0 && b.second.deadSteps === 0,
        },
  ];
};

const runCells = (label: string, r: BackfillRun, chats: number, again: boolean): (string | number)[] => [
  label,
  again ? `– (${r.inCrm} of ${chats} in)` : r.allInCrmMs === undefined ? `${r.inCrm} of ${chats} in` : `${seconds(r.allInCrmMs)} s`,
  r.exitedMs === undefined ? `stopped after ${seconds(r.watchedMs)} s` : `${seconds(r.exitedMs)} s (exit ${String(r.exitCode)})`,
  // Per chat in HubSpot: a run stopped early delivered only some of them.
  `${r.hubspotCalls} (${r.inCrm === 0 || again ? '–' : Math.round((r.hubspotCalls / r.inCrm) * 1000) / 1000})`,
  r.hubspotWrites,
  r.rateLimited429,
  r.livechatCalls,
  `${r.queued ?? '?'} / ${r.known ?? '?'}`,
  `${r.delivered ?? '–'} / ${r.deadSteps} / ${r.leftQueued}`,
  r.doubled,
  `${r.peakRssMB ?? 'n/a'} / ${r.servicePeakRssMB ?? 'n/a'} MB`,
];

export const renderBatch = (
  burst: readonly BurstBatchRow[],
  backfill: BackfillSection | undefined,
  agent: readonly AgentSection[],
  goals: readonly BatchGoal[],
): string => {
  const parts: string[] = [];
  if (burst.length > 0) {
    parts.push(
      `10. Burst of LiveChat chat_deactivated webhooks (issue 30) — CRM emulators at 100 ms per call, HubSpot at 100 calls / 10 s; LiveChat emulator at 0 ms`,
    );
    parts.push(
      table(
        [
          'row',
          'all in CRM',
          'CRM calls',
          'per transcript',
          '429s',
          'lost / doubled / dead',
          'queued at end',
          'answer p50 / max',
          'LiveChat calls',
          'peak RSS',
        ],
        burst.map((r) =>
          r.status !== 'ok'
            ? [rowName(r), `not measured: ${r.reason}`, '', '', '', '', '', '', '', '']
            : [
                rowName(r),
                r.allInCrmMs === undefined
                  ? `${r.inCrm} of ${r.transcripts} in after ${seconds(r.watchedMs)} s`
                  : `${seconds(r.allInCrmMs)} s`,
                r.crmCalls + (r.tokenCalls > 0 ? ` (+${r.tokenCalls} token)` : ''),
                r.callsPerTranscript,
                r.rateLimited429,
                `${r.lost} / ${r.doubled} / ${r.dead}`,
                r.stillQueued,
                `${r.answerP50Ms} / ${r.answerMaxMs} ms`,
                r.livechatCalls,
                r.peakRssMB === undefined ? 'n/a' : `${r.peakRssMB} MB`,
              ],
        ),
      ),
    );
    parts.push('');
  }
  if (backfill !== undefined) {
    parts.push(
      '11. Backfill (issue 30) — npm run backfill -- --source livechat, into HubSpot at 100 ms per call and 100 calls / 10 s, the service running beside it (its worker takes what the script leaves queued); LiveChat emulator at 0 ms',
    );
    if (backfill.status === 'ok')
      parts.push(
        `  ${backfill.chats} archived chats seeded in ${seconds(backfill.seedMs)} s; watched for at most ${seconds(backfill.timeoutMs)} s per run`,
        table(
          [
            'run',
            'all in HubSpot',
            'exited',
            'HubSpot calls (per chat in)',
            'writes',
            '429s',
            'LiveChat calls',
            'queued / known',
            'delivered / dead steps / left queued',
            'doubled',
            'peak RSS script / service',
          ],
          [
            runCells('first', backfill.first, backfill.chats, false),
            ...(backfill.second === undefined ? [] : [runCells('second (--restart)', backfill.second, backfill.chats, true)]),
          ],
        ),
      );
    else parts.push(`not measured — ${backfill.reason}`);
    parts.push('');
  }
  const sync = agent.flatMap((s) =>
    s.status === 'ok' && s.latencyMs === 100
      ? s.rows.map((row) => [
          `${s.crm}, ${row.kind}`,
          `${row.p50Ms} / ${row.p99Ms} ms`,
          `${row.overheadP50Ms} / ${row.overheadP99Ms} ms`,
          row.calls,
        ])
      : [],
  );
  parts.push('Beside them, the single transcript on the sync path (section 2, CRM at 100 ms per call): it must keep its latency');
  parts.push(
    sync.length === 0 ? 'not measured in this run' : table(['sync path', 'latency p50 / p99', 'overhead p50 / p99', 'CRM calls'], sync),
  );
  parts.push('');
  parts.push('Goals of issue 30');
  parts.push(
    table(
      ['goal', 'measured', ''],
      goals.map((g) => [g.goal, g.measured, verdict(g.met)]),
    ),
  );
  return parts.join('\n');
};
