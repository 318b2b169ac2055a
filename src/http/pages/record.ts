import type { LocalRecord } from '../../domain/local-records';
import { formatTime } from '../../domain/transcript';
import { html, page } from './layout';

const field = (label: string, value: string | undefined) => (value === undefined ? html`` : html`<dt>${label}</dt><dd>${value}</dd>`);

/** A lead or case of the built-in local CRM: visitor, transcript and the history of updates. */
export const recordPage = (record: LocalRecord): string => {
  const c = record.conversation;
  const v = c.visitor;
  const location = [v.city, v.region, v.country].filter((x): x is string => x !== undefined).join(', ');
  const title = `${record.action === 'lead' ? 'Lead' : 'Case'}: ${v.name ?? v.email ?? 'chat visitor'}`;
  return page(
    title,
    html`<h1>${title}</h1>
<dl>
  ${field('Name', v.name)}${field('Email', v.email)}${field('Phone', v.phone)}${field('Company', v.company)}
  ${field('Location', location === '' ? undefined : location)}${field('Page', v.pageUrl)}
  ${field('Tags', c.tags.length === 0 ? undefined : c.tags.join(', '))}${field('Groups', c.groups.length === 0 ? undefined : c.groups.join(', '))}
  ${field('Conversation', `${c.source} ${c.id}`)}${field('Created', formatTime(record.createdAt))}${field('Updated', formatTime(record.updatedAt))}
</dl>
<h2>${c.offline ? 'Offline message' : 'Transcript'} (${c.messages.length} messages)</h2>
${c.messages.map((m) => html`<div class="msg ${m.role}"><div class="meta">${m.author} · ${formatTime(m.at)}</div><div class="body">${m.body}</div></div>`)}
<h2>History</h2>
<ul>${record.history.map((h) => html`<li>${formatTime(h.at)}: ${h.change}</li>`)}</ul>`,
  );
};
