/**
 * The page an emulator serves at `/`: what the service pushed to it, so a person trying chat2crm
 * against a sandbox sees the CRM link arrive without calling the platform's API by hand. Every
 * value is text from the service or the emulator's state, escaped here once; only http(s) URLs
 * become links. The page reloads itself every few seconds.
 */
import type { Reply } from './http';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** A cell: plain text, with any http(s) URL in it made a link. */
const cell = (text: string): string =>
  text
    .split(/(https?:\/\/[^\s"'<>]+)/)
    .map((part, i) => (i % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part)))
    .join('');

export interface PageSection {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Shown instead of an empty table. */
  readonly empty: string;
}

export const receivedPage = (title: string, intro: string, sections: readonly PageSection[]): string =>
  [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta http-equiv="refresh" content="3">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;white-space:pre-wrap}th{background:#f3f3f3}</style>',
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(intro)}</p>`,
    ...sections.flatMap((s) => [
      `<h2>${escapeHtml(s.title)}</h2>`,
      s.rows.length === 0
        ? `<p><em>${escapeHtml(s.empty)}</em></p>`
        : [
            '<table>',
            `<tr>${s.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`,
            ...s.rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`),
            '</table>',
          ].join('\n'),
    ]),
    '</body></html>',
  ].join('\n');

/** The page as an answer: HTML that runs no script and loads nothing. */
export const pageReply = (html: string): Reply => ({
  status: 200,
  text: html,
  headers: {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  },
});

/** Whether a request asks for the page (`GET /` or `HEAD /`). */
export const isPageRequest = (method: string | undefined, path: string): boolean => (method === 'GET' || method === 'HEAD') && path === '/';
