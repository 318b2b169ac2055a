import type { Action } from './record';
import type { Conversation } from './conversation';
import type { CrmRecord } from './record';
import { applyFields } from './mapping/evaluate';

/**
 * The built-in local CRM keeps people as HubSpot and Salesforce do: one person per email
 * address. A lead is the person's record, and every conversation the visitor has is added to
 * that one lead; a case stays one per conversation, linked to the person. A visitor without an
 * email is nobody we can recognise again: each of their conversations gets a record of its own.
 */

/** What an upsert did to the record, so that its history can say it. */
export type LocalChange = 'created' | 'added' | 'updated';

/** One conversation as a local record holds it. */
export interface LocalConversation {
  /** `<source>:<conversation id>`. */
  readonly key: string;
  readonly conversation: Conversation;
  readonly addedAt: Date;
  readonly updatedAt: Date;
}

/** Another record of the same person: the lead of a case, the cases of a lead. */
export interface LocalRelated {
  readonly id: string;
  readonly action: Action;
  readonly createdAt: Date;
}

/** A record of the built-in local CRM. */
export interface LocalRecord {
  readonly id: string;
  readonly action: Action;
  /** The person's email (lower case); absent for a visitor who gave none. */
  readonly email?: string;
  /** The conversation updated last (the newest of `conversations`). */
  readonly conversation: Conversation;
  /** Every conversation of the record, the one updated last first; a case has exactly one. */
  readonly conversations: readonly LocalConversation[];
  /** The person's other records, oldest first. */
  readonly related: readonly LocalRelated[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** One line per update: when, and what changed. */
  readonly history: readonly { readonly at: Date; readonly change: string }[];
  /** MAPPING_FILE's fields as written on the record, by record kind (`lead`, `case`, `contact`); `{}` when none. */
  readonly fields: LocalFields;
}

/** Field name → value, by record kind. */
export type LocalFields = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** What a delivery brings to write: values by record kind, and the names that overwrite. */
export interface LocalFieldsUpdate {
  readonly values: LocalFields;
  readonly overwrite: ReadonlySet<string>;
}

/**
 * The record's fields with the update applied: each blank field filled, a filled one rewritten
 * only when its name is in `overwrite` (so what a person typed survives repeats).
 */
export const applyLocalFields = (
  current: LocalFields,
  update: LocalFieldsUpdate,
): { readonly fields: LocalFields; readonly changed: readonly string[] } => {
  const out: Record<string, Readonly<Record<string, string>>> = {};
  const changed: string[] = [];
  const kinds = new Set([...Object.keys(current), ...Object.keys(update.values)]);
  for (const kind of kinds) {
    const applied = applyFields(
      Object.hasOwn(current, kind) ? (current[kind] ?? {}) : {},
      Object.hasOwn(update.values, kind) ? (update.values[kind] ?? {}) : {},
      update.overwrite,
    );
    if (Object.keys(applied.fields).length > 0)
      Object.defineProperty(out, kind, { value: applied.fields, enumerable: true, writable: true, configurable: true });
    changed.push(...applied.changed.map((name) => `${kind}.${name}`));
  }
  return { fields: out, changed };
};

export interface LocalUpsert {
  readonly conversationKey: string;
  readonly action: Action;
  readonly conversation: Conversation;
  /** The history line for each thing the upsert may turn out to do. */
  readonly change: Readonly<Record<LocalChange, string>>;
  /** Mapped fields to apply (MAPPING_FILE); absent: the record's fields are left as they are. */
  readonly fields?: LocalFieldsUpdate;
}

/**
 * A delivery to the local CRM as a write the store makes itself: a sync webhook's `deliver` step
 * is then written in the same transaction as the transcript it delivers (store.ts `deliverHere`).
 */
export interface LocalDelivery {
  readonly upsert: LocalUpsert;
  /** The record the connector reports for the local record `id`. */
  readonly toRecord: (id: string) => CrmRecord;
}

/** Storage port of the local CRM; the service's Store implements it. */
export interface LocalRecordStore {
  /**
   * A conversation already in a record updates it. Otherwise a lead joins the lead of the
   * person with the visitor's email, when there is one, and anything else creates a record.
   */
  upsertLocalRecord(input: LocalUpsert): Promise<{ readonly id: string; readonly change: LocalChange }>;
  getLocalRecord(id: string): Promise<LocalRecord | undefined>;
  /** The person's lead, else their record updated last. */
  findLocalRecordByEmail(email: string): Promise<LocalRecord | undefined>;
}

/** The key under which a person is kept: the email, trimmed and in lower case. */
export const personEmail = (email: string | undefined): string | undefined => {
  const e = email?.trim().toLowerCase();
  return e === undefined || e === '' ? undefined : e;
};
