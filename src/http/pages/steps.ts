import { stepErrorHint } from '../../domain/errors';
import { formatTime } from '../../domain/transcript';
import type { Job } from '../../storage/store';
import { html, page, type Html } from './layout';
import { STEP_NAMES, stepState } from './step-labels';

const stepRow = (job: Job) =>
  html`<tr><td>${STEP_NAMES[job.kind]}</td><td><span class="status ${job.state === 'dead' ? 'failed' : job.state === 'done' ? 'ok' : 'pending'}">${stepState(job)}</span></td>
<td>${job.attempts}</td><td>${job.state === 'pending' ? formatTime(job.nextAttemptAt) : formatTime(job.updatedAt)}</td></tr>`;

/**
 * The reason an agent is told: only an error that names the CRM field or the configuration key
 * at fault, or the platform's own word about the chat (the step-error catalogue's `forAgent`).
 * Other errors stay in the operator's console.
 */
const agentReason = (job: Job | undefined): Html => {
  const error = job?.lastError;
  const code = job?.lastErrorCode;
  if (error === undefined || code === undefined || stepErrorHint(code)?.forAgent !== true) return html``;
  return html`<dl><dt>Reason</dt><dd>${error}</dd></dl>`;
};

/**
 * The stable return link while there is no record to forward to: each step of the conversation
 * with its state. Shows no personal data. This page is the agent's: what to replay and how is
 * the operator's, in the console.
 */
export const stepsPage = (jobs: readonly Job[], recordUrl?: string): string => {
  const dead = jobs.filter((j) => j.state === 'dead');
  const open = jobs.some((j) => j.state === 'pending' || j.state === 'running');
  const record =
    recordUrl === undefined || !/^https?:\/\//i.test(recordUrl)
      ? html``
      : html`<p>The CRM record: <a href="${recordUrl}">${recordUrl}</a></p>`;
  const table = html`${record}<table><thead><tr><th>Step</th><th>State</th><th>Attempts</th><th>Next try / last change</th></tr></thead>
<tbody>${jobs.map(stepRow)}</tbody></table>`;
  if (dead.length > 0)
    return page(
      'Delivery failed',
      html`<h1>Delivery failed <span class="status failed">failed</span></h1>
<p>This chat is stored, but a step failed for good. The operator of this service has been alerted: the failure is listed in their console, where they fix its cause and try it again. Nothing is needed from you; this page forwards to the CRM record once it exists.</p>
${table}${agentReason(dead[0])}`,
    );
  if (open)
    return page(
      'Delivery pending',
      html`<h1>On its way to the CRM <span class="status pending">pending</span></h1>
<p>This chat is stored and its steps will complete; this page forwards to the CRM record once it exists. Reload in a moment.</p>${table}`,
    );
  if (recordUrl !== undefined)
    return page(
      'Link not shown',
      html`<h1>The CRM record exists, but its link could not be shown in the chat platform</h1>
<p>The step gave up${jobs.some((j) => j.state === 'expired') ? ' because the chat was over' : ''}; the record itself is in the CRM.</p>${table}`,
    );
  return page(
    'No record',
    html`<h1>No CRM record for this chat</h1>
<p>This chat is stored, and nothing more is due for it${jobs.some((j) => j.state === 'expired') ? ' (a step gave up because the chat was over)' : ''}.</p>${table}`,
  );
};
