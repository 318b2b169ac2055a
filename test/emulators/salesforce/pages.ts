/**
 * The emulator's pages for a person trying chat2crm without an org: `/` lists what it received
 * (Leads, Cases, Tasks, Contacts, newest first) and `/lightning/r/<Type>/<id>/view` shows one
 * record, the record link chat2crm hands the agent
 * (https://developer.salesforce.com/blogs/2018/01/heres-need-know-new-url-format-lightning.html).
 * Everything shown came from a chat visitor, so every value is escaped.
 */
import type { OrgStore, SfRecord } from './store';

export interface Page {
  readonly status: number;
  readonly html: string;
}

const escape = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const text = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

export const recordPath = (type: string, id: string): string => `/lightning/r/${encodeURIComponent(type)}/${encodeURIComponent(id)}/view`;

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#181818}table{border-collapse:collapse;margin-bottom:1.5rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f3f3f3}pre{white-space:pre-wrap;margin:0;max-width:70rem}
a{color:#0b5cab}.muted{color:#666}`;

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;

/** The words a person recognises a record by. */
const titleOf = (type: string, r: SfRecord): string => {
  const name = [text(r['FirstName']), text(r['LastName'])].filter((s) => s !== '').join(' ');
  if (type === 'Lead' || type === 'Contact') return name !== '' ? name : r.Id;
  if (type === 'Account') return text(r['Name']) || r.Id;
  return text(r['Subject']) || r.Id;
};

const link = (store: OrgStore, id: unknown): string => {
  if (typeof id !== 'string' || id === '') return '';
  const type = store.typeOf(id);
  const target = type === undefined ? undefined : store.get(type, id);
  return type === undefined || target === undefined
    ? escape(id)
    : `<a href="${escape(recordPath(type, target.Id))}">${escape(`${type}: ${titleOf(type, target)}`)}</a>`;
};

interface Column {
  readonly label: string;
  readonly cell: (r: SfRecord) => string;
}
const field = (label: string, name: string): Column => ({ label, cell: (r) => escape(text(r[name])) });

const LISTS: readonly { readonly type: string; readonly title: string; readonly columns: (store: OrgStore) => readonly Column[] }[] = [
  {
    type: 'Lead',
    title: 'Leads',
    columns: () => [field('Company', 'Company'), field('Email', 'Email'), field('Lead Source', 'LeadSource'), field('Status', 'Status')],
  },
  {
    type: 'Case',
    title: 'Cases',
    columns: (store) => [
      field('Origin', 'Origin'),
      field('Status', 'Status'),
      field('Email', 'SuppliedEmail'),
      { label: 'Contact', cell: (r) => link(store, r['ContactId']) },
    ],
  },
  {
    type: 'Task',
    title: 'Tasks',
    columns: (store) => [
      field('Status', 'Status'),
      { label: 'Name', cell: (r) => link(store, r['WhoId']) },
      { label: 'Related to', cell: (r) => link(store, r['WhatId']) },
    ],
  },
  { type: 'Contact', title: 'Contacts', columns: () => [field('Email', 'Email'), field('Phone', 'Phone')] },
];

/** Newest first: the store keeps records in the order they were created. */
const newestFirst = (store: OrgStore, type: string): SfRecord[] => store.all(type).reverse();

export const homePage = (store: OrgStore): Page => {
  const sections = LISTS.map(({ type, title, columns }) => {
    const records = newestFirst(store, type);
    if (records.length === 0) return `<h2>${title} (0)</h2><p class="muted">None yet.</p>`;
    const cols = columns(store);
    const head = `<tr><th>${type === 'Lead' || type === 'Contact' ? 'Name' : 'Subject'}</th>${cols.map((c) => `<th>${c.label}</th>`).join('')}<th>Created</th><th>Last modified</th></tr>`;
    const rows = records.map(
      (r) =>
        `<tr><td><a href="${escape(recordPath(type, r.Id))}">${escape(titleOf(type, r))}</a></td>${cols.map((c) => `<td>${c.cell(r)}</td>`).join('')}` +
        `<td>${escape(text(r['CreatedDate']))}</td><td>${escape(text(r['LastModifiedDate']))}</td></tr>`,
    );
    return `<h2>${title} (${records.length})</h2><table>${head}${rows.join('')}</table>`;
  });
  return {
    status: 200,
    html: page(
      'Salesforce emulator',
      `<h1>Salesforce emulator</h1><p class="muted">What chat2crm sent, newest first. Records live in memory until the emulator stops.</p>${sections.join('')}`,
    ),
  };
};

const notFoundPage = (what: string): Page => ({
  status: 404,
  html: page('Not found', `<h1>Not found</h1><p>${escape(what)}</p><p><a href="/">All records</a></p>`),
});

export const recordPage = (store: OrgStore, type: string, id: string): Page => {
  if (!store.schema.has(type)) return notFoundPage(`This emulator has no object ${type}.`);
  const record = store.get(type, id);
  if (record === undefined)
    return notFoundPage(`No ${type} with id ${id}: records live in memory, so a restarted emulator has forgotten them.`);
  const spec = store.schema.get(type);
  // In the object's field order (Id first), then anything the schema does not name.
  const order = [...(spec?.fields.keys() ?? [])];
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const rows = Object.entries(record)
    .sort(([a], [b]) => rank(a) - rank(b))
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([name, value]) => {
      const kind = spec?.fields.get(name)?.type;
      const shown =
        kind === 'reference' ? link(store, value) : kind === 'textarea' ? `<pre>${escape(text(value))}</pre>` : escape(text(value));
      return `<tr><th>${escape(spec?.fields.get(name)?.label ?? name)} <span class="muted">(${escape(name)})</span></th><td>${shown}</td></tr>`;
    });
  const tasks = type === 'Task' ? [] : newestFirst(store, 'Task').filter((t) => t['WhoId'] === record.Id || t['WhatId'] === record.Id);
  const related =
    type === 'Task'
      ? ''
      : `<h2>Tasks (${tasks.length})</h2>${tasks.length === 0 ? '<p class="muted">None.</p>' : `<ul>${tasks.map((t) => `<li>${link(store, t.Id)}</li>`).join('')}</ul>`}`;
  return {
    status: 200,
    html: page(
      `${type}: ${titleOf(type, record)}`,
      `<p><a href="/">All records</a></p><h1>${escape(`${type}: ${titleOf(type, record)}`)}</h1><table>${rows.join('')}</table>${related}`,
    ),
  };
};
