/**
 * The emulator's own web pages, for a sandbox user without a HubSpot account: `/` lists what
 * chat2crm wrote (newest first, refreshed every few seconds), and a record page answers at the
 * URL chat2crm links agents to (`/contacts/{portalId}/record/0-1/{id}` for contacts, `0-5` for
 * tickets), as HubSpot's UI does. With `HUBSPOT_UI_DOMAIN=http://localhost:4010` the links a
 * sandbox hands out open here. No token: these are the portal's UI, not its API.
 */
import type { Reply } from '../http';
import { OBJECT_TYPE_IDS, type ObjectType, type PortalState, type StoredObject } from './state';

const RECORD_PAGE = /^\/contacts\/(?<portal>\d+)\/record\/(?<typeId>0-1|0-5)\/(?<id>[^/]+)$/;

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A note body is HTML: shown as its text, so nothing a chat visitor typed runs in this page. */
const noteText = (html: string): string =>
  html
    .replace(/<br\s*\/?>|<\/(p|div|li|h\d)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();

const page = (title: string, body: string, refreshSeconds?: number): Reply => ({
  status: 200,
  text: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>${refreshSeconds === undefined ? '' : `<meta http-equiv="refresh" content="${refreshSeconds}">`}
<style>body{font:15px/1.4 system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;width:100%;margin-bottom:2em}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;padding:.6em}small{color:#666}</style>
</head><body>${body}</body></html>
`,
  headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
});

const newestFirst = (objects: readonly StoredObject[]): StoredObject[] =>
  [...objects].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || Number(b.id) - Number(a.id));

export interface PagesContext {
  readonly state: PortalState;
  readonly portalId: number;
}

const recordPath = (portalId: number, type: 'contacts' | 'tickets', id: string) =>
  `/contacts/${portalId}/record/${OBJECT_TYPE_IDS[type]}/${encodeURIComponent(id)}`;

const link = (ctx: PagesContext, type: 'contacts' | 'tickets', id: string, text = `#${id}`) =>
  `<a href="${escape(recordPath(ctx.portalId, type, id))}">${escape(text)}</a>`;

const prop = (o: StoredObject, name: string): string => escape(o.properties[name] ?? '');

const time = (d: Date): string => `<small>${escape(d.toISOString().replace('T', ' ').slice(0, 19))} UTC</small>`;

/** Where a note shows in the UI: the records it is attached to. */
const attachedTo = (ctx: PagesContext, note: StoredObject): string =>
  (['contacts', 'tickets'] as const)
    .flatMap((type) =>
      ctx.state
        .associations('notes', note.id, type)
        .map((a) => link(ctx, type, a.id, `${type === 'contacts' ? 'contact' : 'ticket'} #${a.id}`)),
    )
    .join(', ') || '<small>nothing (invisible in HubSpot)</small>';

const contactName = (o: StoredObject) =>
  [o.properties.firstname, o.properties.lastname].filter((p) => p !== undefined && p !== '').join(' ');

const indexPage = (ctx: PagesContext): Reply => {
  const contacts = newestFirst(ctx.state.list('contacts'));
  const tickets = newestFirst(ctx.state.list('tickets'));
  const notes = newestFirst(ctx.state.list('notes'));
  const rows = (items: readonly StoredObject[], cells: (o: StoredObject) => string[]) =>
    items.length === 0
      ? '<tr><td colspan="9"><small>none yet</small></td></tr>'
      : items
          .map(
            (o) =>
              `<tr>${cells(o)
                .map((c) => `<td>${c}</td>`)
                .join('')}</tr>`,
          )
          .join('\n');
  return page(
    `HubSpot emulator, portal ${ctx.portalId}`,
    `<h1>HubSpot emulator <small>portal ${ctx.portalId}</small></h1>
<p>What chat2crm wrote here, newest first. This page refreshes every 5 seconds; the data lives in memory until the emulator stops.</p>
<h2>Contacts (${contacts.length})</h2>
<table><tr><th>record</th><th>name</th><th>email</th><th>lifecycle stage</th><th>chat</th><th>created</th></tr>
${rows(contacts, (o) => [link(ctx, 'contacts', o.id), escape(contactName(o)), prop(o, 'email'), prop(o, 'lifecyclestage'), prop(o, 'chat_conversation_id'), time(o.createdAt)])}</table>
<h2>Tickets (${tickets.length})</h2>
<table><tr><th>record</th><th>subject</th><th>pipeline / stage</th><th>chat</th><th>created</th></tr>
${rows(tickets, (o) => [link(ctx, 'tickets', o.id), prop(o, 'subject'), `${prop(o, 'hs_pipeline')} / ${prop(o, 'hs_pipeline_stage')}`, prop(o, 'chat_conversation_id'), time(o.createdAt)])}</table>
<h2>Notes (${notes.length})</h2>
<table><tr><th>note</th><th>attached to</th><th>first line</th><th>updated</th></tr>
${rows(notes, (o) => [`#${escape(o.id)}`, attachedTo(ctx, o), escape(noteText(o.properties.hs_note_body ?? '').split('\n')[0] ?? ''), time(o.updatedAt)])}</table>
<h2>Companies (0)</h2>
<p><small>chat2crm creates no companies; the emulator keeps none.</small></p>`,
    5,
  );
};

const LABELS: Readonly<Record<'contacts' | 'tickets', string>> = { contacts: 'Contact', tickets: 'Ticket' };

const recordPage = (ctx: PagesContext, type: 'contacts' | 'tickets', id: string): Reply => {
  const object = ctx.state.objects[type].get(id);
  if (object === undefined)
    return {
      ...page(
        'Record not found',
        `<h1>No ${type === 'contacts' ? 'contact' : 'ticket'} #${escape(id)}</h1><p><a href="/">All records</a></p>`,
      ),
      status: 404,
    };
  const related = (to: ObjectType) => ctx.state.associations(type, id, to).map((a) => a.id);
  const properties = Object.entries(object.properties)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, value]) => `<tr><th>${escape(name)}</th><td>${name === 'content' ? `<pre>${escape(value)}</pre>` : escape(value)}</td></tr>`,
    )
    .join('\n');
  const others = (['contacts', 'tickets'] as const)
    .filter((t) => t !== type)
    .flatMap((t) => related(t).map((other) => link(ctx, t, other, `${t === 'contacts' ? 'contact' : 'ticket'} #${other}`)));
  const notes = newestFirst(related('notes').flatMap((n) => ctx.state.objects.notes.get(n) ?? []));
  const title = type === 'contacts' ? contactName(object) || object.properties.email || `#${id}` : (object.properties.subject ?? `#${id}`);
  return page(
    `${LABELS[type]} ${title}`,
    `<p><a href="/">All records</a></p>
<h1>${LABELS[type]}: ${escape(title)} <small>#${escape(id)}</small></h1>
<p>Created ${time(object.createdAt)}, updated ${time(object.updatedAt)}. Associated: ${others.join(', ') || '<small>no other record</small>'}</p>
<table>${properties}</table>
<h2>Notes (${notes.length})</h2>
${notes.map((n) => `<p>${time(n.updatedAt)} <small>note #${escape(n.id)}</small></p><pre>${escape(noteText(n.properties.hs_note_body ?? ''))}</pre>`).join('\n') || '<p><small>none</small></p>'}`,
  );
};

/** The page for a GET of `path`, or `undefined` when it is not one of the pages (an API path). */
export const pageFor = (ctx: PagesContext, method: string, path: string): Reply | undefined => {
  if (method !== 'GET') return undefined;
  if (path === '/') return indexPage(ctx);
  const m = RECORD_PAGE.exec(path);
  if (m?.groups === undefined) return undefined;
  const { portal = '', typeId = '', id = '' } = m.groups;
  if (Number(portal) !== ctx.portalId)
    return {
      ...page('Wrong portal', `<h1>This emulator is portal ${ctx.portalId}, not ${escape(portal)}</h1><p><a href="/">All records</a></p>`),
      status: 404,
    };
  return recordPage(ctx, typeId === '0-1' ? 'contacts' : 'tickets', decodeURIComponent(id));
};
