import type { Conversation, Role } from '../../domain/conversation';
import type { LocalConversation, LocalFields, LocalRecord, LocalRelated } from '../../domain/local-records';
import { plural } from '../../domain/plural';
import { formatTime } from '../../domain/transcript';
import { html, page, type Html } from './layout';

const field = (label: string, value: string | Html | undefined) =>
  value === undefined ? html`` : html`<dt>${label}</dt><dd>${value}</dd>`;

/** Said in words, not only by colour (WCAG 1.4.1): who wrote the line. */
const ROLE_LABEL: Readonly<Record<Role, string>> = { visitor: 'Visitor', operator: 'Agent', system: 'System' };

/** A link only for http(s) URLs: a `javascript:` or `data:` page URL from a chat platform stays text. */
const webLink = (url: string | undefined): Html | undefined => {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return html`${url}`;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:'
    ? html`<a href="${parsed.href}" rel="noopener noreferrer nofollow">${url}</a>`
    : html`${url}`;
};

const transcript = (entry: LocalConversation, heading: 'h2' | 'h3'): Html => {
  const c: Conversation = entry.conversation;
  const what = `${c.offline ? 'Offline message' : 'Transcript'} (${plural(c.messages.length, 'message')})`;
  const title = heading === 'h2' ? html`<h2>${what}</h2>` : html`<h3>${what}</h3>`;
  return html`${title}
<p class="meta">${c.source} conversation ${c.id} · updated ${formatTime(entry.updatedAt)}</p>
${c.messages.map(
  (m) =>
    html`<div class="msg ${m.role}"><div class="meta"><span class="role">${ROLE_LABEL[m.role]}</span> ${m.author} · ${formatTime(m.at)}</div><div class="body">${m.body}</div></div>`,
)}`;
};

const KIND_LABEL: Readonly<Record<string, string>> = { lead: 'Lead fields', case: 'Case fields', contact: 'Contact fields' };

/** MAPPING_FILE's fields as written on the record, one list per record kind, names in file order. */
const mappedFields = (fields: LocalFields): Html => {
  const kinds = Object.entries(fields).filter(([, values]) => Object.keys(values).length > 0);
  return html`${kinds.map(
    ([kind, values]) =>
      html`<h2>${Object.hasOwn(KIND_LABEL, kind) ? (KIND_LABEL[kind] ?? kind) : `${kind} fields`}</h2>
<dl class="fields">${Object.entries(values).map(([name, value]) => field(name, value))}</dl>`,
  )}`;
};

const relatedLine = (r: LocalRelated): Html =>
  // Relative: the page may be served under a path prefix of PUBLIC_URL.
  html`<li><a href="${encodeURIComponent(r.id)}">${r.action === 'lead' ? 'Lead' : 'Case'}</a> created ${formatTime(r.createdAt)}</li>`;

/**
 * A lead or case of the built-in local CRM: the visitor (as the conversation updated last knows
 * them), every conversation of the record, the person's other records, and the history.
 */
export const recordPage = (record: LocalRecord): string => {
  const c = record.conversation;
  const v = c.visitor;
  const location = [v.city, v.region, v.country].filter((x): x is string => x !== undefined).join(', ');
  const kind = record.action === 'lead' ? 'Lead' : 'Case';
  const title = `${kind}: ${v.name ?? v.email ?? record.email ?? 'chat visitor'}`;
  const [latest, ...earlier] = record.conversations;
  return page(
    title,
    html`<h1>${title}</h1>
<dl>
  ${field('Name', v.name)}${field('Email', v.email ?? record.email)}${field('Phone', v.phone)}${field('Company', v.company)}
  ${field('Location', location === '' ? undefined : location)}${field('Page', webLink(v.pageUrl))}
  ${field('Tags', c.tags.length === 0 ? undefined : c.tags.join(', '))}${field('Groups', c.groups.length === 0 ? undefined : c.groups.join(', '))}
  ${field('Conversations', record.conversations.length === 1 ? `${c.source} ${c.id}` : plural(record.conversations.length, 'conversation'))}
  ${field('Created', formatTime(record.createdAt))}${field('Updated', formatTime(record.updatedAt))}
</dl>
${mappedFields(record.fields)}
${record.related.length === 0 ? html`` : html`<h2>Other records of this person</h2><ul class="related">${record.related.map(relatedLine)}</ul>`}
${latest === undefined ? html`` : transcript(latest, 'h2')}
${earlier.length === 0 ? html`` : html`<h2>Earlier conversations (${plural(earlier.length, 'conversation')})</h2>${earlier.map((e) => transcript(e, 'h3'))}`}
<h2>History</h2>
<ul class="history">${record.history.map((h) => html`<li>${formatTime(h.at)}: ${h.change}</li>`)}</ul>`,
  );
};

/** For an id that is no record: the id is a 128-bit random value, so nothing is said about which exist. */
export const unknownRecordPage = (): string =>
  page(
    'Record not found',
    html`<h1>Record not found</h1><p>There is no local CRM record at this address. Check that the link is complete: record links end in a 22-character id.</p>`,
  );
