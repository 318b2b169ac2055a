/** One conversation in the console: who, the transcript, its CRM records (of every CRM), and every step with every attempt. */
import type { Role } from '../../../domain/conversation';
import { companyDomainOf, type MappedFields } from '../../../domain/mapping';
import { plural } from '../../../domain/plural';
import type { CrmRecord } from '../../../domain/record';
import type { ConversationState } from '../../../storage/console';
import type { Attempt, Job, StoredConversation, StoredRecord } from '../../../storage/store';
import { html, type Html } from '../layout';
import { STEP_NAMES, stepState } from '../step-labels';
import { errorWithHint } from './error-hint';
import { consolePage, postButton, when } from './layout';
import { dataRequestForms } from './privacy';

export interface ConversationView {
  readonly stored: StoredConversation;
  readonly source: { readonly name: string; readonly title: string };
  readonly id: string;
  readonly state: ConversationState;
  /** Of every CRM the conversation went to (CRM may have been switched), newest first. */
  readonly records: readonly StoredRecord[];
  /** The CRM in use now. */
  readonly crm: string;
  /** What MAPPING_FILE maps the conversation to, for its newest record's kind; absent without a mapping or a record. */
  readonly mapped?: MappedFields;
  readonly steps: readonly { readonly job: Job; readonly attempts: readonly Attempt[] }[];
  readonly stableLink: string;
  readonly csrf: string;
  /** Replaces the visitor's data requests (export, erase) section. */
  readonly actions?: Html;
}

const ROLE_LABEL: Readonly<Record<Role, string>> = { visitor: 'Visitor', operator: 'Agent', system: 'System' };

const field = (label: string, value: string | Html | undefined) =>
  value === undefined || value === '' ? html`` : html`<dt>${label}</dt><dd>${value}</dd>`;

/** Only http(s) becomes a link: a CRM or platform value is outside data. */
const webLink = (url: string): Html =>
  /^https?:\/\//i.test(url) ? html`<a href="${url}" rel="noopener noreferrer">${url}</a>` : html`${url}`;

/**
 * A group as the platform sent it: Olark sends each group's name (kept), LiveChat only numeric
 * ids (`group_ids`, https://platform.text.com/docs/messaging/agent-chat-api/data-structures#chat),
 * shown as an id rather than passed off as a name.
 */
const groupList = (groups: readonly string[]): Html =>
  html`${groups.map((g, i) => html`${i === 0 ? '' : ', '}${/^\d+$/.test(g) ? html`<span class="muted">id</span> ${g}` : g}`)}`;

const ownerText = (m: MappedFields): string | undefined => {
  switch (m.owner.kind) {
    case 'none':
      return undefined;
    case 'user':
      return `${m.owner.user} (set on creation only)`;
    case 'agent':
      return m.operatorEmail === undefined
        ? 'the agent: none known for this chat, so the CRM assigns it'
        : `the agent's CRM user, ${m.operatorEmail} (set on creation only; none when the CRM has no such user)`;
  }
};

const companyText = (m: MappedFields, email: string | undefined): string | undefined => {
  if (m.company === 'off') return undefined;
  const domain = companyDomainOf(email);
  if (domain === undefined) return 'none: no email, or a free-mail address';
  return m.company === 'create' ? `the company of ${domain} (created when none matches)` : `the company of ${domain}, if the CRM has one`;
};

/** The fields MAPPING_FILE gives this conversation, per record kind, as its deliveries send them. */
const mappedSection = (m: MappedFields, email: string | undefined): Html => {
  const kinds = (['lead', 'case', 'contact'] as const).filter((k) => Object.keys(m[k]).length > 0);
  const owner = ownerText(m);
  const company = companyText(m, email);
  return html`<h2>Mapped fields</h2>
    <p class="muted">
      What MAPPING_FILE maps this conversation to. A field fills only a blank in the CRM, so what someone typed there stays; fields marked
      <em>overwrite</em> are written on every delivery.
    </p>
    ${
      kinds.length === 0
        ? html`<p class="muted">No mapped field has a value for this conversation.</p>`
        : kinds.map(
            (k) =>
              html`<h3>${k === 'lead' ? 'Lead' : k === 'case' ? 'Case' : 'Contact'}</h3>
                <table class="mapped">
                  <tr>
                    <th>CRM field</th>
                    <th>value</th>
                    <th></th>
                  </tr>
                  ${Object.entries(m[k]).map(
                    ([name, value]) =>
                      html`<tr>
                        <td><code>${name}</code></td>
                        <td>${value}</td>
                        <td>${m.overwrite.has(name) ? 'overwrite' : ''}</td>
                      </tr>`,
                  )}
                </table>`,
          )
    }
    ${owner === undefined && company === undefined ? html`` : html`<dl>${field('Owner', owner)}${field('Company', company)}</dl>`}`;
};

export const recordLabel = (record: CrmRecord): string => (record.action === 'lead' ? 'Lead' : 'Case');

const attemptRows = (attempts: readonly Attempt[]): Html =>
  attempts.length === 0
    ? html`<p class="muted">No attempt yet.</p>`
    : html`<table class="cards"><thead><tr><th>Started</th><th>Outcome</th><th>Took</th><th>HTTP status</th><th>Error</th></tr></thead><tbody>${attempts.map(
        (
          a,
        ) => html`<tr><td class="when" data-label="Started">${when(a.startedAt)}</td><td data-label="Outcome"><span class="status ${a.outcome}">${a.outcome}</span></td>
<td data-label="Took">${a.durationMs} ms</td><td data-label="HTTP status">${a.crmStatus === undefined ? '—' : String(a.crmStatus)}</td><td data-label="Error">${a.error ?? ''}</td></tr>`,
      )}</tbody></table>`;

const step = (csrf: string) => (s: { readonly job: Job; readonly attempts: readonly Attempt[] }) => {
  const { job } = s;
  const next =
    job.state === 'pending'
      ? html`<dt>Next try</dt><dd>${when(job.nextAttemptAt)}</dd>`
      : job.state === 'running'
        ? html`<dt>Running</dt><dd>since ${when(job.updatedAt)}</dd>`
        : html``;
  return html`<section class="step" id="job-${job.id}"><h3>${STEP_NAMES[job.kind]} <span class="status ${stepState(job)}">${stepState(job)}</span>${
    job.state === 'dead' ? postButton('/admin/replay', csrf, { job: job.id }, 'Replay this step') : html``
  }</h3>
<dl>${next}${field('Last error', job.lastError === undefined ? undefined : errorWithHint(job.lastError, job.lastErrorCode))}${field('Then', job.then.join(', '))}<dt>Step id</dt><dd><code>${job.id}</code> · created ${when(job.createdAt)} · ${plural(job.attempts, 'attempt')}</dd></dl>
${attemptRows(s.attempts)}</section>`;
};

export const conversationPage = (view: ConversationView): string => {
  const c = view.stored.conversation;
  const v = c.visitor;
  const title = `${view.source.title} conversation ${view.id}`;
  const location = [v.city, v.region, v.country].filter((x): x is string => x !== undefined).join(', ');
  return consolePage(
    'conversations',
    title,
    html`<p><a href="/admin">« Conversations</a></p>
<h1>${title} <span class="status ${view.state}">${view.state}</span></h1>
<dl>
${field('Visitor', v.name)}${field('Email', v.email)}${field('Phone', v.phone)}${field('Company', v.company)}${field('Location', location)}
${field('Page', v.pageUrl === undefined ? undefined : webLink(v.pageUrl))}${field('Tags', c.tags.join(', '))}${field('Groups', c.groups.length === 0 ? undefined : groupList(c.groups))}
${field('Operators', c.operators.map((o) => o.name).join(', '))}${field('Updated', when(view.stored.updatedAt))}
<dt>CRM records</dt><dd>${
      view.records.length === 0
        ? html`<span class="muted">none yet</span>`
        : html`<ul class="records">${view.records.map(
            (r) =>
              html`<li data-crm="${r.record.crm}">${recordLabel(r.record)} in <strong>${r.record.crm}</strong>${r.record.crm === view.crm ? html`` : html` <span class="muted">(an earlier CRM)</span>`}: ${webLink(r.record.url)} <span class="muted">(version ${r.version}, ${when(r.updatedAt)})</span></li>`,
          )}</ul>`
    }${view.stored.person === undefined ? html`` : html`Person found: ${webLink(view.stored.person.url)}`}</dd>
<dt>Stable link</dt><dd>${webLink(view.stableLink)}</dd>
</dl>
${view.mapped === undefined ? html`` : mappedSection(view.mapped, v.email)}
<h2>Steps (${plural(view.steps.length, 'step')})</h2>
${view.steps.length === 0 ? html`<p class="muted">Nothing was due for this conversation.</p>` : view.steps.map(step(view.csrf))}
<h2>${c.offline ? 'Offline message' : 'Transcript'} (${plural(c.messages.length, 'message')})</h2>
${
  c.messages.length === 0
    ? html`<p class="muted">No message stored (yet).</p>`
    : c.messages.map(
        (m) =>
          html`<div class="msg ${m.role}"><div class="meta"><span class="role">${ROLE_LABEL[m.role]}</span> ${m.author} · ${when(m.at)}</div><div class="body">${m.body}</div></div>`,
      )
}
<section id="data-requests"><h2>This visitor's data</h2>${view.actions ?? dataRequestForms(v.email, view.csrf)}</section>`,
  );
};
