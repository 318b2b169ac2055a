/**
 * Leads and cases as HubSpot calls, arranged so independent calls run together: a new lead is
 * three round trips (read contact → upsert contact → create note), a repeat is two (read contact
 * → fill blanks ‖ update note), a new case three (reads → contact ‖ ticket → note ‖ association).
 * Ids from the previous delivery are used when we have them; without them, unique keys
 * (`email`, `chat_conversation_id`) and the note's title line find what an earlier delivery made.
 */
import type { Conversation } from '../../src/domain/conversation';
import type { CrmRecord } from '../../src/domain/record';
import { ASSOCIATION, type Account, type HubspotClient, type ObjectKey, type ReadObject } from './client';
import { CHAT_CONVERSATION_ID, CONTACT_FIELDS, HubspotConfigProblem, blanksToFill, conversationKey, isNoteOf, toHubspotContact, toHubspotTicket, toNoteProperties, toTicketContent } from './mappers';
import { recordUrl } from './urls';

export interface TicketPlacement {
  readonly pipeline: string;
  readonly stage: string;
}

export interface RecordDeps {
  readonly client: HubspotClient;
  readonly account: () => Promise<Account>;
  readonly placement: () => Promise<TicketPlacement>;
  readonly now: () => Date;
}

const contactKey = (c: Conversation): ObjectKey =>
  c.visitor.email !== undefined && c.visitor.email.trim() !== ''
    ? { idProperty: 'email', value: c.visitor.email.trim().toLowerCase() }
    : { idProperty: CHAT_CONVERSATION_ID, value: conversationKey(c) };

const wantedContact = (c: Conversation): Record<string, string> => {
  const key = contactKey(c);
  return { ...toHubspotContact(c), ...('idProperty' in key && key.idProperty === CHAT_CONVERSATION_ID ? { [CHAT_CONVERSATION_ID]: key.value } : {}) };
};

const readContact = async (deps: RecordDeps, c: Conversation, previousId: string | undefined, withNotes: boolean): Promise<ReadObject | undefined> => {
  const associations = withNotes ? (['notes'] as const) : [];
  const byId = previousId === undefined ? undefined : await deps.client.read('contacts', { id: previousId }, CONTACT_FIELDS, associations);
  return byId ?? deps.client.read('contacts', contactKey(c), CONTACT_FIELDS, associations);
};

const fillBlanks = async (deps: RecordDeps, c: Conversation, current: ReadObject): Promise<void> => {
  const patch = blanksToFill(wantedContact(c), current.properties);
  if (Object.keys(patch).length > 0) await deps.client.update('contacts', current.id, patch);
};

/** The contact after our write, with the notes it had when we did not create it. */
const createContact = async (deps: RecordDeps, c: Conversation): Promise<{ id: string; created: boolean; noteIds: readonly string[] }> => {
  const key = contactKey(c);
  if (!('idProperty' in key)) throw new TypeError('a contact key is always a unique property');
  const result = await deps.client.upsert('contacts', key.idProperty, key.value, wantedContact(c));
  if (result.isNew) return { id: result.id, created: true, noteIds: [] };
  // Someone else created it since our read (another process, or HubSpot's 409 "Existing ID").
  const current = await deps.client.read('contacts', { id: result.id }, CONTACT_FIELDS, ['notes']);
  if (current === undefined) return { id: result.id, created: false, noteIds: [] };
  if (result.conflicted) await fillBlanks(deps, c, current);
  return { id: result.id, created: false, noteIds: current.noteIds };
};

interface NoteTarget {
  readonly contactId?: string;
  readonly ticketId?: string;
}

/** Updates the conversation's note in place, else finds it among `knownNoteIds`, else creates it. */
const writeNote = async (deps: RecordDeps, c: Conversation, target: NoteTarget, previousNoteId: string | undefined, knownNoteIds: readonly string[]): Promise<string> => {
  const properties = toNoteProperties(c, deps.now());
  if (previousNoteId !== undefined && (await deps.client.update('notes', previousNoteId, properties))) return previousNoteId;
  if (knownNoteIds.length > 0) {
    const mine = (await deps.client.readNotes(knownNoteIds)).find((n) => isNoteOf(n.body, c));
    if (mine !== undefined && (await deps.client.update('notes', mine.id, properties))) return mine.id;
  }
  const to = [
    ...(target.contactId === undefined ? [] : [{ id: target.contactId, associationTypeId: ASSOCIATION.noteToContact }]),
    ...(target.ticketId === undefined ? [] : [{ id: target.ticketId, associationTypeId: ASSOCIATION.noteToTicket }]),
  ];
  return deps.client.createNote(properties, to);
};

export const upsertLead = async (deps: RecordDeps, c: Conversation, previous: CrmRecord | undefined): Promise<CrmRecord> => {
  const previousNote = previous?.refs.note;
  const [account, current] = await Promise.all([deps.account(), readContact(deps, c, previous?.refs.contact, previousNote === undefined)]);
  let contactId: string;
  let noteId: string;
  if (current !== undefined) {
    contactId = current.id;
    [, noteId] = await Promise.all([fillBlanks(deps, c, current), writeNote(deps, c, { contactId }, previousNote, current.noteIds)]);
  } else {
    const created = await createContact(deps, c);
    contactId = created.id;
    noteId = await writeNote(deps, c, { contactId }, previousNote, created.noteIds);
  }
  return { crm: 'hubspot', action: 'lead', type: 'contact', id: contactId, url: recordUrl(account, 'contact', contactId), refs: { contact: contactId, note: noteId } };
};

const hasEmail = (c: Conversation) => c.visitor.email !== undefined && c.visitor.email.trim() !== '';

/** The case's contact: only a visitor with an email becomes one (as for a lead). */
const caseContact = async (deps: RecordDeps, c: Conversation, current: ReadObject | undefined): Promise<string | undefined> => {
  if (!hasEmail(c)) return undefined;
  if (current !== undefined) {
    await fillBlanks(deps, c, current);
    return current.id;
  }
  return (await createContact(deps, c)).id;
};

const writeTicket = async (deps: RecordDeps, c: Conversation, current: ReadObject | undefined): Promise<{ id: string; created: boolean }> => {
  // An agent may have moved or renamed the ticket since: later deliveries only refresh the transcript.
  if (current !== undefined && (await deps.client.update('tickets', current.id, { content: toTicketContent(c) }))) return { id: current.id, created: false };
  const result = await deps.client.upsert('tickets', CHAT_CONVERSATION_ID, conversationKey(c), toHubspotTicket(c, await deps.placement()));
  return { id: result.id, created: result.isNew };
};

const warmPlacement = async (deps: RecordDeps, previous: CrmRecord | undefined): Promise<void> => {
  if (previous === undefined) await deps.placement();
};

export const upsertCase = async (deps: RecordDeps, c: Conversation, previous: CrmRecord | undefined): Promise<CrmRecord> => {
  const previousNote = previous?.refs.note;
  const [account, currentContact, currentTicket] = await Promise.all([
    deps.account(),
    hasEmail(c) ? readContact(deps, c, previous?.refs.contact, false) : Promise.resolve(undefined),
    deps.client.read('tickets', { idProperty: CHAT_CONVERSATION_ID, value: conversationKey(c) }, ['hs_pipeline_stage'], previousNote === undefined ? ['notes', 'contacts'] : ['contacts']),
    // Warms the cached pipeline lookup alongside the reads; a no-op once known.
    warmPlacement(deps, previous),
  ]);
  const [contactId, ticket, updatedNote] = await Promise.all([
    caseContact(deps, c, currentContact),
    writeTicket(deps, c, currentTicket),
    previousNote !== undefined && currentTicket !== undefined ? deps.client.update('notes', previousNote, toNoteProperties(c, deps.now())) : Promise.resolve(false),
  ]);
  const linked = contactId === undefined || (!ticket.created && (currentTicket?.contactIds.includes(contactId) ?? false));
  const [noteId] = await Promise.all([
    updatedNote && previousNote !== undefined
      ? Promise.resolve(previousNote)
      : writeNote(deps, c, { ticketId: ticket.id, ...(contactId === undefined ? {} : { contactId }) }, undefined, ticket.created ? [] : (currentTicket?.noteIds ?? [])),
    linked || contactId === undefined ? Promise.resolve() : deps.client.associateTicketWithContact(ticket.id, contactId),
  ]);
  return {
    crm: 'hubspot',
    action: 'case',
    type: 'ticket',
    id: ticket.id,
    url: recordUrl(account, 'ticket', ticket.id),
    refs: { ticket: ticket.id, note: noteId, ...(contactId === undefined ? {} : { contact: contactId }) },
  };
};

/** Where new cases go: the configured pipeline and stage, else the default pipeline's first stage. */
export const resolvePlacement = async (client: HubspotClient, configured: { readonly ticketPipeline?: string; readonly ticketStage?: string }): Promise<TicketPlacement> => {
  const { ticketPipeline, ticketStage } = configured;
  if (ticketPipeline !== undefined && ticketStage !== undefined) return { pipeline: ticketPipeline, stage: ticketStage };
  const pipelines = await client.ticketPipelines();
  const byOrder = <A extends { readonly displayOrder: number }>(xs: readonly A[]) => [...xs].sort((a, b) => a.displayOrder - b.displayOrder);
  const pipeline = ticketPipeline === undefined ? byOrder(pipelines)[0] : pipelines.find((p) => p.id === ticketPipeline);
  if (pipeline === undefined)
    throw new HubspotConfigProblem(
      ticketPipeline === undefined
        ? 'HubSpot has no ticket pipeline: create one in Settings → Objects → Tickets → Pipelines.'
        : `HUBSPOT_TICKET_PIPELINE=${ticketPipeline} is not a ticket pipeline id; HubSpot has: ${pipelines.map((p) => p.id).join(', ')}.`,
    );
  const stage = ticketStage ?? byOrder(pipeline.stages)[0]?.id;
  if (stage === undefined) throw new HubspotConfigProblem(`HubSpot ticket pipeline ${pipeline.id} has no stages.`);
  if (ticketStage !== undefined && !pipeline.stages.some((s) => s.id === ticketStage))
    throw new HubspotConfigProblem(`HUBSPOT_TICKET_STAGE=${ticketStage} is not a stage of pipeline ${pipeline.id}; its stages are: ${pipeline.stages.map((s) => s.id).join(', ')}.`);
  return { pipeline: pipeline.id, stage };
};
