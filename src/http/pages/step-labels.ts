/** How the pages name a step and its state: the agent's page (steps.ts) and the console's conversation page say the same. */
import type { Job } from '../../storage/store';

export const STEP_NAMES: Readonly<Record<Job['kind'], string>> = {
  fetch: 'Fetch the transcript from the chat platform',
  lookup: 'Look the visitor up in the CRM',
  deliver: 'Create or update the CRM record',
  notify: 'Show the link in the chat platform',
};

/** The step's state, `retrying` for a pending step whose last attempt failed (a replay clears the error). */
export const stepState = (job: Job): string => (job.state === 'pending' && job.lastError !== undefined ? 'retrying' : job.state);
