/** The report's later sections (5–7: LiveChat, LiveSupporti, iAdvize; 8: big transcripts): their goals and tables. */
import { BIG_GOAL_MS, BIG_MESSAGES, type BigCrm } from './big';
import { PLUGIN_GOAL_P99_MS } from './iadvize';
import type { Results } from './report';
import { ms, table } from './table';

export const PLATFORM_GOALS = {
  livechatCallsPerTranscript: 2,
  /** Logins during the measured conversations: the process logged in once before them. */
  iadvizeLogins: 0,
  pluginP99Ms: PLUGIN_GOAL_P99_MS,
} as const;

type Goal = Results['goals'][number];

const BIG_CRMS: readonly BigCrm[] = ['local', 'hubspot', 'salesforce'];
const CRM_LABEL: Readonly<Record<BigCrm, string>> = { local: 'local CRM', hubspot: 'HubSpot', salesforce: 'Salesforce' };
const mb = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} MB`);

export const platformGoals = (r: Omit<Results, 'goals' | 'runSeconds'>): Goal[] => {
  const out: Goal[] = [];
  const lc = r.livechat;
  if (lc.status === 'ok') {
    out.push({
      goal: "LiveChat ingest at 64 connections, ours / bare Koa (no goal of its own; Olark's is ≥ 40 %)",
      measured: `${Math.round(lc.ingest.ratio * 100)} % (${lc.ingest.ours.requestsPerSec}/s)`,
      met: undefined,
    });
    out.push({
      goal: `LiveChat chat_deactivated → link: ≤ ${PLATFORM_GOALS.livechatCallsPerTranscript} LiveChat calls per transcript (+ the CRM's own: local CRM, none)`,
      measured: String(lc.transcripts.livechatCalls),
      met: lc.transcripts.livechatCalls <= PLATFORM_GOALS.livechatCallsPerTranscript,
    });
    out.push({
      goal: 'LiveChat: every transcript linked',
      measured: `${lc.transcripts.samples - lc.transcripts.missing} of ${lc.transcripts.samples}`,
      met: lc.transcripts.missing === 0,
    });
  } else out.push({ goal: 'LiveChat: ingest, calls per transcript', measured: 'not measured', met: undefined });
  const ls = r.livesupporti;
  if (ls.status === 'ok')
    for (const row of ls.rows)
      out.push({
        goal: `LiveSupporti ${row.crm}, ${row.visitor} visitor: ≤ ${row.goalCalls} calls (${row.crm === 'local' ? 'one push; the local CRM is in-process' : `lookup${row.visitor === 'unknown' ? ', ≤ 1 create' : ''}, one push`})`,
        measured: `${row.crmCalls + row.livesupportiCalls} (CRM ${row.crmCalls}, LiveSupporti ${row.livesupportiCalls})`,
        met: row.crmCalls + row.livesupportiCalls <= row.goalCalls,
      });
  else out.push({ goal: 'LiveSupporti: calls per chat', measured: 'not measured', met: undefined });
  const ia = r.iadvize;
  if (ia.status === 'ok') {
    for (const row of ia.rows)
      out.push({
        goal: `iAdvize ${row.messages} messages: ≤ ${row.goalGraphqlCalls} GraphQL page(s) (1 per 100 messages; local CRM, no calls)`,
        measured: String(row.graphqlCalls),
        met: row.graphqlCalls <= row.goalGraphqlCalls,
      });
    const conversations = ia.rows.reduce((n, row) => n + row.samples, 0);
    out.push({
      goal: 'iAdvize: no login per conversation (one per process)',
      measured: `${ia.logins} login(s) for ${conversations} conversations`,
      met: ia.logins === PLATFORM_GOALS.iadvizeLogins,
    });
    const worst = ia.plugin.reduce((m, p) => Math.max(m, p.p99Ms), 0);
    out.push({
      goal: `iAdvize plugin answer p99 < ${PLATFORM_GOALS.pluginP99Ms} ms`,
      measured: `${worst} ms`,
      met: worst < PLATFORM_GOALS.pluginP99Ms,
    });
  } else out.push({ goal: 'iAdvize: pages, logins, plugin p99', measured: 'not measured', met: undefined });
  const big = r.big;
  for (const crm of BIG_CRMS) {
    const ten = big.status === 'ok' ? big.rows.find((row) => row.crm === crm && row.messages === BIG_MESSAGES) : undefined;
    out.push({
      goal: `10,000-message Olark transcript answered ≤ ${BIG_GOAL_MS} ms (p50), ${CRM_LABEL[crm]}`,
      measured:
        ten === undefined
          ? 'not measured'
          : ten.p50Ms !== undefined
            ? `${ten.p50Ms} ms`
            : `refused with HTTP ${ten.refusedWith ?? '?'} (${ten.bodyMB} MB body)`,
      met: ten?.p50Ms === undefined ? (ten?.refusedWith === undefined ? undefined : false) : ten.p50Ms <= BIG_GOAL_MS,
    });
    if (ten?.fieldLimit !== undefined && ten.storedChars !== undefined)
      out.push({
        goal: `10,000 messages in ${CRM_LABEL[crm]}: the stored transcript within its field limit (${ten.fieldLimit.toLocaleString('en')} characters)`,
        measured: `${ten.storedChars.toLocaleString('en')} characters`,
        met: ten.storedChars > 0 && ten.storedChars <= ten.fieldLimit,
      });
  }
  out.push({
    goal: 'idle RSS (reported)',
    measured: big.status === 'ok' && big.idleRssMB !== undefined ? `${big.idleRssMB} MB` : 'not measured',
    met: undefined,
  });
  return out;
};

export const renderPlatforms = (r: Results): string[] => {
  const parts: string[] = [];
  const lc = r.livechat;
  parts.push(`5. LiveChat — v3 chat_deactivated webhooks; emulator adds ${r.settings.crmLatencyMs} ms per call; local CRM`);
  if (lc.status === 'ok') {
    const i = lc.ingest;
    parts.push(
      table(
        ['ingest (64 connections, stored and answered)', 'req/s', 'p50', 'p99', 'failed'],
        [
          ['chat2crm', i.ours.requestsPerSec, ms(i.ours.p50Ms), ms(i.ours.p99Ms), i.ours.failures],
          ['bare Koa', i.bare.requestsPerSec, ms(i.bare.p50Ms), ms(i.bare.p99Ms), i.bare.failures],
          ['ours / bare', `${Math.round(i.ratio * 100)} %`, '', '', ''],
        ],
      ),
    );
    const tr = lc.transcripts;
    parts.push(
      table(
        [
          'chat_deactivated → record → link',
          'samples',
          'p50',
          'p99',
          'LiveChat calls (sequential)',
          'overhead p50',
          'overhead p99',
          'not linked',
        ],
        [
          [
            'local CRM',
            tr.samples,
            `${tr.p50Ms} ms`,
            `${tr.p99Ms} ms`,
            tr.livechatCalls,
            `${tr.overheadP50Ms} ms`,
            `${tr.overheadP99Ms} ms`,
            tr.missing,
          ],
        ],
      ),
      `LiveChat calls of one transcript: ${tr.actions.join(' → ')}`,
    );
  } else parts.push(`not measured — ${lc.reason}`);
  parts.push('(overhead = time to the link − LiveChat calls × latency; it includes the worker picking each step up)', '');

  const ls = r.livesupporti;
  parts.push(`6. LiveSupporti — chat started → visitor details pushed; every outside call +${r.settings.crmLatencyMs} ms`);
  if (ls.status === 'ok')
    parts.push(
      table(
        [
          'CRM',
          'visitor',
          'samples',
          'webhook answer p50',
          'pushed p50',
          'pushed p99',
          'CRM calls',
          'LiveSupporti calls',
          'ours p50',
          'ours p99',
        ],
        ls.rows.map((row) => [
          row.crm,
          row.visitor,
          row.samples,
          `${row.ackP50Ms} ms`,
          `${row.pushP50Ms} ms`,
          `${row.pushP99Ms} ms`,
          row.crmCalls,
          row.livesupportiCalls,
          `${row.oursP50Ms} ms`,
          `${row.oursP99Ms} ms`,
        ]),
      ),
    );
  else parts.push(`not measured — ${ls.reason}`);
  parts.push('(all calls sequential; ours = time to the push − calls × latency)', '');

  const ia = r.iadvize;
  parts.push(
    `7. iAdvize — v2.conversation.closed → GraphQL fetch → local CRM record; emulator +${r.settings.crmLatencyMs} ms per call, pages of 100 messages`,
  );
  if (ia.status === 'ok') {
    parts.push(
      table(
        ['messages', 'samples', 'webhook answer p50', 'record p50', 'record p99', 'GraphQL pages', 'ours p50', 'ours p99'],
        ia.rows.map((row) => [
          row.messages,
          row.samples,
          `${row.ackP50Ms} ms`,
          `${row.recordP50Ms} ms`,
          `${row.recordP99Ms} ms`,
          row.graphqlCalls,
          `${row.oursP50Ms} ms`,
          `${row.oursP99Ms} ms`,
        ]),
      ),
    );
    parts.push(`logins during the measured conversations: ${ia.logins} (the warm-up logged in once)`);
    parts.push(
      table(
        ['plugin GET /customer-info', 'samples', 'p50', 'p99'],
        ia.plugin.map((p) => [p.lookup, p.samples, `${p.p50Ms} ms`, `${p.p99Ms} ms`]),
      ),
    );
  } else parts.push(`not measured — ${ia.reason}`);
  parts.push(
    '(ours = time to the record − calls × latency: worker pick-up, storage, decoding, and graphql-js inside the emulator; the bench polls the stable link every 2 ms)',
    '',
  );

  const big = r.big;
  parts.push(
    '8. Big transcripts — Olark, one at a time (the first of each size not counted); HubSpot and Salesforce emulators at 0 ms per call; idle memory',
  );
  if (big.status === 'ok') {
    parts.push(
      table(
        ['CRM', 'messages', 'form body', 'samples', 'answer p50', 'max', 'stored transcript / field limit', 'refused'],
        big.rows.map((row) => [
          CRM_LABEL[row.crm],
          row.messages,
          `${row.bodyMB} MB`,
          row.samples,
          row.p50Ms === undefined ? '–' : `${row.p50Ms} ms`,
          row.maxMs === undefined ? '–' : `${row.maxMs} ms`,
          row.storedChars === undefined || row.fieldLimit === undefined ? 'whole' : `${row.storedChars} / ${row.fieldLimit} characters`,
          row.refusedWith ?? '',
        ]),
      ),
      `idle RSS after start-up (local CRM): ${mb(big.idleRssMB)}; peak while taking them: ${big.services.map((s) => `${CRM_LABEL[s.crm]} ${mb(s.peakRssMB)}`).join(', ')}`,
    );
    const a = big.atOnce;
    if (a !== undefined)
      parts.push(
        `${a.bodies} transcripts of ${a.messages} messages posted at once (local CRM): ${a.answered} answered 200 in ${a.wallMs} ms, peak RSS ${mb(a.peakRssMB)}`,
      );
  } else parts.push(`not measured — ${big.reason}`);
  parts.push('');
  return parts;
};
