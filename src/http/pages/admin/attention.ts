/** Steps that need a person: dead ones (replay one, or all of one error), and failing ones (retrying on their own). */
import { plural } from '../../../domain/plural';
import type { ReplayLine } from '../../../pipeline/replay';
import type { DeadErrorGroup } from '../../../storage/console';
import type { Job } from '../../../storage/store';
import { html, type Html } from '../layout';
import { errorWithHint, hintFor } from './error-hint';
import { consolePage, postButton, when } from './layout';
import { conversationPath } from './paths';

export interface AttentionView {
  readonly groups: readonly DeadErrorGroup[];
  readonly dead: readonly Job[];
  readonly failing: readonly Job[];
  readonly csrf: string;
  /** How many dead steps one "replay all" takes at most. */
  readonly replayBatch: number;
}

const jobTable = (jobs: readonly Job[], action: (job: Job) => Html, timeLabel: string, time: (job: Job) => Date): Html =>
  html`<table class="cards"><thead><tr><th>Conversation</th><th>Step</th><th>Attempts</th><th>${timeLabel}</th><th>Error</th><th></th></tr></thead><tbody>${jobs.map(
    (
      job,
    ) => html`<tr><td data-label="Conversation"><a href="${conversationPath(job.conversationKey)}#job-${job.id}">${job.conversationKey}</a></td>
<td data-label="Step">${job.kind}</td><td data-label="Attempts">${String(job.attempts)}</td><td class="when" data-label="${timeLabel}">${when(time(job))}</td>
<td data-label="Error">${errorWithHint(job.lastError, job.lastErrorCode)}</td><td>${action(job)}</td></tr>`,
  )}</tbody></table>`;

export const attentionPage = (view: AttentionView): string =>
  consolePage(
    'attention',
    'Needs attention',
    html`<h1>Needs attention</h1>
<h2>Dead steps by error</h2>
${
  view.groups.length === 0
    ? html`<p class="empty">No dead step. Steps that fail for good (or keep failing until the retry schedule ends) show here.</p>`
    : html`<table class="cards"><thead><tr><th>Error</th><th>Steps</th><th>Newest</th><th>Example</th><th></th></tr></thead><tbody>${view.groups.map(
        (
          g,
        ) => html`<tr><td data-label="Error"><code>${g.code}</code>${hintFor(g.code)}</td><td data-label="Steps">${String(g.count)}</td><td class="when" data-label="Newest">${when(g.newestAt)}</td>
<td data-label="Example">${g.example}</td><td>${postButton('/admin/replay', view.csrf, { code: g.code }, g.count > view.replayBatch ? `Replay ${view.replayBatch} of them` : g.count === 1 ? 'Replay it' : `Replay all ${g.count}`)}</td></tr>`,
      )}</tbody></table><p class="muted">Fix the cause first (a token, a missing CRM field): a replay runs each step once, now.</p>`
}
<h2>Dead steps${view.dead.length === 0 ? '' : ` (${view.dead.length < 100 ? String(view.dead.length) : 'the newest 100'})`}</h2>
${
  view.dead.length === 0
    ? html`<p class="empty">None.</p>`
    : jobTable(
        view.dead,
        (job) => postButton('/admin/replay', view.csrf, { job: job.id }, 'Replay'),
        'Died',
        (job) => job.updatedAt,
      )
}
<h2>Failing steps, retrying on their own${view.failing.length === 0 ? '' : ` (${view.failing.length < 100 ? String(view.failing.length) : 'the newest 100'})`}</h2>
${
  view.failing.length === 0
    ? html`<p class="empty">None.</p>`
    : jobTable(
        view.failing,
        () => html``,
        'Next try',
        (job) => job.nextAttemptAt,
      )
}`,
  );

const OUTCOME_CLASS: Readonly<Record<ReplayLine['outcome'], string>> = {
  delivered: 'done',
  retrying: 'retrying',
  dead: 'dead',
  expired: 'expired',
  busy: 'pending',
  'not dead': 'skipped',
  'not found': 'skipped',
};

export const replayResultPage = (lines: readonly ReplayLine[]): string =>
  consolePage(
    'attention',
    'Replay',
    html`<h1>Replayed ${plural(lines.length, 'step')}</h1>
<table class="cards"><thead><tr><th>Conversation</th><th>Step</th><th>Outcome</th><th>Detail</th></tr></thead><tbody>${lines.map(
      (
        l,
      ) => html`<tr><td data-label="Conversation">${l.conversationKey === undefined ? l.jobId : html`<a href="${conversationPath(l.conversationKey)}">${l.conversationKey}</a>`}</td>
<td data-label="Step">${l.step ?? ''}</td><td data-label="Outcome"><span class="status ${OUTCOME_CLASS[l.outcome]}">${l.outcome}</span></td><td data-label="Detail">${l.detail}</td></tr>`,
    )}</tbody></table>
<p><a href="/admin/steps">« Needs attention</a>${lines.length === 1 && lines[0]?.conversationKey !== undefined ? html` · <a href="${conversationPath(lines[0].conversationKey)}">the conversation</a>` : html``}</p>`,
  );
