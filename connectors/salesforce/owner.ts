/**
 * `owner` of MAPPING_FILE on Salesforce: who a new Lead or Case belongs to. An email is looked up
 * among active Users inside the read the connector already makes, and cached, so a known agent
 * costs no lookup.
 */
import type { Log } from '../../src/domain/log';
import type { MappedFields } from '../../src/domain/mapping';
import type { Subrequest, SubResult } from './client';
import { QueryResult, soqlString } from './mappers';
import { byField, inQueries, rowsOf } from './soql-in';

/** Salesforce's header that keeps an active assignment rule from replacing the OwnerId we set (headers_autoassign.htm). */
export const NO_AUTO_ASSIGN: Readonly<Record<string, string>> = { 'Sforce-Auto-Assign': 'FALSE' };

/** Who should own a new record: a user id as given, or an email to look up among active Users. */
export type OwnerWanted = { readonly kind: 'id'; readonly id: string } | { readonly kind: 'email'; readonly email: string };

export const ownerWanted = (fields: MappedFields | undefined): OwnerWanted | undefined => {
  const rule = fields?.owner;
  if (rule === undefined || rule.kind === 'none') return undefined;
  const who = rule.kind === 'agent' ? fields?.operatorEmail : rule.user;
  if (who === undefined || who.trim() === '') return undefined;
  return who.includes('@') ? { kind: 'email', email: who.trim().toLowerCase() } : { kind: 'id', id: who.trim() };
};

/** A found User is kept an hour; "no active User with this email" ten minutes, so a new hire is soon found. */
export const OWNER_HIT_MS = 60 * 60_000;
export const OWNER_MISS_MS = 10 * 60_000;

/** Active Users by email, so a known agent costs no lookup per delivery. */
export class OwnerCache {
  private readonly entries = new Map<string, { readonly id: string | undefined; readonly until: number }>();
  constructor(private readonly now: () => number = Date.now) {}
  /** `{ known: false }` when a lookup is needed. */
  get(email: string): { readonly known: true; readonly id: string | undefined } | { readonly known: false } {
    const entry = this.entries.get(email);
    if (entry === undefined || entry.until <= this.now()) return { known: false };
    return { known: true, id: entry.id };
  }
  set(email: string, id: string | undefined): void {
    this.entries.set(email, { id, until: this.now() + (id === undefined ? OWNER_MISS_MS : OWNER_HIT_MS) });
  }
}

const OWNER_REF = 'owner';

export interface Owners {
  /** The User lookup to add to a read, when the owner is an email not already cached. */
  reads(wanted: OwnerWanted | undefined): Subrequest[];
  /** The OwnerId for a new record: the given id, the cached User, or the one the read found (then cached). */
  resolve(wanted: OwnerWanted | undefined, results: readonly SubResult[]): string | undefined;
  /** For a batch: one `Email IN (…)` look-up of the emails not cached (none when all are). */
  batchReads(wanted: readonly (OwnerWanted | undefined)[], inUri: boolean): OwnerLookup;
  /** For a batch: each input's OwnerId, from the cache or the look-up (whose answers are cached). */
  batchResolve(wanted: readonly (OwnerWanted | undefined)[], lookup: OwnerLookup, results: readonly SubResult[]): (string | undefined)[];
}

/** What a batch's owner look-up asked for. */
export interface OwnerLookup {
  readonly emails: readonly string[];
  readonly requests: readonly Subrequest[];
}

const OWNERS_REF = 'owners';

export const createOwners = (log: Log, cache = new OwnerCache()): Owners => ({
  batchReads: (wanted, inUri) => {
    const emails = [...new Set(wanted.flatMap((w) => (w?.kind === 'email' && !cache.get(w.email).known ? [w.email] : [])))];
    return { emails, requests: inQueries(OWNERS_REF, 'SELECT Id, Email FROM User WHERE IsActive = true AND', 'Email', emails, inUri) };
  },
  batchResolve: (wanted, lookup, results) => {
    if (lookup.emails.length > 0) {
      const rows = rowsOf(results, OWNERS_REF, lookup.requests.length);
      if (rows === undefined)
        log.warn(
          { emails: lookup.emails.length },
          'could not look up the owners among Salesforce Users (read access on User needed): those records get no owner from chat2crm',
        );
      else {
        const found = byField(rows, 'Email', (e) => e.toLowerCase());
        for (const email of lookup.emails) {
          const id = found.get(email)?.['Id'];
          cache.set(email, typeof id === 'string' && id !== '' ? id : undefined);
        }
      }
    }
    return wanted.map((w) => {
      if (w === undefined) return undefined;
      if (w.kind === 'id') return w.id;
      const cached = cache.get(w.email);
      return cached.known ? cached.id : undefined;
    });
  },
  reads: (wanted) =>
    wanted?.kind === 'email' && !cache.get(wanted.email).known
      ? [
          {
            method: 'GET',
            referenceId: OWNER_REF,
            url: `/query?q=${encodeURIComponent(`SELECT Id FROM User WHERE IsActive = true AND Email = ${soqlString(wanted.email)} LIMIT 1`)}`,
          },
        ]
      : [],
  resolve: (wanted, results) => {
    if (wanted === undefined) return undefined;
    if (wanted.kind === 'id') return wanted.id;
    const cached = cache.get(wanted.email);
    if (cached.known) return cached.id;
    const hit = results.find((r) => r.referenceId === OWNER_REF);
    const decoded = hit === undefined || hit.status >= 400 ? undefined : QueryResult.decode(hit.body);
    if (decoded === undefined || decoded._tag === 'Left') {
      log.warn(
        { status: hit?.status },
        'could not look up the owner among Salesforce Users (read access on User needed): the record gets no owner from chat2crm',
      );
      return undefined;
    }
    const id = decoded.right.records[0]?.['Id'];
    const found = typeof id === 'string' && id !== '' ? id : undefined;
    cache.set(wanted.email, found);
    return found;
  },
});
