/**
 * What every step of a batched delivery shares (batch.ts): the inputs as items, the calls the
 * batch was admitted for, and the failures so far. A step that fails for some inputs records
 * their failure and carries on with the others; a failed input takes no part in later steps.
 */
import type { Conversation } from '../../src/domain/conversation';
import { transient, type CrmFailure } from '../../src/domain/outcome';
import type { CrmRecord } from '../../src/domain/record';
import { chatLines } from '../../src/domain/transcript';
import type { BatchObject } from './batch-calls';
import type { HubspotCalls } from './client';
import type { Extras } from './extras';
import { CHAT_CONVERSATION_ID, conversationKey, fromHubspotError, type ReadProperties } from './mappers';

export interface Item {
  /** Position in the batch: the outcome's place, and the trace id of its writes. */
  readonly index: number;
  readonly c: Conversation;
  readonly previous: CrmRecord | undefined;
  readonly extras: Extras;
}

export interface Run {
  readonly calls: HubspotCalls;
  readonly now: () => Date;
  /** index → why that input failed; set once, by the first step that fails it. */
  readonly failures: Map<number, CrmFailure>;
}

export const live = (run: Run, items: readonly Item[]): Item[] => items.filter((i) => !run.failures.has(i.index));

const fail = (run: Run, items: readonly Item[], failure: CrmFailure): void => {
  for (const i of items) if (!run.failures.has(i.index)) run.failures.set(i.index, failure);
};

/** What `e` means for these inputs; anything that is not a HubSpot or network failure is a bug, thrown. */
export const failAll = (run: Run, items: readonly Item[], e: unknown, operation: string): void => {
  const failure = fromHubspotError(e, operation);
  if (failure === undefined) throw e;
  fail(run, items, failure);
};

/**
 * A create HubSpot refused as a duplicate (a whole-batch 409, or a 207 error), whose record a
 * read then did not find: nothing of it was made, and the retry reads again and creates.
 */
export const conflictUnresolved = (run: Run, item: Item, what: string): void => {
  if (!run.failures.has(item.index))
    run.failures.set(
      item.index,
      transient('CRM_CONFLICT', `HubSpot refused the ${what} as a duplicate, but no ${what} holds its unique value: retried`),
    );
};

/** Records a read found that were gone by the write (deleted or merged meanwhile): the retry finds or makes them again. */
export const goneMeanwhile = (run: Run, items: readonly Item[], what: string): void => {
  for (const item of items)
    if (!run.failures.has(item.index))
      run.failures.set(item.index, transient('CRM_CONFLICT', `The HubSpot ${what} was deleted or merged during this delivery: retried`));
};

/** Runs one call for `items`: its whole failure fails them all (and only them). */
export const guard = async <A>(run: Run, items: readonly Item[], operation: string, f: () => Promise<A>): Promise<A | undefined> => {
  if (items.length === 0) return undefined;
  try {
    return await f();
  } catch (e) {
    failAll(run, items, e, operation);
    return undefined;
  }
};

export const hasLines = (c: Conversation): boolean => chatLines(c).length > 0;

export const hasEmail = (c: Conversation): boolean => c.visitor.email !== undefined && c.visitor.email.trim() !== '';

export interface UniqueKey {
  readonly idProperty: string;
  readonly value: string;
}

/** As records.ts: the email when there is one, else our conversation id. */
export const contactKey = (c: Conversation): UniqueKey =>
  c.visitor.email !== undefined && hasEmail(c)
    ? { idProperty: 'email', value: c.visitor.email.trim().toLowerCase() }
    : { idProperty: CHAT_CONVERSATION_ID, value: conversationKey(c) };

export const ticketKey = (c: Conversation): UniqueKey => ({ idProperty: CHAT_CONVERSATION_ID, value: conversationKey(c) });

/** A HubSpot object as a step knows it: its id and the properties read (or just written). */
export interface Known {
  readonly id: string;
  readonly properties: ReadProperties;
}

const keyValue = (idProperty: string, value: string | null | undefined): string | undefined =>
  value === null || value === undefined ? undefined : idProperty === 'email' ? value.trim().toLowerCase() : value;

/**
 * Reads objects by their unique key, one call per key property (email, chat_conversation_id);
 * each value is asked once even when several inputs share it. index → object, for those found.
 */
export const readByKeys = async (
  run: Run,
  type: 'contacts' | 'tickets',
  items: readonly Item[],
  keyOf: (c: Conversation) => UniqueKey,
  properties: readonly string[],
): Promise<Map<number, Known>> => {
  const found = new Map<number, Known>();
  const groups = new Map<string, Item[]>();
  for (const i of items) groups.set(keyOf(i.c).idProperty, [...(groups.get(keyOf(i.c).idProperty) ?? []), i]);
  await Promise.all(
    [...groups].map(async ([idProperty, group]) => {
      const values = [...new Set(group.map((i) => keyOf(i.c).value))];
      const objects = await guard(run, group, `batch read ${type}`, () => run.calls.batchRead(type, values, properties, idProperty));
      const byValue = new Map<string, BatchObject>();
      for (const o of objects ?? []) {
        const v = keyValue(idProperty, o.properties[idProperty]);
        if (v !== undefined) byValue.set(v, o);
      }
      for (const i of group) {
        const o = byValue.get(keyOf(i.c).value);
        if (o !== undefined) found.set(i.index, o);
      }
    }),
  );
  return found;
};

/** The first item of each key value, and the items that share it. */
export const byKeyValue = (items: readonly Item[], keyOf: (c: Conversation) => UniqueKey): Map<string, Item[]> => {
  const groups = new Map<string, Item[]>();
  for (const i of items) {
    const k = keyOf(i.c);
    const name = `${k.idProperty}\n${k.value}`;
    groups.set(name, [...(groups.get(name) ?? []), i]);
  }
  return groups;
};

export const unique = <A>(xs: readonly A[]): A[] => [...new Set(xs)];
