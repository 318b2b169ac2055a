/**
 * Leads and cases as HubSpot calls. Every first delivery creates before it reads: HubSpot refuses
 * a duplicate email or chat_conversation_id atomically (409 "… Existing ID: N"), so the common
 * case pays no lookup and only a refusal costs the reads that find and complete the existing
 * record (fill blanks, find our note by its title line). Calls and round trips per delivery:
 *
 *   new lead      2 / 2  create contact → create note (associated); 1 / 1 before the chat has a line
 *   repeat lead   2 / 2  read contact → update note (‖ fill blanks, only when some are blank)
 *   new case      3 / 3  create contact → create ticket (associated) → create note (associated to both)
 *   repeat case   4 / 2  read contact ‖ read ticket → update ticket content ‖ update note (‖ fill blanks)
 *
 * A case without an email has no contact: 2 calls new (ticket → note), 3 repeat. Those calls are
 * admitted together by the app's rate limiter (RESERVED), so a burst does not start deliveries it
 * cannot finish; a delivery the window has no room for fails as CRM_RATE_LIMITED before any call.
 * See README.md "Calls per delivery" and "Rate limits".
 */
import type { Conversation } from '../../src/domain/conversation';
import type { CrmRecord } from '../../src/domain/record';
import { chatLines } from '../../src/domain/transcript';
import { ASSOCIATION, type Account, type HubspotCalls, type HubspotClient, type ReadObject } from './client';
import {
  CHAT_CONVERSATION_ID,
  CONTACT_FIELDS,
  HubspotConfigProblem,
  blanksToFill,
  conversationKey,
  isNoteOf,
  toHubspotContact,
  toHubspotTicket,
  toNoteProperties,
  toTicketContent,
} from './mappers';
import { recordUrl } from './urls';
import { NO_EXTRAS, mappedPatch, without, type Extras } from './extras';

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

/** One delivery's calls: the first few were admitted together by the limiter. */
interface Flow extends Omit<RecordDeps, 'client'> {
  readonly client: HubspotCalls;
  /** MAPPING_FILE's fields, owner and company for this delivery (extras.ts). */
  readonly extras: Extras;
}

/** Contact properties a delivery reads: ours, and the mapped ones (fill blanks needs their values: same call). */
const contactFields = (deps: Flow): string[] => [...new Set([...CONTACT_FIELDS, ...Object.keys(deps.extras.person)])];
const ticketFields = (deps: Flow): string[] => [...new Set(['hs_pipeline_stage', ...Object.keys(deps.extras.ticket)])];
/** Associations read with a record: companies only when a company is to be linked (to link it once). */
const withCompanies = (deps: Flow, associations: readonly ('notes' | 'contacts')[]): ('notes' | 'contacts' | 'companies')[] =>
  deps.extras.companies ? [...associations, 'companies'] : [...associations];

/** `hubspot_owner_id`: only on a record this delivery creates, never changed later. */
const ownerProperty = (ownerId: string | undefined): Record<string, string> => (ownerId === undefined ? {} : { hubspot_owner_id: ownerId });

/** Associates an existing record with the visitor's company when it has none yet (one call, only then). */
const linkCompany = async (deps: Flow, type: 'contacts' | 'tickets', current: ReadObject): Promise<void> => {
  if (!deps.extras.companies || current.companyIds.length > 0) return;
  const companyId = await deps.extras.company();
  if (companyId !== undefined) await deps.client.associateWithCompany(type, current.id, companyId);
};

/**
 * Calls admitted up front: what the delivery costs when nothing unusual happens, so a burst does
 * not start deliveries it cannot finish (rarer paths are admitted call by call).
 */
const RESERVED = { newLead: 2, newLeadWithoutLines: 1, repeatLead: 2, newCase: 3, newCaseWithoutEmail: 2, repeatCase: 4 } as const;

interface UniqueKey {
  readonly idProperty: string;
  readonly value: string;
}

/**
 * The note is the transcript: a lead whose chat has no line yet (none at all, or only commands
 * such as `!lead`) gets its note with the first delivery that has one (found or made then).
 */
const hasLines = (c: Conversation) => chatLines(c).length > 0;

const hasEmail = (c: Conversation) => c.visitor.email !== undefined && c.visitor.email.trim() !== '';

const contactKey = (c: Conversation): UniqueKey =>
  c.visitor.email !== undefined && hasEmail(c)
    ? { idProperty: 'email', value: c.visitor.email.trim().toLowerCase() }
    : { idProperty: CHAT_CONVERSATION_ID, value: conversationKey(c) };

const ticketKey = (c: Conversation): UniqueKey => ({ idProperty: CHAT_CONVERSATION_ID, value: conversationKey(c) });

const wantedContact = (c: Conversation): Record<string, string> => {
  const key = contactKey(c);
  return { ...toHubspotContact(c), ...(key.idProperty === CHAT_CONVERSATION_ID ? { [CHAT_CONVERSATION_ID]: key.value } : {}) };
};

/** A new contact: what we know of the visitor, the mapped fields over it, our unique key last. */
const newContact = (deps: Flow, c: Conversation, ownerId: string | undefined): Record<string, string> => {
  const key = contactKey(c);
  return { ...toHubspotContact(c), ...deps.extras.person, [key.idProperty]: key.value, ...ownerProperty(ownerId) };
};

const readContact = async (
  deps: Flow,
  c: Conversation,
  previousId: string | undefined,
  withNotes: boolean,
): Promise<ReadObject | undefined> => {
  const associations = withCompanies(deps, withNotes ? ['notes'] : []);
  const byId =
    previousId === undefined ? undefined : await deps.client.read('contacts', { id: previousId }, contactFields(deps), associations);
  return byId ?? deps.client.read('contacts', contactKey(c), contactFields(deps), associations);
};

/** An existing contact: our fields fill its blanks, mapped ones follow their rule, and it gets its company if it has none. */
const fillBlanks = async (deps: Flow, c: Conversation, current: ReadObject): Promise<void> => {
  const { person, overwrite } = deps.extras;
  const patch = {
    ...blanksToFill(without(wantedContact(c), person), current.properties),
    ...mappedPatch(person, current.properties, overwrite),
  };
  await Promise.all([
    Object.keys(patch).length > 0 ? deps.client.update('contacts', current.id, patch) : undefined,
    linkCompany(deps, 'contacts', current),
  ]);
};

/**
 * A record we made now, or the one that already holds our unique value: its id when HubSpot
 * named it, else found by reading the value (the answer for a taken custom unique value is
 * undocumented).
 */
type Claim =
  | { readonly created: true; readonly id: string }
  | { readonly created: false; readonly id: string; readonly current: ReadObject | undefined; readonly refusal: Error };

const claimContact = async (deps: Flow, c: Conversation): Promise<Claim> => {
  const key = contactKey(c);
  const [ownerId, companyId] = await Promise.all([deps.extras.owner(), deps.extras.company()]);
  const to = companyId === undefined ? [] : [{ id: companyId, associationTypeId: ASSOCIATION.contactToCompany }];
  const made = await deps.client.create('contacts', newContact(deps, c, ownerId), key.idProperty, to);
  if (made.created) return made;
  if (made.existingId !== undefined) return { created: false, id: made.existingId, current: undefined, refusal: made.refusal };
  const current = await deps.client.read('contacts', key, contactFields(deps), withCompanies(deps, ['notes']));
  if (current === undefined) throw made.refusal;
  return { created: false, id: current.id, current, refusal: made.refusal };
};

/** The contact that refused our create, with its properties and notes. */
const existingContact = async (deps: Flow, claim: Extract<Claim, { created: false }>): Promise<ReadObject> => {
  const current =
    claim.current ?? (await deps.client.read('contacts', { id: claim.id }, contactFields(deps), withCompanies(deps, ['notes'])));
  // HubSpot named a contact that is gone by now: nothing to complete, and nothing a retry could not redo.
  if (current === undefined) throw claim.refusal;
  return current;
};

interface NoteTarget {
  readonly contactId?: string;
  readonly ticketId?: string;
}

/** Updates the conversation's note in place, else finds it among `knownNoteIds`, else creates it. */
const writeNote = async (
  deps: Flow,
  c: Conversation,
  target: NoteTarget,
  previousNoteId: string | undefined,
  knownNoteIds: readonly string[],
): Promise<string> => {
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

interface DeliveredLead {
  readonly contactId: string;
  /** None while the chat has no line yet. */
  readonly noteId: string | undefined;
}

interface DeliveredCase {
  readonly ticketId: string;
  readonly noteId: string;
  readonly contactId?: string;
}

/** An existing contact keeps what HubSpot has; our note on it is updated, found or made. */
const intoExistingContact = async (
  deps: Flow,
  c: Conversation,
  current: ReadObject,
  previousNote: string | undefined,
): Promise<DeliveredLead> => {
  const [, noteId] = await Promise.all([fillBlanks(deps, c, current), leadNote(deps, c, current.id, previousNote, current.noteIds)]);
  return { contactId: current.id, noteId };
};

/** The lead's note written, or the one it has kept while the chat has no line yet. */
const leadNote = async (
  deps: Flow,
  c: Conversation,
  contactId: string,
  previousNote: string | undefined,
  knownNoteIds: readonly string[],
): Promise<string | undefined> => (hasLines(c) ? writeNote(deps, c, { contactId }, previousNote, knownNoteIds) : previousNote);

const deliverLead = async (deps: Flow, c: Conversation, previous: CrmRecord | undefined): Promise<DeliveredLead> => {
  const previousNote = previous?.refs.note;
  if (previous !== undefined) {
    const current = await readContact(deps, c, previous.refs.contact, previousNote === undefined);
    if (current !== undefined) return intoExistingContact(deps, c, current, previousNote);
  }
  const claim = await claimContact(deps, c);
  if (claim.created) return { contactId: claim.id, noteId: await leadNote(deps, c, claim.id, previousNote, []) };
  return intoExistingContact(deps, c, await existingContact(deps, claim), previousNote);
};

export const upsertLead = async (
  deps: RecordDeps,
  c: Conversation,
  previous: CrmRecord | undefined,
  extras: Extras = NO_EXTRAS,
): Promise<CrmRecord> => {
  const reserve = previous !== undefined ? RESERVED.repeatLead : hasLines(c) ? RESERVED.newLead : RESERVED.newLeadWithoutLines;
  const [account, { contactId, noteId }] = await Promise.all([
    deps.account(),
    deps.client.reserving(reserve, 'lead upsert', (client) => deliverLead({ ...deps, client, extras }, c, previous)),
  ]);
  return {
    crm: 'hubspot',
    action: 'lead',
    type: 'contact',
    id: contactId,
    url: recordUrl(account, 'contact', contactId),
    refs: { contact: contactId, ...(noteId === undefined ? {} : { note: noteId }) },
  };
};

/** The ticket we made now (tied to the contact), or the one already holding the conversation id. */
const claimTicket = async (
  deps: Flow,
  c: Conversation,
  placement: TicketPlacement,
  contactId: string | undefined,
): Promise<{ readonly id: string; readonly current?: ReadObject }> => {
  const [ownerId, companyId] = await Promise.all([deps.extras.owner(), deps.extras.company()]);
  const to = [
    ...(contactId === undefined ? [] : [{ id: contactId, associationTypeId: ASSOCIATION.ticketToContact }]),
    ...(companyId === undefined ? [] : [{ id: companyId, associationTypeId: ASSOCIATION.ticketToCompany }]),
  ];
  const ours = toHubspotTicket(c, placement);
  // Mapped fields over ours, except what places the ticket and keeps it unique.
  const properties = {
    ...ours,
    ...deps.extras.ticket,
    hs_pipeline: placement.pipeline,
    hs_pipeline_stage: placement.stage,
    [CHAT_CONVERSATION_ID]: conversationKey(c),
    ...ownerProperty(ownerId),
  };
  const made = await deps.client.create('tickets', properties, CHAT_CONVERSATION_ID, to);
  if (made.created) return { id: made.id };
  const current = await deps.client.read(
    'tickets',
    made.existingId === undefined ? ticketKey(c) : { id: made.existingId },
    ticketFields(deps),
    withCompanies(deps, ['notes', 'contacts']),
  );
  if (current === undefined) throw made.refusal;
  return { id: current.id, current };
};

/** An earlier delivery made the ticket: refresh its transcript, find or make our note, tie it to the contact. */
const intoExistingTicket = async (
  deps: Flow,
  c: Conversation,
  current: ReadObject,
  contactId: string | undefined,
  previousNote: string | undefined,
): Promise<string> => {
  const [, noteId] = await Promise.all([
    // An agent may have moved or renamed the ticket since: later deliveries only refresh the transcript.
    deps.client.update('tickets', current.id, {
      content: toTicketContent(c),
      ...mappedPatch(deps.extras.ticket, current.properties, deps.extras.overwrite),
    }),
    writeNote(deps, c, { ticketId: current.id, ...(contactId === undefined ? {} : { contactId }) }, previousNote, current.noteIds),
    contactId === undefined || current.contactIds.includes(contactId)
      ? Promise.resolve()
      : deps.client.associateTicketWithContact(current.id, contactId),
    linkCompany(deps, 'tickets', current),
  ]);
  return noteId;
};

/** The case's contact for a first delivery: only a visitor with an email becomes one (as for a lead). */
const claimCaseContact = async (deps: Flow, c: Conversation): Promise<Claim | undefined> =>
  hasEmail(c) ? claimContact(deps, c) : undefined;

const newCase = async (deps: Flow, c: Conversation): Promise<DeliveredCase> => {
  const [contact, placement] = await Promise.all([claimCaseContact(deps, c), deps.placement()]);
  const contactId = contact?.id;
  const [ticket, existing] = await Promise.all([
    claimTicket(deps, c, placement, contactId),
    contact === undefined || contact.created ? undefined : existingContact(deps, contact),
  ]);
  const [, noteId] = await Promise.all([
    existing === undefined ? undefined : fillBlanks(deps, c, existing),
    ticket.current === undefined
      ? writeNote(deps, c, { ticketId: ticket.id, ...(contactId === undefined ? {} : { contactId }) }, undefined, [])
      : intoExistingTicket(deps, c, ticket.current, contactId, undefined),
  ]);
  return { ticketId: ticket.id, noteId, ...(contactId === undefined ? {} : { contactId }) };
};

/** The contact of a repeated case: completed if it exists, else made (or found) again. */
const repeatCaseContact = async (deps: Flow, c: Conversation, current: ReadObject | undefined): Promise<string | undefined> => {
  if (current !== undefined) {
    await fillBlanks(deps, c, current);
    return current.id;
  }
  const claim = await claimCaseContact(deps, c);
  if (claim === undefined || claim.created) return claim?.id;
  await fillBlanks(deps, c, await existingContact(deps, claim));
  return claim.id;
};

const repeatCase = async (deps: Flow, c: Conversation, previous: CrmRecord): Promise<DeliveredCase> => {
  const previousNote = previous.refs.note;
  const [currentContact, currentTicket] = await Promise.all([
    hasEmail(c) ? readContact(deps, c, previous.refs.contact, false) : undefined,
    deps.client.read(
      'tickets',
      ticketKey(c),
      ticketFields(deps),
      withCompanies(deps, previousNote === undefined ? ['notes', 'contacts'] : ['contacts']),
    ),
  ]);
  // The ticket was deleted since: deliver as the first time.
  if (currentTicket === undefined) return newCase(deps, c);
  const [contactId, , updatedNote] = await Promise.all([
    repeatCaseContact(deps, c, currentContact),
    deps.client.update('tickets', currentTicket.id, {
      content: toTicketContent(c),
      ...mappedPatch(deps.extras.ticket, currentTicket.properties, deps.extras.overwrite),
    }),
    previousNote === undefined ? false : deps.client.update('notes', previousNote, toNoteProperties(c, deps.now())),
    linkCompany(deps, 'tickets', currentTicket),
  ]);
  const linked = contactId === undefined || currentTicket.contactIds.includes(contactId);
  const [noteId] = await Promise.all([
    updatedNote && previousNote !== undefined
      ? previousNote
      : writeNote(
          deps,
          c,
          { ticketId: currentTicket.id, ...(contactId === undefined ? {} : { contactId }) },
          undefined,
          currentTicket.noteIds,
        ),
    linked ? undefined : deps.client.associateTicketWithContact(currentTicket.id, contactId),
  ]);
  return { ticketId: currentTicket.id, noteId, ...(contactId === undefined ? {} : { contactId }) };
};

export const upsertCase = async (
  deps: RecordDeps,
  c: Conversation,
  previous: CrmRecord | undefined,
  extras: Extras = NO_EXTRAS,
): Promise<CrmRecord> => {
  const reserve = previous !== undefined ? RESERVED.repeatCase : hasEmail(c) ? RESERVED.newCase : RESERVED.newCaseWithoutEmail;
  const [account, { ticketId, noteId, contactId }] = await Promise.all([
    deps.account(),
    deps.client.reserving(reserve, 'case upsert', (client) =>
      previous === undefined ? newCase({ ...deps, client, extras }, c) : repeatCase({ ...deps, client, extras }, c, previous),
    ),
  ]);
  return {
    crm: 'hubspot',
    action: 'case',
    type: 'ticket',
    id: ticketId,
    url: recordUrl(account, 'ticket', ticketId),
    refs: { ticket: ticketId, note: noteId, ...(contactId === undefined ? {} : { contact: contactId }) },
  };
};

/** Where new cases go: the configured pipeline and stage, else the default pipeline's first stage. */
export const resolvePlacement = async (
  client: HubspotClient,
  configured: { readonly ticketPipeline?: string; readonly ticketStage?: string },
): Promise<TicketPlacement> => {
  const { ticketPipeline, ticketStage } = configured;
  if (ticketPipeline !== undefined && ticketStage !== undefined) return { pipeline: ticketPipeline, stage: ticketStage };
  const pipelines = await client.ticketPipelines();
  const byOrder = <A extends { readonly displayOrder: number }>(xs: readonly A[]) =>
    [...xs].sort((a, b) => a.displayOrder - b.displayOrder);
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
    throw new HubspotConfigProblem(
      `HUBSPOT_TICKET_STAGE=${ticketStage} is not a stage of pipeline ${pipeline.id}; its stages are: ${pipeline.stages.map((s) => s.id).join(', ')}.`,
    );
  return { pipeline: pipeline.id, stage };
};
