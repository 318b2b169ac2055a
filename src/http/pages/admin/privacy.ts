/** A visitor's data requests in the console: the export and erase forms, and what an erase did. */
import { plural } from '../../../domain/plural';
import type { PersonErasure } from '../../../storage/privacy/port';
import { html, type Html } from '../layout';
import { consolePage } from './layout';

/** On the conversation page: this visitor's export (a JSON download) and erase (after a tick, no script needed). */
export const dataRequestForms = (email: string | undefined, csrf: string): Html =>
  email === undefined || email.trim() === ''
    ? html`<p class="muted">This visitor gave no email: their conversations cannot be told apart from anyone else's, so there is nothing to export or erase by person.</p>`
    : html`<p>Everything stored about <strong>${email}</strong> (every conversation with this email, its steps, events and local CRM records):</p>
<form class="inline" method="post" action="/admin/privacy/export"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="email" value="${email}"><button type="submit" class="quiet">Export as JSON</button></form>
<form class="erase" method="post" action="/admin/privacy/erase"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="email" value="${email}">
<label><input type="checkbox" name="confirm" value="yes" required> Erase all of it from chat2crm (it cannot be undone; CRM records stay in the CRM)</label>
<button type="submit" class="danger">Erase</button></form>`;

const COUNT_LABELS: readonly [keyof PersonErasure['counts'], string][] = [
  ['conversations', 'conversation'],
  ['events', 'event'],
  ['jobs', 'step'],
  ['attempts', 'attempt'],
  ['records', 'CRM record reference'],
  ['localConversations', 'local CRM transcript'],
  ['localRecords', 'local CRM record'],
  ['localPeople', 'local CRM person'],
];

export const erasurePage = (erasure: PersonErasure): string => {
  if (erasure.inFlight > 0)
    return consolePage(
      'conversations',
      'Not erased yet',
      html`<h1>Nothing was erased yet</h1><p>A step of this person is running right now (${plural(erasure.inFlight, 'step')}); erasing now would let it write them back. Try again in a minute.</p><p><a href="/admin">« Conversations</a></p>`,
    );
  const crm =
    erasure.crmRecords.length === 0
      ? html`<p class="muted">No CRM record or person was referenced.</p>`
      : html`<h2>Erase these in the CRM too</h2><p>chat2crm deleted only its own copy and references. The CRM keeps its records (HubSpot: delete the contact with "Permanently delete"; Salesforce: delete the Lead or Contact, the Cases and Tasks, then empty the Recycle Bin):</p>
<ul>${erasure.crmRecords.map((r) => html`<li>${r.crm ?? 'CRM'} ${r.type} <code>${r.id}</code>: ${/^https?:\/\//i.test(r.url) ? html`<a href="${r.url}" rel="noopener noreferrer">${r.url}</a>` : html`${r.url}`}</li>`)}</ul>`;
  return consolePage(
    'conversations',
    'Erased',
    html`<h1>Erased from chat2crm</h1><p>Deleted for <strong>${erasure.email}</strong>: ${COUNT_LABELS.map(([key, label]) => `${plural(erasure.counts[key], label)}`).join(', ')}.</p>${crm}<p><a href="/admin">« Conversations</a></p>`,
  );
};
