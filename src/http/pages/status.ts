import type { Job, QueueStats } from '../../storage/store';
import { plural } from '../../domain/plural';
import { formatTime } from '../../domain/transcript';
import { html, page } from './layout';

/** The stable return link while the record is not in the CRM yet. Shows no personal data. */
export const deliveryPage = (job: Job): string => {
  if (job.state === 'dead')
    return page(
      'Delivery failed',
      html`<h1>Delivery failed <span class="status failed">failed</span></h1>
<p>This chat transcript is stored, but the CRM refused it after ${job.attempts} attempt(s). An administrator can fix the cause and replay it (<code>npm run replay -- ${job.id}</code>).</p>
<dl><dt>Reason</dt><dd>${job.lastError ?? 'unknown'}</dd><dt>Job</dt><dd>${job.id}</dd><dt>Last try</dt><dd>${formatTime(job.updatedAt)}</dd></dl>`,
    );
  return page(
    'Delivery pending',
    html`<h1>On its way to the CRM <span class="status pending">pending</span></h1>
<p>This chat transcript is stored and will be delivered; this page forwards to the CRM record once it exists. Reload in a moment.</p>
<dl><dt>Attempts</dt><dd>${job.attempts}</dd><dt>Next try</dt><dd>${formatTime(job.nextAttemptAt)}</dd>
${job.lastError === undefined ? html`` : html`<dt>Last error</dt><dd>${job.lastError}</dd>`}<dt>Job</dt><dd>${job.id}</dd></dl>`,
  );
};

export const unknownConversationPage = (): string =>
  page('Unknown conversation', html`<h1>Unknown conversation</h1><p>No chat transcript with this id has reached this service.</p>`);

const jobs = (n: number) => plural(n, 'job');

/**
 * The service's own status page; Olark's "Send test" answers with a link to it. The counts are of
 * jobs, each one step of a chat (fetch its transcript, look its visitor up, deliver it to the
 * CRM, tell the chat platform), since the database was created.
 */
export const statusPage = (input: { crm: string; lastOlarkTest?: string; stats: QueueStats }): string => {
  const { stats } = input;
  const waiting = stats.pending + stats.running;
  return page(
    'Status',
    html`<h1>chat2crm is running <span class="status ok">ok</span></h1>
<dl><dt>CRM</dt><dd>${input.crm}</dd>
<dt>Olark webhook</dt><dd>${input.lastOlarkTest === undefined ? 'no test received yet' : html`works: test received ${formatTime(new Date(input.lastOlarkTest))}`}</dd></dl>
<h2>Jobs</h2>
<p>Each chat goes through steps (fetching its transcript, looking its visitor up, delivering it to the CRM, telling the chat platform). Each step is a job; these are all the jobs since the database was created.</p>
<dl><dt>Waiting or running</dt><dd>${jobs(waiting)}${stats.oldestPendingAt === undefined ? '' : html`, the oldest waiting since ${formatTime(stats.oldestPendingAt)}`} (${stats.running} running now)</dd>
<dt>Failed for good</dt><dd>${jobs(stats.dead)}${stats.dead === 0 ? '' : html`: <code>npm run replay -- --list</code> says why, and replays them once the cause is fixed`}</dd>
<dt>Done</dt><dd>${jobs(stats.done)}</dd>
<dt>Expired</dt><dd>${jobs(stats.expired)} dropped at their deadline, when doing them was no longer useful</dd></dl>`,
  );
};
