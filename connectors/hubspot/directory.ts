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

/** What a batch of deliveries needs: many domains in one search, the missing ones made in one call (batch.ts). */
export interface BatchDirectoryCalls {
  readonly companiesByDomains: (domains: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  /** The companies made, by domain; a domain HubSpot refused is absent. */
  readonly createCompanies: (
    companies: readonly { readonly name: string; readonly domain: string }[],
  ) => Promise<ReadonlyMap<string, string>>;
}

export interface CompanyWanted {
  readonly domain: string;
  readonly name: string;
  readonly create: boolean;
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

  /**
   * The company of each domain for a batch: remembered ones cost nothing, the others one search
   * and (for those to create) one batch create, whatever their number. Single deliveries of these
   * domains wait for it (their turn), so they find what it made instead of making another.
   */
  const companiesFor = async (batch: BatchDirectoryCalls, wanted: readonly CompanyWanted[]): Promise<Map<string, string | undefined>> => {
    const out = new Map<string, string | undefined>();
    const unknown = new Map<string, CompanyWanted>();
    for (const w of wanted) {
      const known = companies.get(w.domain);
      if (known !== undefined && known.until > options.now()) out.set(w.domain, known.id);
      else {
        const before = unknown.get(w.domain);
        unknown.set(w.domain, { ...w, create: w.create || before?.create === true });
      }
    }
    if (unknown.size === 0) return out;
    const domains = [...unknown.keys()];
    const turn = async () => {
      // A single delivery's turn may have just found or made some of them.
      const cached = (d: string) => {
        const known = companies.get(d);
        return known !== undefined && known.until > options.now() ? known.id : undefined;
      };
      for (const d of domains) if (cached(d) !== undefined) out.set(d, cached(d));
      const asked = domains.filter((d) => cached(d) === undefined);
      if (asked.length === 0) return;
      const found = await batch.companiesByDomains(asked);
      const toMake = [...unknown.values()].filter((w) => asked.includes(w.domain) && !found.has(w.domain) && w.create);
      const made =
        toMake.length === 0
          ? new Map<string, string>()
          : await batch.createCompanies(toMake.map((w) => ({ name: w.name, domain: w.domain })));
      for (const domain of asked) {
        const id = found.get(domain) ?? made.get(domain);
        if (id !== undefined) remember(companies, domain, { id, until: options.now() + options.companyTtlMs });
        out.set(domain, id);
      }
    };
    const before = Promise.all(domains.map((d) => companyTurns.get(d) ?? Promise.resolve()));
    const run = before.then(turn, turn);
    for (const d of domains) companyTurns.set(d, run);
    const forget = () => {
      for (const d of domains) if (companyTurns.get(d) === run) companyTurns.delete(d);
    };
    run.then(forget, forget);
    await run;
    return out;
  };

  return { ownerOf, companyOf, companiesFor };
};
