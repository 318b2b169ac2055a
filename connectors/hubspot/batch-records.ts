/**
 * Leads and cases of a batch, step by step, each step one call for all the inputs that need it
 * (README.md "Batched deliveries" has the calls per batch). The rules are those of a single
 * delivery (records.ts): contacts get their blanks filled, tickets their transcript refreshed,
 * owners are set only on what is created, a company is linked only where none is, and the
 * note is updated in place, else found by its title line, else created.
 */
import { ASSOCIATION } from './client';
import type { BatchTarget } from './batch-calls';
import { contactPatches, settleContacts, type ContactState } from './batch-contacts';
import { findNotes, writeNotes, type NoteWanted } from './batch-notes';
import {
  conflictUnresolved,
  goneMeanwhile,
  failAll,
  guard,
  hasEmail,
  hasLines,
  live,
  readByKeys,
  ticketKey,
  unique,
  type Item,
  type Known,
  type Run,
} from './batch-steps';
import { mappedPatch } from './extras';
import { CHAT_CONVERSATION_ID, conversationKey, toHubspotTicket, toTicketContent, uniqueConflictOf } from './mappers';
import type { TicketPlacement } from './records';

export interface DeliveredLead {
  readonly contactId: string;
  readonly noteId: string | undefined;
}

export interface DeliveredCase {
  readonly ticketId: string;
  readonly noteId: string;
  readonly contactId: string | undefined;
}

const ownerProperty = (ownerId: string | undefined): Record<string, string> => (ownerId === undefined ? {} : { hubspot_owner_id: ownerId });

/** Completes existing contacts (one batch update) and links those without a company to theirs (one batch association). */
const completeContacts = async (run: Run, items: readonly Item[], contacts: ReadonlyMap<number, ContactState>): Promise<void> => {
  const existing = live(run, items).filter((i) => contacts.get(i.index)?.created === false);
  const patches = contactPatches(existing, contacts);
  const wantCompany = existing.filter((i) => i.extras.companies);
  const [written, companiesOf] = await Promise.all([
    guard(
      run,
      patches.flatMap((p) => p.items),
      'batch update contacts',
      () =>
        run.calls.batchUpdate(
          'contacts',
          patches.map((p) => ({ id: p.id, properties: p.properties })),
        ),
    ),
    guard(run, wantCompany, 'batch read contact companies', () =>
      run.calls.associationsOf('contacts', 'companies', unique(wantCompany.map((i) => contacts.get(i.index)?.id ?? ''))),
    ),
  ]);
  if (written !== undefined)
    for (const p of patches) {
      const refusal = written.refused.get(p.id);
      if (refusal !== undefined) failAll(run, p.items, refusal, 'contact update');
      else if (written.missing.has(p.id)) goneMeanwhile(run, p.items, 'contact');
    }
  if (companiesOf === undefined) return;
  const pairs = await companyPairs(run, live(run, wantCompany), (i) => contacts.get(i.index)?.id, companiesOf);
  await guard(
    run,
    pairs.map((p) => p.item),
    'batch associate contacts with companies',
    () => run.calls.associateDefaults('contacts', 'companies', pairs),
  );
};

/** Records without a company, with the company their input maps to (no call: batch.ts found them already). */
const companyPairs = async (
  run: Run,
  items: readonly Item[],
  idOf: (i: Item) => string | undefined,
  companiesOf: ReadonlyMap<string, readonly string[]>,
): Promise<{ readonly item: Item; readonly from: string; readonly to: string }[]> => {
  const seen = new Set<string>();
  const pairs: { item: Item; from: string; to: string }[] = [];
  for (const i of items) {
    const from = idOf(i);
    if (from === undefined || (companiesOf.get(from) ?? []).length > 0 || seen.has(from)) continue;
    const to = await guard(run, [i], 'find company', () => i.extras.company());
    if (to === undefined) continue;
    seen.add(from);
    pairs.push({ item: i, from, to });
  }
  return pairs;
};

export const leadsBatch = async (run: Run, items: readonly Item[]): Promise<Map<number, DeliveredLead>> => {
  const contacts = await settleContacts(run, items);
  const settled = live(run, items).filter((i) => contacts.has(i.index));
  const idOf = (i: Item) => contacts.get(i.index)?.id ?? '';
  // Our note may already hang on an existing contact: a crash after its create, before its id was stored.
  const lookup = settled.filter((i) => contacts.get(i.index)?.fresh === false && hasLines(i.c) && i.previous?.refs.note === undefined);
  const notesOf = await guard(run, lookup, 'batch read contact notes', () =>
    run.calls.associationsOf('contacts', 'notes', unique(lookup.map(idOf))),
  );
  const found = await findNotes(
    run,
    live(run, lookup).map((item) => ({ item, noteIds: notesOf?.get(idOf(item)) ?? [] })),
  );
  const wanted: NoteWanted[] = live(run, settled)
    .filter((i) => hasLines(i.c))
    .map((item) => ({
      item,
      known: item.previous?.refs.note ?? found.get(item.index),
      to: [{ id: idOf(item), associationTypeId: ASSOCIATION.noteToContact }],
    }));
  const [notes] = await Promise.all([writeNotes(run, wanted), completeContacts(run, settled, contacts)]);
  const out = new Map<number, DeliveredLead>();
  for (const i of live(run, settled)) {
    const noteId = hasLines(i.c) ? notes.get(i.index) : i.previous?.refs.note;
    if (hasLines(i.c) && noteId === undefined) continue;
    out.set(i.index, { contactId: idOf(i), noteId });
  }
  return out;
};

const ticketFields = (items: readonly Item[]): string[] =>
  unique(['hs_pipeline_stage', CHAT_CONVERSATION_ID, ...items.flatMap((i) => Object.keys(i.extras.ticket))]);

/** Makes the tickets no read found, tied to their contact and company; a duplicate is read and treated as existing. */
const createTickets = async (
  run: Run,
  items: readonly Item[],
  placement: TicketPlacement,
  contactIdOf: (i: Item) => string | undefined,
  existing: Map<number, Known>,
): Promise<Map<number, string>> => {
  const made = new Map<number, string>();
  const prepared = await Promise.all(
    items.map(async (i) => {
      const settled = await guard(run, [i], 'find owner and company', () => Promise.all([i.extras.owner(), i.extras.company()]));
      if (settled === undefined) return undefined;
      const [ownerId, companyId] = settled;
      const contactId = contactIdOf(i);
      const to: BatchTarget[] = [
        ...(contactId === undefined ? [] : [{ id: contactId, associationTypeId: ASSOCIATION.ticketToContact }]),
        ...(companyId === undefined ? [] : [{ id: companyId, associationTypeId: ASSOCIATION.ticketToCompany }]),
      ];
      // Mapped fields over ours, except what places the ticket and keeps it unique (records.ts claimTicket).
      const properties = {
        ...toHubspotTicket(i.c, placement),
        ...i.extras.ticket,
        hs_pipeline: placement.pipeline,
        hs_pipeline_stage: placement.stage,
        [CHAT_CONVERSATION_ID]: conversationKey(i.c),
        ...ownerProperty(ownerId),
      };
      return { item: i, traceId: String(i.index), properties, to };
    }),
  );
  const inputs = prepared.flatMap((p) => (p === undefined ? [] : [p]));
  if (inputs.length === 0) return made;
  const conflicted: { readonly item: Item }[] = [];
  try {
    const written = await run.calls.batchCreate('tickets', inputs);
    for (const p of inputs) {
      const id = written.done.get(p.traceId);
      const refusal = written.refused.get(p.traceId);
      if (id !== undefined) made.set(p.item.index, id);
      else if (uniqueConflictOf(refusal, CHAT_CONVERSATION_ID) !== undefined) conflicted.push({ item: p.item });
      else failAll(run, [p.item], refusal, 'case ticket create');
    }
  } catch (e) {
    if (uniqueConflictOf(e, CHAT_CONVERSATION_ID) === undefined)
      failAll(
        run,
        inputs.map((p) => p.item),
        e,
        'batch create tickets',
      );
    else conflicted.push(...inputs.map((p) => ({ item: p.item })));
  }
  if (conflicted.length === 0) return made;
  const again = await readByKeys(
    run,
    'tickets',
    conflicted.map((x) => x.item),
    ticketKey,
    ticketFields(items),
  );
  for (const { item } of conflicted) {
    const found = again.get(item.index);
    if (found === undefined) conflictUnresolved(run, item, 'ticket');
    else existing.set(item.index, found);
  }
  return made;
};

export const casesBatch = async (run: Run, items: readonly Item[], placement: TicketPlacement): Promise<Map<number, DeliveredCase>> => {
  const withEmail = items.filter((i) => hasEmail(i.c));
  const [contacts, ticketsFound] = await Promise.all([
    settleContacts(run, withEmail),
    readByKeys(run, 'tickets', items, ticketKey, ticketFields(items)),
  ]);
  const contactIdOf = (i: Item) => contacts.get(i.index)?.id;
  const existing = new Map(ticketsFound);
  const made = await createTickets(
    run,
    live(run, items).filter((i) => !existing.has(i.index)),
    placement,
    contactIdOf,
    existing,
  );
  const ticketIdOf = (i: Item) => made.get(i.index) ?? existing.get(i.index)?.id ?? '';
  const old = live(run, items).filter((i) => existing.has(i.index));
  const linkable = old.filter((i) => contactIdOf(i) !== undefined);
  const lookup = old.filter((i) => i.previous?.refs.note === undefined);
  const wantCompany = old.filter((i) => i.extras.companies);
  const [contactsOf, notesOf, companiesOf] = await Promise.all([
    guard(run, linkable, 'batch read ticket contacts', () =>
      run.calls.associationsOf('tickets', 'contacts', unique(linkable.map(ticketIdOf))),
    ),
    guard(run, lookup, 'batch read ticket notes', () => run.calls.associationsOf('tickets', 'notes', unique(lookup.map(ticketIdOf)))),
    guard(run, wantCompany, 'batch read ticket companies', () =>
      run.calls.associationsOf('tickets', 'companies', unique(wantCompany.map(ticketIdOf))),
    ),
  ]);
  const found = await findNotes(
    run,
    live(run, lookup).map((item) => ({ item, noteIds: notesOf?.get(ticketIdOf(item)) ?? [] })),
  );
  const settled = live(run, items);
  const wanted: NoteWanted[] = settled.map((item) => {
    const contactId = contactIdOf(item);
    return {
      item,
      known: existing.has(item.index) ? (item.previous?.refs.note ?? found.get(item.index)) : undefined,
      to: [
        { id: ticketIdOf(item), associationTypeId: ASSOCIATION.noteToTicket },
        ...(contactId === undefined ? [] : [{ id: contactId, associationTypeId: ASSOCIATION.noteToContact }]),
      ],
    };
  });
  const oldLive = live(run, old);
  // An agent may have moved or renamed the ticket since: later deliveries only refresh the transcript.
  const ticketUpdates = oldLive.map((i) => ({
    item: i,
    id: ticketIdOf(i),
    properties: {
      content: toTicketContent(i.c),
      ...mappedPatch(i.extras.ticket, existing.get(i.index)?.properties ?? {}, i.extras.overwrite),
    },
  }));
  const unlinked = linkable.filter((i) => {
    const contactId = contactIdOf(i);
    return contactsOf !== undefined && contactId !== undefined && !(contactsOf.get(ticketIdOf(i)) ?? []).includes(contactId);
  });
  const [notes, updated] = await Promise.all([
    writeNotes(run, wanted),
    guard(
      run,
      ticketUpdates.map((u) => u.item),
      'batch update tickets',
      () =>
        run.calls.batchUpdate(
          'tickets',
          ticketUpdates.map((u) => ({ id: u.id, properties: u.properties })),
        ),
    ),
    completeContacts(run, withEmail, contacts),
    guard(run, live(run, unlinked), 'batch associate tickets with contacts', () =>
      run.calls.associateDefaults(
        'tickets',
        'contacts',
        live(run, unlinked).map((i) => ({ from: ticketIdOf(i), to: contactIdOf(i) ?? '' })),
      ),
    ),
    companiesOf === undefined
      ? undefined
      : companyPairs(run, live(run, wantCompany), ticketIdOf, companiesOf).then((pairs) =>
          guard(
            run,
            pairs.map((p) => p.item),
            'batch associate tickets with companies',
            () => run.calls.associateDefaults('tickets', 'companies', pairs),
          ),
        ),
  ]);
  if (updated !== undefined)
    for (const u of ticketUpdates) {
      const refusal = updated.refused.get(u.id);
      if (refusal !== undefined) failAll(run, [u.item], refusal, 'ticket update');
      else if (updated.missing.has(u.id)) goneMeanwhile(run, [u.item], 'ticket');
    }
  const out = new Map<number, DeliveredCase>();
  for (const i of live(run, settled)) {
    const noteId = notes.get(i.index);
    if (noteId !== undefined) out.set(i.index, { ticketId: ticketIdOf(i), noteId, contactId: contactIdOf(i) });
  }
  return out;
};
