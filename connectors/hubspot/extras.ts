/**
 * What MAPPING_FILE adds to a HubSpot delivery (connectors/hubspot/README.md, "Mapped fields,
 * owner and company"): mapped property values, the owner of a record we create, and the company
 * the person (and a ticket) is associated with. Built once per delivery; without a mapping it
 * is NO_EXTRAS and the delivery makes exactly the calls it always made.
 */
import type { Conversation } from '../../src/domain/conversation';
import type { Action } from '../../src/domain/event';
import { applyFields, companyDomainOf, type MappedFields } from '../../src/domain/mapping';
import type { Properties, ReadProperties } from './mappers';

export interface Extras {
  /** Mapped values for the person: a lead's `lead.fields`, a case's `contact.fields`. */
  readonly person: Properties;
  /** A case's `case.fields`, for its ticket. */
  readonly ticket: Properties;
  /** Names written on every delivery; the other mapped names only fill blanks. */
  readonly overwrite: ReadonlySet<string>;
  /** The owner id of a record this delivery creates (`hubspot_owner_id`), if any; asked only before a create. */
  readonly owner: () => Promise<string | undefined>;
  /** Whether the person (and a ticket) should be associated with a company. */
  readonly companies: boolean;
  /** The company id to associate with, if one matches (or was made); asked only when an association is missing. */
  readonly company: () => Promise<string | undefined>;
}

const none = () => Promise.resolve(undefined);

export const NO_EXTRAS: Extras = { person: {}, ticket: {}, overwrite: new Set(), owner: none, companies: false, company: none };

/** Runs `f` once, on first use; a failure is kept too (the delivery fails and is retried whole). */
const once = <A>(f: () => Promise<A>): (() => Promise<A>) => {
  let p: Promise<A> | undefined;
  return () => (p ??= f());
};

export interface ExtrasDeps {
  /** The owner id for a rule's user (an email or an id), cached by the connector. */
  readonly ownerOf: (user: string) => Promise<string | undefined>;
  /** The company id for a domain, found or (when `create`) made, serialized per domain by the connector. */
  readonly companyOf: (domain: string, name: string, create: boolean) => Promise<string | undefined>;
}

export const extrasFor = (deps: ExtrasDeps, fields: MappedFields | undefined, action: Action, c: Conversation): Extras => {
  if (fields === undefined) return NO_EXTRAS;
  const user = fields.owner.kind === 'agent' ? fields.operatorEmail : fields.owner.kind === 'user' ? fields.owner.user : undefined;
  const domain = fields.company === 'off' ? undefined : companyDomainOf(c.visitor.email);
  const companyName = c.visitor.company?.trim() ?? '';
  return {
    person: action === 'lead' ? fields.lead : fields.contact,
    ticket: action === 'case' ? fields.case : {},
    overwrite: fields.overwrite,
    owner: user === undefined || user.trim() === '' ? none : once(() => deps.ownerOf(user)),
    companies: domain !== undefined,
    company:
      domain === undefined
        ? none
        : once(() => deps.companyOf(domain, companyName === '' ? domain : companyName, fields.company === 'create')),
  };
};

/** What to write of `mapped` on a record that holds `current`: blanks filled, `overwrite` names refreshed. */
export const mappedPatch = (mapped: Properties, current: ReadProperties, overwrite: ReadonlySet<string>): Record<string, string> => {
  const known: Record<string, string> = {};
  for (const [name, value] of Object.entries(current)) if (value !== null) Object.defineProperty(known, name, { value, enumerable: true });
  const { fields, changed } = applyFields(known, mapped, overwrite);
  const patch: Record<string, string> = {};
  for (const name of changed) Object.defineProperty(patch, name, { value: fields[name], enumerable: true });
  return patch;
};

/** `base` without the names `mapped` sets: a mapped field's rule (fill blank or overwrite) is its own. */
export const without = (base: Properties, mapped: Properties): Record<string, string> =>
  Object.fromEntries(Object.entries(base).filter(([name]) => !Object.hasOwn(mapped, name)));
