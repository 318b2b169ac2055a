/** The console's front page: conversations newest first (with the newest CRM record of each), filtered by platform and state, searched, paged by cursor. */
import { CONVERSATION_STATES, SEARCH_PREFIX_MIN, type ConversationFilter, type ConversationPage } from '../../../storage/console';
import { html, type Html } from '../layout';
import { recordLabel } from './conversation';
import { consolePage, when } from './layout';
import { conversationPath, cursorParam } from './paths';

export interface ListView {
  readonly page: ConversationPage;
  readonly filter: Omit<ConversationFilter, 'limit'>;
  /** Registered platforms: name and title. */
  readonly sources: readonly { readonly name: string; readonly title: string }[];
}

/** Only http(s) becomes a link (a CRM's answer is outside data); the link text is the URL's last part, the whole URL its title. */
const recordLink = (url: string): Html => {
  if (!/^https?:\/\//i.test(url)) return html`${url}`;
  const tail = url.replace(/\/+$/, '').split('/').pop() ?? url;
  return html`<a href="${url}" title="${url}" rel="noopener noreferrer">${tail}</a>`;
};

const option = (value: string, label: string, selected: boolean): Html =>
  selected ? html`<option value="${value}" selected>${label}</option>` : html`<option value="${value}">${label}</option>`;

const query = (params: Readonly<Record<string, string | undefined>>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const text = search.toString();
  return text === '' ? '/admin' : `/admin?${text}`;
};

export const conversationsPage = (view: ListView): string => {
  const { filter, page, sources } = view;
  const titles = new Map(sources.map((s) => [s.name, s.title]));
  const base = { platform: filter.source, state: filter.state, q: filter.q };
  const rows = page.conversations.map(
    (c) => html`<tr>
<td class="when c-when" data-label="Updated">${when(c.updatedAt)}</td>
<td class="c-where" data-label="Platform">${titles.get(c.source) ?? c.source}</td>
<td class="c-conv" data-label="Conversation"><a href="${conversationPath(c.key)}">${c.id}</a></td>
<td class="c-visitor" data-label="Visitor">${c.visitorName ?? ''}${c.visitorName !== undefined && c.visitorEmail !== undefined ? html`<br>` : html``}<span class="muted">${c.visitorEmail ?? ''}</span></td>
<td class="c-kind" data-label="Lead or case">${c.record === undefined ? html`<span class="muted">—</span>` : recordLabel(c.record)}</td>
<td class="c-record" data-label="CRM record">${c.record === undefined ? html`<span class="muted">none yet</span>` : html`<span class="crm">${c.record.crm}</span> ${recordLink(c.record.url)}`}</td>
<td class="c-state" data-label="State"><span class="status ${c.state}">${c.state}</span></td></tr>`,
  );
  const filtered = filter.source !== undefined || filter.state !== undefined || (filter.q ?? '') !== '';
  const table =
    rows.length === 0
      ? html`<p class="empty">${filtered ? 'No conversation matches these filters.' : 'No conversation has arrived yet.'}</p>`
      : html`<table class="cards list"><thead><tr><th>Updated</th><th>Platform</th><th>Conversation</th><th>Visitor</th><th>Lead or case</th><th>CRM record</th><th>State</th></tr></thead><tbody>${rows}</tbody></table>`;
  const pager = html`<nav class="pager" aria-label="Pages">${filter.after === undefined ? html`` : html`<a href="${query(base)}">« Newest</a>`}${
    page.next === undefined ? html`` : html`<a href="${query({ ...base, after: cursorParam(page.next) })}" rel="next">Older »</a>`
  }</nav>`;
  return consolePage(
    'conversations',
    'Conversations',
    html`<h1>Conversations</h1>
<form class="filters" method="get" action="/admin" role="search">
<label class="grow">Search<input type="search" name="q" value="${filter.q ?? ''}" placeholder="conversation id, visitor email or name" aria-describedby="search-help"></label>
<label>Platform<select name="platform">${option('', 'all', filter.source === undefined)}${sources.map((s) => option(s.name, s.title, filter.source === s.name))}</select></label>
<label>State<select name="state">${option('', 'all', filter.state === undefined)}${CONVERSATION_STATES.map((s) => option(s, s, filter.state === s))}</select></label>
<button type="submit">Show</button>
</form>
<p id="search-help" class="muted">Search finds a whole id, email or name, or its beginning from ${SEARCH_PREFIX_MIN} characters on, in any case.</p>
${table}${pager}`,
  );
};
