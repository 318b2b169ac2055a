/**
 * The console's frame: a navigation bar and a stylesheet of its own (wide tables at 1280 px,
 * each row a card at phone width), inline because the CSP loads nothing else. No script.
 */
import { html, type Html } from '../layout';

export type Section = 'conversations' | 'attention' | 'platforms';

const STYLE = `
  * { box-sizing: border-box; }
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2433; background: #f6f7f9; }
  header { background: #1d2433; color: #fff; padding: .6rem 1.5rem; display: flex; flex-wrap: wrap; gap: .4rem 1.5rem; align-items: center; }
  header .brand { font-weight: 700; margin-right: .5rem; }
  header nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
  header a { color: #cdd6ea; text-decoration: none; padding: .15rem 0; border-bottom: 2px solid transparent; }
  header a[aria-current="page"] { color: #fff; border-bottom-color: #7fa7ff; }
  main { max-width: 1200px; margin: 1.25rem auto; padding: 1.25rem 1.5rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
  h1 { font-size: 1.35rem; margin: 0 0 1rem; overflow-wrap: anywhere; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; } h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
  a { color: #1f4fa8; overflow-wrap: anywhere; }
  code { font-size: .85em; background: #f0f2f6; padding: 0 .25rem; border-radius: 3px; overflow-wrap: anywhere; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; } dt { color: #5b6475; } dd { margin: 0; overflow-wrap: anywhere; }
  table { width: 100%; border-collapse: collapse; font-size: .92rem; }
  th { text-align: left; color: #5b6475; font-weight: 600; border-bottom: 2px solid #e3e6ec; padding: .4rem .5rem; white-space: nowrap; }
  td { border-bottom: 1px solid #eceef2; padding: .45rem .5rem; vertical-align: top; overflow-wrap: anywhere; }
  td.when { white-space: nowrap; color: #5b6475; }
  form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
  form.filters label { display: flex; flex-direction: column; font-size: .8rem; color: #5b6475; gap: .15rem; }
  form.filters .grow { flex: 1 1 16rem; }
  input, select, button { font: inherit; padding: .35rem .55rem; border: 1px solid #c5cbd6; border-radius: 5px; background: #fff; color: #1d2433; }
  input[type="search"] { width: 100%; }
  button { background: #1f4fa8; border-color: #1f4fa8; color: #fff; cursor: pointer; font-weight: 600; }
  button.quiet { background: #fff; color: #1f4fa8; } button.danger { background: #a12020; border-color: #a12020; }
  form.erase { margin: .8rem 0; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
  form.inline { display: inline; margin: 0; }
  .status { display: inline-block; padding: .05rem .55rem; border-radius: 99px; font-weight: 600; font-size: .82rem; white-space: nowrap; }
  .delivered, .done, .ok { background: #e7f4ea; color: #1f6b35; } .pending, .running { background: #fff4d6; color: #7a5b00; }
  .failing, .retrying, .transient, .abandoned { background: #ffe9d6; color: #8a4300; } .dead, .permanent, .failed { background: #fde8e8; color: #8a1c1c; }
  .expired, .skipped { background: #eceef2; color: #3d4558; }
  ul.records { margin: 0; padding-left: 1.1rem; } .crm { font-size: .8rem; color: #5b6475; }
  .hint { display: block; font-size: .85rem; color: #3d4558; margin-top: .15rem; } .hint .retry { font-weight: 600; }
  .muted { color: #5b6475; } .empty { color: #5b6475; padding: 1rem 0; }
  .pager { display: flex; gap: 1rem; margin-top: 1rem; }
  .msg { padding: .5rem .75rem; margin: .4rem 3rem .4rem 0; border-radius: 6px; background: #eef1f6; border-left: 4px solid #8a94a8; }
  .msg.visitor { background: #e7f4ea; border-left-color: #2f8a4a; } .msg.operator { margin: .4rem 0 .4rem 3rem; }
  .msg .body { white-space: pre-wrap; overflow-wrap: anywhere; } .meta { color: #5b6475; font-size: .85rem; }
  .step { border: 1px solid #e3e6ec; border-radius: 6px; padding: .6rem .8rem; margin: .6rem 0; }
  .step h3 { margin: 0 0 .3rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  details summary { cursor: pointer; color: #1f4fa8; }
  .card { border: 1px solid #e3e6ec; border-radius: 6px; padding: .8rem 1rem; margin: .8rem 0; } .card h2 { margin-top: 0; }
  .role { display: inline-block; margin-right: .35rem; padding: 0 .4rem; border-radius: 4px; background: #fff; color: #1d2433; font-weight: 600; font-size: .72rem; letter-spacing: .02em; text-transform: uppercase; }
  .notice { background: #eef4ff; border: 1px solid #c9dafc; border-radius: 6px; padding: .6rem .8rem; }
  footer { color: #5b6475; font-size: .8rem; margin-top: 2rem; }
  @media (max-width: 700px) {
    header { padding: .6rem .9rem; }
    main { margin: 0; border-radius: 0; padding: 1rem .9rem; box-shadow: none; }
    table.cards thead { display: none; }
    table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
    table.cards tr { border: 1px solid #e3e6ec; border-radius: 6px; margin: 0 0 .6rem; padding: .35rem .6rem; }
    table.cards td { border: 0; padding: .15rem 0; }
    table.cards td[data-label]::before { content: attr(data-label) ": "; color: #5b6475; font-size: .8rem; }
    /* The conversation list: the link and its state on top, the visitor under them, then lead or case and the record, when and where last. */
    table.list tr { display: grid; grid-template-columns: 1fr auto; grid-template-areas: "conv state" "visitor visitor" "kind record" "when where"; gap: .1rem .5rem; }
    table.list td[data-label]::before { content: none; }
    table.list td.c-conv { grid-area: conv; font-weight: 600; } table.list td.c-state { grid-area: state; text-align: right; }
    table.list td.c-visitor { grid-area: visitor; } table.list td.c-when { grid-area: when; font-size: .82rem; } table.list td.c-where { grid-area: where; font-size: .82rem; color: #5b6475; text-align: right; }
    table.list td.c-kind { grid-area: kind; font-size: .85rem; } table.list td.c-record { grid-area: record; font-size: .85rem; text-align: right; }
    .msg, .msg.operator { margin-left: 0; margin-right: 0; }
    dl { grid-template-columns: 1fr; gap: 0; } dd { margin-bottom: .35rem; }
  }
`;

const link = (href: string, label: string, current: boolean) =>
  current ? html`<a href="${href}" aria-current="page">${label}</a>` : html`<a href="${href}">${label}</a>`;

export const consolePage = (section: Section, title: string, body: Html): string =>
  html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · chat2crm console</title><style>${{ __html: STYLE }}</style></head>
<body><header><span class="brand">chat2crm console</span><nav>${link('/admin', 'Conversations', section === 'conversations')}${link('/admin/steps', 'Needs attention', section === 'attention')}${link('/admin/platforms', 'Platforms and CRM', section === 'platforms')}</nav></header>
<main>${body}<footer>chat2crm · signed in as admin</footer></main></body></html>`.__html;

/** A page outside the console's frame (the 401 after a cancelled prompt, a refused form). */
export const barePage = (title: string, body: Html): string =>
  html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · chat2crm console</title><style>${{ __html: STYLE }}</style></head>
<body><main>${body}</main></body></html>`.__html;

/** Date and time in UTC, as the service logs them: the operator may be anywhere. */
export const when = (d: Date): string => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** A CSRF-protected POST button (a GET never changes anything). */
export const postButton = (action: string, csrf: string, fields: Readonly<Record<string, string>>, label: string, quiet = false): Html =>
  html`<form class="inline" method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}">${Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit"${quiet ? html` class="quiet"` : html``}>${label}</button></form>`;
