/**
 * What reached a CRM emulator, read from the emulator's own records, per chat sent (by the
 * visitor's email): in = the person and the transcript are there; doubled = a second person or a
 * second transcript for one chat. And the service's dead steps, read from its /metrics.
 */
import type { HubspotEmulator } from '../test/emulators/hubspot';
import type { SalesforceEmulator } from '../test/emulators/salesforce';

export interface Census {
  /** Chats whose person and transcript are in the CRM. */
  readonly complete: number;
  /** Chats with two people or two transcripts. */
  readonly doubled: number;
}

/** HubSpot: one contact per email, its transcript a note associated with it. */
export const hubspotCensus = (emulator: HubspotEmulator, emails: ReadonlySet<string>): Census => {
  const contacts = new Map<string, number>();
  const notes = new Map<string, number>();
  for (const contact of emulator.state.list('contacts')) {
    const email = (contact.properties['email'] ?? '').toLowerCase();
    if (!emails.has(email)) continue;
    contacts.set(email, (contacts.get(email) ?? 0) + 1);
    notes.set(email, (notes.get(email) ?? 0) + emulator.state.associations('contacts', contact.id, 'notes').length);
  }
  return count(emails, contacts, notes);
};

/** Salesforce: one Lead per email, its transcript a Task on it (WhoId). */
export const salesforceCensus = (emulator: SalesforceEmulator, emails: ReadonlySet<string>): Census => {
  const leads = new Map<string, number>();
  const leadEmail = new Map<string, string>();
  for (const lead of emulator.state.all('Lead')) {
    const email = typeof lead['Email'] === 'string' ? lead['Email'].toLowerCase() : '';
    if (!emails.has(email)) continue;
    leads.set(email, (leads.get(email) ?? 0) + 1);
    leadEmail.set(lead.Id, email);
  }
  const tasks = new Map<string, number>();
  for (const task of emulator.state.all('Task')) {
    const email = typeof task['WhoId'] === 'string' ? leadEmail.get(task['WhoId']) : undefined;
    if (email !== undefined) tasks.set(email, (tasks.get(email) ?? 0) + 1);
  }
  return count(emails, leads, tasks);
};

const count = (emails: ReadonlySet<string>, people: ReadonlyMap<string, number>, transcripts: ReadonlyMap<string, number>): Census => {
  let complete = 0;
  let doubled = 0;
  for (const e of emails) {
    const p = people.get(e) ?? 0;
    const t = transcripts.get(e) ?? 0;
    if (p >= 1 && t >= 1) complete++;
    if (p > 1 || t > 1) doubled++;
  }
  return { complete, doubled };
};

/** HubSpot calls that change something (reads and searches left out, even when they are POSTs). */
export const isHubspotWrite = (request: { readonly method: string; readonly path: string }): boolean =>
  request.method !== 'GET' && request.method !== 'HEAD' && !/\/(search|batch\/read)$/.test(request.path.split('?')[0] ?? '');

/** The service's steps by state, from its own /metrics (`chat2crm_queue_jobs{state="…"}`). */
export const queueJobs = async (baseUrl: string): Promise<Readonly<Record<string, number>> | undefined> => {
  const text = await fetch(`${baseUrl}/metrics`)
    .then((r) => (r.ok ? r.text() : undefined))
    .catch(() => undefined);
  if (text === undefined) return undefined;
  const jobs: Record<string, number> = {};
  for (const m of text.matchAll(/^chat2crm_queue_jobs\{state="([a-z]+)"\} (\d+)$/gm)) jobs[m[1] ?? ''] = Number(m[2]);
  return Object.keys(jobs).length === 0 ? undefined : jobs;
};
