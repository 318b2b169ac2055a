/** A step's error with the catalogue's line for its code (src/domain/errors.ts): what the operator can do, and whether a retry helps. */
import { stepErrorHint, type RetryHelps } from '../../../domain/errors';
import { html, type Html } from '../layout';

const RETRY: Readonly<Record<RetryHelps, string>> = {
  helps: 'Retrying helps.',
  'after a fix': 'Retrying helps only after the fix.',
  no: 'Retrying does not help.',
};

/** The line for an error's code; empty for a code the catalogue does not know (or an error without one). */
export const hintFor = (code: string | undefined): Html => {
  const hint = code === undefined ? undefined : stepErrorHint(code);
  return hint === undefined
    ? html``
    : html`<span class="hint" data-retry="${hint.retry}"><span class="retry">${RETRY[hint.retry]}</span> ${hint.hint}</span>`;
};

/** A step's error as stored, the hint for its code (the job's lastErrorCode) under it. */
export const errorWithHint = (error: string | undefined, code: string | undefined): Html =>
  error === undefined ? html`` : html`${error}${hintFor(code)}`;
