/**
 * The Connector port's `upsertBatch` for HubSpot: up to 100 conversations' leads and cases in a
 * constant number of calls (README.md "Batched deliveries"), instead of 2–4 calls each. The
 * batch is admitted by the app's rate limiter as one unit (its usual calls reserved up front,
 * as a single delivery's are), the companies of all its inputs are found (or made) in one
 * search and one create, and then every step is one batch call for the inputs that need it.
 *
 * One outcome per input, in order: an input HubSpot refused (a 207's error naming it) fails
 * alone, classified as the same refusal of a single call is (`fromHubspotError`); a call that
 * fails as a whole fails the inputs it was for, so a 429, 5xx or timeout fails them
 * transiently and the worker retries them.
 */
import { companyDomainOf } from '../../src/domain/mapping';
import type { UpsertInput } from '../../src/domain/connector';
import { fail, succeed, type CrmFailure, type Outcome } from '../../src/domain/outcome';
import type { CrmRecord } from '../../src/domain/record';
import { BATCH_MAX } from './batch-calls';
import { casesBatch, leadsBatch, type DeliveredCase } from './batch-records';
import { failAll, guard, type Item, type Run } from './batch-steps';
import type { Account, HubspotCalls, HubspotClient } from './client';
import type { CompanyWanted, createDirectory } from './directory';
import { NO_EXTRAS, extrasFor } from './extras';
import type { TicketPlacement } from './records';
import { UNSTATED_IN_FLIGHT } from './limiter';
import { recordUrl } from './urls';

export interface BatchDeps {
  readonly client: HubspotClient;
  readonly account: () => Promise<Account>;
  readonly placement: () => Promise<TicketPlacement>;
  readonly directory: ReturnType<typeof createDirectory>;
  readonly now: () => Date;
}

/**
 * Calls admitted up front for a batch whose inputs take the usual path (rarer paths are
 * admitted call by call): leads read contacts, create the missing ones and their notes (3), or
 * for repeats read them by id and update the notes (2); cases read contacts and tickets,
 * create both, then the notes, and read the tickets' contacts (5).
 */
export const BATCH_RESERVED = { newLeads: 3, repeatLeads: 2, cases: 5 } as const;

/**
 * At most UNSTATED_IN_FLIGHT: before any answer has stated the limits the limiter lets no more
 * out at once, and a reservation it can never grant would refuse the batch for ever; calls
 * beyond the reservation are admitted one by one.
 */
const reserveFor = (inputs: readonly UpsertInput[]): number => Math.min(UNSTATED_IN_FLIGHT, usualCalls(inputs));

const usualCalls = (inputs: readonly UpsertInput[]): number => {
  const leads = inputs.filter((i) => i.action === 'lead');
  const leadCalls =
    leads.length === 0 ? 0 : leads.some((i) => i.previous === undefined) ? BATCH_RESERVED.newLeads : BATCH_RESERVED.repeatLeads;
  return leadCalls + (inputs.some((i) => i.action === 'case') ? BATCH_RESERVED.cases : 0);
};

/** The company each input's mapping asks for, by domain (records.ts's single path asks one by one). */
const companiesWanted = (inputs: readonly UpsertInput[]): CompanyWanted[] =>
  inputs.flatMap((i) => {
    const fields = i.fields;
    const domain = fields === undefined || fields.company === 'off' ? undefined : companyDomainOf(i.conversation.visitor.email);
    if (domain === undefined || fields === undefined) return [];
    const name = i.conversation.visitor.company?.trim() ?? '';
    return [{ domain, name: name === '' ? domain : name, create: fields.company === 'create' }];
  });

const batchDirectory = (calls: HubspotCalls) => ({
  companiesByDomains: calls.companiesByDomains,
  createCompanies: async (companies: readonly { readonly name: string; readonly domain: string }[]) => {
    const written = await calls.batchCreate(
      'companies',
      companies.map((c) => ({ traceId: c.domain, properties: { name: c.name, domain: c.domain }, to: [] })),
    );
    return written.done;
  },
});

/** The inputs as items before their mapping is applied (for failing them all). */
const bare = (inputs: readonly UpsertInput[]): Item[] =>
  inputs.map((input, index) => ({ index, c: input.conversation, previous: input.previous, extras: NO_EXTRAS }));

const runBatch = async (deps: BatchDeps, inputs: readonly UpsertInput[], calls: HubspotCalls, run: Run) => {
  const wanted = companiesWanted(inputs);
  // Only the inputs that want a company fail when companies cannot be found.
  const withCompany = bare(inputs).filter((i) => {
    const input = inputs[i.index];
    return input !== undefined && companiesWanted([input]).length > 0;
  });
  const companyIds = await guard(run, withCompany, 'find companies', () => deps.directory.companiesFor(batchDirectory(calls), wanted));
  const known = companyIds ?? new Map<string, string | undefined>();
  const items: Item[] = inputs.map((input, index) => ({
    index,
    c: input.conversation,
    previous: input.previous,
    extras: extrasFor(
      { ownerOf: deps.directory.ownerOf, companyOf: (domain) => Promise.resolve(known.get(domain)) },
      input.fields,
      input.action,
      input.conversation,
    ),
  }));
  const leads = items.filter((i) => inputs[i.index]?.action === 'lead');
  const cases = items.filter((i) => inputs[i.index]?.action === 'case');
  const placement = cases.length === 0 ? undefined : await guard(run, cases, 'case placement', deps.placement);
  const [leadResults, caseResults] = await Promise.all([
    leadsBatch(run, leads),
    placement === undefined ? new Map<number, DeliveredCase>() : casesBatch(run, cases, placement),
  ]);
  return { leadResults, caseResults };
};

/** At most BATCH_MAX inputs (the caller splits larger ones). */
const upsertChunk = async (deps: BatchDeps, inputs: readonly UpsertInput[]): Promise<Outcome<CrmRecord>[]> => {
  const failures = new Map<number, CrmFailure>();
  const everyone = bare(inputs);
  let results: Awaited<ReturnType<typeof runBatch>> | undefined;
  let account: Account | undefined;
  try {
    [account, results] = await Promise.all([
      deps.account(),
      deps.client.reserving(reserveFor(inputs), `batch of ${inputs.length} upserts`, (calls) =>
        runBatch(deps, inputs, calls, { calls, now: deps.now, failures }),
      ),
    ]);
  } catch (e) {
    // Not admitted (rate limit), or the account could not be read: every input fails alike.
    failAll({ calls: deps.client, now: deps.now, failures }, everyone, e, 'batch upsert');
  }
  return inputs.map((input, index): Outcome<CrmRecord> => {
    const failure = failures.get(index);
    if (failure !== undefined) return fail(failure);
    if (account === undefined || results === undefined) throw new Error('a batch ended with neither a result nor a failure');
    if (input.action === 'lead') {
      const lead = results.leadResults.get(index);
      if (lead === undefined) throw new Error(`batch input ${index} ended with neither a result nor a failure`);
      return succeed({
        crm: 'hubspot',
        action: 'lead',
        type: 'contact',
        id: lead.contactId,
        url: recordUrl(account, 'contact', lead.contactId),
        refs: { contact: lead.contactId, ...(lead.noteId === undefined ? {} : { note: lead.noteId }) },
      });
    }
    const delivered = results.caseResults.get(index);
    if (delivered === undefined) throw new Error(`batch input ${index} ended with neither a result nor a failure`);
    return succeed({
      crm: 'hubspot',
      action: 'case',
      type: 'ticket',
      id: delivered.ticketId,
      url: recordUrl(account, 'ticket', delivered.ticketId),
      refs: {
        ticket: delivered.ticketId,
        note: delivered.noteId,
        ...(delivered.contactId === undefined ? {} : { contact: delivered.contactId }),
      },
    });
  });
};

/** Batches of at most 100 (HubSpot's limit per call), one after another. */
export const upsertBatch = async (deps: BatchDeps, inputs: readonly UpsertInput[]): Promise<Outcome<CrmRecord>[]> => {
  const out: Outcome<CrmRecord>[] = [];
  for (let start = 0; start < inputs.length; start += BATCH_MAX)
    out.push(...(await upsertChunk(deps, inputs.slice(start, start + BATCH_MAX))));
  return out;
};
