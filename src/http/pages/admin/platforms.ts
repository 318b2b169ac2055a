/** Each platform's webhook URL (its token hidden until asked for), what it last sent, what last went wrong; the CRM check. */
import type { CheckItem } from '../../../domain/connector';
import type { SourceActivity } from '../../../storage/console';
import { html, type Html } from '../layout';
import { consolePage, when } from './layout';
import { conversationPath } from './paths';

export interface Rejection {
  readonly at: Date;
  readonly code: string;
}

export interface PlatformView {
  readonly name: string;
  readonly title: string;
  /** With its token. */
  readonly webhookUrl: string;
  readonly token: string;
  readonly activity: SourceActivity;
  readonly lastRejected?: Rejection;
  /** The latest `npm run backfill` of this platform, in one line. */
  readonly backfill?: string;
}

const masked = (url: string, token: string): string => {
  const encoded = encodeURIComponent(token);
  return url.endsWith(encoded) ? `${url.slice(0, url.length - encoded.length)}${'•'.repeat(8)}` : url;
};

const platform = (p: PlatformView): Html => {
  const error = p.activity.lastStepError;
  return html`<section class="card"><h2>${p.title}</h2>
<dl><dt>Webhook URL</dt><dd><code>${masked(p.webhookUrl, p.token)}</code>
<details><summary>Show the URL with its token</summary><p><code>${p.webhookUrl}</code></p><p class="muted">The token is a secret: paste it into ${p.title} only.</p></details></dd>
<dt>Last event received</dt><dd>${p.activity.lastEventAt === undefined ? html`<span class="muted">none yet</span>` : when(p.activity.lastEventAt)}</dd>
<dt>Last webhook refused</dt><dd>${p.lastRejected === undefined ? html`<span class="muted">none</span>` : html`<code>${p.lastRejected.code}</code> at ${when(p.lastRejected.at)}`}</dd>
<dt>Standing step error</dt><dd>${
    error === undefined
      ? html`<span class="muted">none</span>`
      : html`${error.lastError ?? ''} <span class="muted">(${error.kind}, ${when(error.updatedAt)}, <a href="${conversationPath(error.conversationKey)}#job-${error.id}">${error.conversationKey}</a>)</span>`
  }</dd>${p.backfill === undefined ? '' : html`<dt>Backfill</dt><dd>${p.backfill}</dd>`}</dl></section>`;
};

export const platformsPage = (view: { readonly platforms: readonly PlatformView[]; readonly crm: string }): string =>
  consolePage(
    'platforms',
    'Platforms and CRM',
    html`<h1>Platforms and CRM</h1>
${view.platforms.map(platform)}
<section class="card"><h2>CRM: ${view.crm}</h2><p>The check signs in to the CRM and looks for what chat2crm needs (fields, permissions). It changes nothing.</p>
<p><a href="/admin/platforms/check">Run the CRM and platform checks</a></p></section>`,
  );

export interface CheckView {
  readonly crm: string;
  readonly crmReport: { readonly ok: boolean; readonly items: readonly CheckItem[] };
  readonly platforms: readonly { readonly title: string; readonly items: readonly CheckItem[] }[];
  readonly ranAt: Date;
}

const items = (list: readonly CheckItem[]): Html =>
  list.length === 0
    ? html`<p class="muted">Nothing to check.</p>`
    : html`<table class="cards"><thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead><tbody>${list.map(
        (i) =>
          html`<tr><td data-label="Check">${i.name}</td><td data-label="Result"><span class="status ${i.ok ? 'ok' : 'failed'}">${i.ok ? 'ok' : 'problem'}</span></td><td data-label="Detail">${i.detail}</td></tr>`,
      )}</tbody></table>`;

export const checkPage = (view: CheckView): string =>
  consolePage(
    'platforms',
    'Checks',
    html`<p><a href="/admin/platforms">« Platforms and CRM</a></p>
<h1>Checks <span class="status ${view.crmReport.ok ? 'ok' : 'failed'}">${view.crmReport.ok ? 'CRM ok' : 'CRM needs attention'}</span></h1>
<p class="muted">Run at ${when(view.ranAt)}.</p>
<h2>CRM: ${view.crm}</h2>${items(view.crmReport.items)}
${view.platforms.map((p) => html`<h2>${p.title}</h2>${items(p.items)}`)}`,
  );
