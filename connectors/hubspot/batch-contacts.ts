/**
 * The contacts of a batch: read first (by the id an earlier delivery stored, else by email or
 * chat_conversation_id), made in one batch create when missing, completed later with the same
 * "fill blanks" rule as a single delivery (records.ts): a repeat never overwrites what a person
 * typed, because only blank properties (and mapped fields marked overwrite) are written.
 *
 * Reading first costs one call per 100 but keeps every semantic of the single path; a contact
 * made by someone else between the read and the create is refused as a duplicate (HubSpot's
 * unique email / chat_conversation_id), read again and completed, so it is never made twice.
 * HubSpot refuses a batch create holding a taken email whole, with 409 "Contact already exists.
 * Existing ID: N" naming only the first (HubSpot/hubspot-api-python#51); whether trace ids turn
 * that into a 207 error of the one input is undocumented, so both answers are handled alike.
 */
import { ASSOCIATION } from './client';
import type { BatchTarget } from './batch-calls';
import { mappedPatch, without } from './extras';
import { CHAT_CONVERSATION_ID, CONTACT_FIELDS, blanksToFill, toHubspotContact, uniqueConflictOf } from './mappers';
import {
  byKeyValue,
  conflictUnresolved,
  contactKey,
  failAll,
  guard,
  live,
  readByKeys,
  unique,
  type Item,
  type Known,
  type Run,
} from './batch-steps';

export interface ContactState extends Known {
  /** Made for this input (its owner and company were set with it). */
  readonly created: boolean;
  /** Made by this batch, maybe for another input of the same visitor: it holds none of our notes yet. */
  readonly fresh: boolean;
}

/** Contact properties to read: ours, and every input's mapped ones (fill blanks needs their values). */
const contactFields = (items: readonly Item[]): string[] =>
  unique([...CONTACT_FIELDS, CHAT_CONVERSATION_ID, ...items.flatMap((i) => Object.keys(i.extras.person))]);

const wantedContact = (i: Item): Record<string, string> => {
  const key = contactKey(i.c);
  return { ...toHubspotContact(i.c), ...(key.idProperty === CHAT_CONVERSATION_ID ? { [CHAT_CONVERSATION_ID]: key.value } : {}) };
};

const ownerProperty = (ownerId: string | undefined): Record<string, string> => (ownerId === undefined ? {} : { hubspot_owner_id: ownerId });

/** Makes the contacts no read found; those HubSpot says exist by now are read and treated as existing. */
const createContacts = async (run: Run, items: readonly Item[], fields: readonly string[], out: Map<number, ContactState>) => {
  const groups = [...byKeyValue(items, contactKey).values()];
  const makers = groups.flatMap((g) => g.slice(0, 1));
  const prepared = await Promise.all(
    makers.map(async (i) => {
      const settled = await guard(run, [i], 'find owner and company', () => Promise.all([i.extras.owner(), i.extras.company()]));
      if (settled === undefined) return undefined;
      const [ownerId, companyId] = settled;
      const key = contactKey(i.c);
      const to: BatchTarget[] = companyId === undefined ? [] : [{ id: companyId, associationTypeId: ASSOCIATION.contactToCompany }];
      // What we know of the visitor, the mapped fields over it, our unique key last (as records.ts newContact).
      const properties = { ...toHubspotContact(i.c), ...i.extras.person, [key.idProperty]: key.value, ...ownerProperty(ownerId) };
      return { item: i, traceId: String(i.index), properties, to };
    }),
  );
  const inputs = prepared.flatMap((p) => (p === undefined ? [] : [p]));
  if (inputs.length === 0) return;
  const groupOf = (i: Item) => groups.find((g) => g[0] === i) ?? [i];
  const conflicted: { readonly item: Item }[] = [];
  try {
    const written = await run.calls.batchCreate('contacts', inputs);
    for (const p of inputs) {
      const id = written.done.get(p.traceId);
      const refusal = written.refused.get(p.traceId);
      if (id !== undefined)
        groupOf(p.item).forEach((member, n) => out.set(member.index, { id, properties: p.properties, created: n === 0, fresh: true }));
      else if (refusal !== undefined && uniqueConflictOf(refusal, contactKey(p.item.c).idProperty) !== undefined)
        conflicted.push(...groupOf(p.item).map((item) => ({ item })));
      else failAll(run, groupOf(p.item), refusal, 'lead contact create');
    }
  } catch (e) {
    // A duplicate refused the whole batch: nothing of it was made; all are looked up again.
    const conflict = inputs.some((p) => uniqueConflictOf(e, contactKey(p.item.c).idProperty) !== undefined);
    if (!conflict)
      failAll(
        run,
        inputs.flatMap((p) => groupOf(p.item)),
        e,
        'batch create contacts',
      );
    else conflicted.push(...inputs.flatMap((p) => groupOf(p.item).map((item) => ({ item }))));
  }
  if (conflicted.length === 0) return;
  const again = await readByKeys(
    run,
    'contacts',
    conflicted.map((x) => x.item),
    contactKey,
    fields,
  );
  for (const { item } of conflicted) {
    if (run.failures.has(item.index)) continue;
    const found = again.get(item.index);
    if (found === undefined) conflictUnresolved(run, item, 'contact');
    else out.set(item.index, { ...found, created: false, fresh: false });
  }
};

/**
 * Every input's contact: found (by its stored id, else by its key) or made. index → contact, for
 * the inputs that did not fail.
 */
export const settleContacts = async (run: Run, items: readonly Item[]): Promise<Map<number, ContactState>> => {
  const out = new Map<number, ContactState>();
  if (items.length === 0) return out;
  const fields = contactFields(items);
  const byId = items.filter((i) => i.previous?.refs.contact !== undefined);
  const byKey = items.filter((i) => i.previous?.refs.contact === undefined);
  const [idObjects, keyFound] = await Promise.all([
    guard(run, byId, 'batch read contacts', () =>
      run.calls.batchRead('contacts', unique(byId.map((i) => i.previous?.refs.contact ?? '')), fields),
    ),
    readByKeys(run, 'contacts', byKey, contactKey, fields),
  ]);
  for (const i of byId) {
    const found = idObjects?.find((o) => o.id === i.previous?.refs.contact);
    if (found !== undefined) out.set(i.index, { ...found, created: false, fresh: false });
  }
  // A stored contact that is gone (merged, deleted): found by its key, as a single delivery does.
  const lost = live(run, byId).filter((i) => !out.has(i.index));
  const lostFound = await readByKeys(run, 'contacts', lost, contactKey, fields);
  for (const [index, found] of [...keyFound, ...lostFound]) out.set(index, { ...found, created: false, fresh: false });
  await createContacts(
    run,
    live(run, items).filter((i) => !out.has(i.index)),
    fields,
    out,
  );
  return out;
};

/**
 * The updates that complete existing contacts: our fields into blanks, mapped ones by their
 * rule. Inputs sharing a contact are merged into one update (a batch may not name an id twice).
 */
export const contactPatches = (
  items: readonly Item[],
  contacts: ReadonlyMap<number, ContactState>,
): { readonly id: string; readonly properties: Record<string, string>; readonly items: Item[] }[] => {
  const byId = new Map<string, { id: string; properties: Record<string, string>; items: Item[] }>();
  for (const i of items) {
    const contact = contacts.get(i.index);
    if (contact === undefined || contact.created) continue;
    const { person, overwrite } = i.extras;
    const patch = {
      ...blanksToFill(without(wantedContact(i), person), contact.properties),
      ...mappedPatch(person, contact.properties, overwrite),
    };
    if (Object.keys(patch).length === 0) continue;
    const entry = byId.get(contact.id) ?? { id: contact.id, properties: {}, items: [] };
    entry.properties = { ...patch, ...entry.properties };
    entry.items.push(i);
    byId.set(contact.id, entry);
  }
  return [...byId.values()];
};
