import type { QueueStats } from '../../storage/store';
import { plural } from '../../domain/plural';
import { formatTime } from '../../domain/transcript';
import type { CrmCheckState } from '../crm-check';
import { html, page, type Html } from './layout';

export const unknownConversationPage = (): string =>
  page('Unknown conversation', html`<h1>Unknown conversation</h1><p>No chat transcript with this id has reached this service.</p>`);

const steps = (n: number) => plural(n, 'step');

/** Why the status page asks for attention; empty: nothing to do. Counts only, never a conversation. */
export const attentionReasons = (stats: QueueStats, crmCheck?: CrmCheckState): string[] => [
  ...(stats.failing > 0 ? [`${steps(stats.failing)} failing, to be tried again`] : []),
  ...(stats.dead > 0 ? [`${steps(stats.dead)} failed for good`] : []),
  ...(crmCheck !== undefined && !crmCheck.report.ok ? ['the CRM check fails'] : []),
];

const crmCheckLine = (check: CrmCheckState | undefined): Html => {
  if (check === undefined) return html`not run yet`;
  if (check.report.ok) return html`passes (checked ${formatTime(check.checkedAt)})`;
  // The names of the failing checks only: their details can name the CRM account, and this page is public.
  const failing = check.report.items.filter((i) => !i.ok).map((i) => i.name);
  return html`fails${failing.length === 0 ? '' : html`: ${failing.join(', ')}`} (checked ${formatTime(check.checkedAt)}; the details are in the console)`;
};

/**
 * The service's own status page; Olark's "Send test" answers with a link to it. It says "needs
 * attention" while steps fail or are dead or the CRM check fails, with counts and a link to the
 * console (personal data stays there, behind its password). The counts are of steps, each one step
 * of a chat (fetch its transcript, look its visitor up, deliver it to the CRM, tell the chat
 * platform), since the database was created.
 */
export const statusPage = (input: {
  crm: string;
  lastOlarkTest?: string;
  stats: QueueStats;
  crmCheck?: CrmCheckState;
  consoleUrl: string;
}): string => {
  const { stats } = input;
  const waiting = stats.pending + stats.running;
  const reasons = attentionReasons(stats, input.crmCheck);
  const badge = reasons.length === 0 ? html`<span class="status ok">ok</span>` : html`<span class="status failed">needs attention</span>`;
  return page(
    'Status',
    html`<h1>chat2crm is running ${badge}</h1>
${reasons.length === 0 ? html`` : html`<p>Needs attention: ${reasons.join('; ')}. The <a href="${input.consoleUrl}">operator console</a> shows which conversations, why, and replays them.</p>`}
<dl><dt>CRM</dt><dd>${input.crm}</dd>
<dt>CRM check</dt><dd>${crmCheckLine(input.crmCheck)}</dd>
<dt>Olark webhook</dt><dd>${input.lastOlarkTest === undefined ? 'no test received yet' : html`works: test received ${formatTime(new Date(input.lastOlarkTest))}`}</dd></dl>
<h2>Steps</h2>
<p>Each chat goes through steps (fetching its transcript, looking its visitor up, delivering it to the CRM, telling the chat platform). These are all the steps since the database was created.</p>
<dl><dt>Waiting or running</dt><dd>${steps(waiting)}${stats.oldestPendingAt === undefined ? '' : html`, the oldest waiting since ${formatTime(stats.oldestPendingAt)}`} (${stats.running} running now)</dd>
<dt>Failing</dt><dd>${steps(stats.failing)} of those failed at least once and will be tried again</dd>
<dt>Failed for good</dt><dd>${steps(stats.dead)}${stats.dead === 0 ? '' : html`: the <a href="${input.consoleUrl}">console</a> says why, and replays them once the cause is fixed`}</dd>
<dt>Done</dt><dd>${steps(stats.done)}</dd>
<dt>Expired</dt><dd>${steps(stats.expired)} dropped at their deadline, when doing them was no longer useful</dd></dl>
<p><a href="${input.consoleUrl}">Operator console</a> (password) · <a href="/healthz">/healthz</a></p>`,
  );
};
