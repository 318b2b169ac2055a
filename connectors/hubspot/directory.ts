/**
 * The connector's memory of HubSpot owners and companies, so deliveries do not repeat lookups:
 * an agent's owner id is looked up once (a miss is remembered for a while: the agent may get a
 * HubSpot seat later), and the company of a domain is found or made by one delivery at a time,
 * which keeps chats of one domain arriving together from making two companies. HubSpot's search
 * sees a new company only seconds after it is made
 * (https://developers.hubspot.com/docs/api/crm/search), so a company made here is remembered by
 * its domain instead of searched for again.
 */
import { emailDomain } from '../../src/domain/mapping';

export interface DirectoryCalls {
  readonly ownerByEmail: (email: string) => Promise<string | undefined>;
  readonly companiesByDomain: (domain: string) => Promise<readonly string[]>;
  readonly createCompany: (properties: Readonly<Record<string, string>>) => Promise<string>;
}

export interface DirectoryOptions {
  readonly now: () => number;
  /** How long "no HubSpot owner has this email" is believed. */
  readonly ownerMissTtlMs: number;
  /** How long a company found or made for a domain is used without searching again. */
  readonly companyTtlMs: number;
}

export const DIRECTORY_DEFAULTS: DirectoryOptions = { now: Date.now, ownerMissTtlMs: 10 * 60_000, companyTtlMs: 60 * 60_000 };

/** Enough for every agent and many company domains; the oldest entry goes first beyond it. */
const MAX_ENTRIES = 10_000;

const remember = <V>(map: Map<string, V>, key: string, value: V): void => {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
};

/** HubSpot owner ids are numbers; anything with an @ is an email to look up. */
const isEmail = (user: string) => user.includes('@');

export const createDirectory = (calls: DirectoryCalls, options: DirectoryOptions = DIRECTORY_DEFAULTS) => {
  const owners = new Map<string, { readonly id: string | undefined; readonly until: number }>();
  const ownerLookups = new Map<string, Promise<string | undefined>>();

  const ownerOf = (user: string): Promise<string | undefined> => {
    const wanted = user.trim();
    if (!isEmail(wanted)) return Promise.resolve(wanted);
    const email = wanted.toLowerCase();
    // An address that has no domain cannot be a HubSpot user's.
    if (emailDomain(email) === undefined) return Promise.resolve(undefined);
    const known = owners.get(email);
    if (known !== undefined && known.until > options.now()) return Promise.resolve(known.id);
    const pending = ownerLookups.get(email);
    if (pending !== undefined) return pending;
    const lookup = calls.ownerByEmail(email).then(
      (id) => {
        remember(owners, email, { id, until: id === undefined ? options.now() + options.ownerMissTtlMs : Number.POSITIVE_INFINITY });
        ownerLookups.delete(email);
        return id;
      },
      (e: unknown) => {
        ownerLookups.delete(email);
        throw e;
      },
    );
    ownerLookups.set(email, lookup);
    return lookup;
  };

  const companies = new Map<string, { readonly id: string; readonly until: number }>();
  /** The last lookup of each domain: the next one waits for it (one at a time per domain). */
  const companyTurns = new Map<string, Promise<unknown>>();

  const companyOf = (domain: string, name: string, create: boolean): Promise<string | undefined> => {
    const turn = async (): Promise<string | undefined> => {
      const known = companies.get(domain);
      if (known !== undefined && known.until > options.now()) return known.id;
      const [found] = await calls.companiesByDomain(domain);
      const id = found ?? (create ? await calls.createCompany({ name, domain }) : undefined);
      if (id !== undefined) remember(companies, domain, { id, until: options.now() + options.companyTtlMs });
      return id;
    };
    const before = companyTurns.get(domain) ?? Promise.resolve();
    const run = before.then(turn, turn);
    companyTurns.set(domain, run);
    const forget = () => {
      if (companyTurns.get(domain) === run) companyTurns.delete(domain);
    };
    run.then(forget, forget);
    return run;
  };

  return { ownerOf, companyOf };
};
