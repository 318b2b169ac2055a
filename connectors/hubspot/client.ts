/**
 * The only code that talks to HubSpot: a thin wrapper over `@hubspot/api-client` that puts a
 * timeout on every call, decodes what we rely on, and turns the "not found" and "already
 * exists" answers into values. Everything else is thrown and classified by `fromHubspotError`.
 */
import { Client } from '@hubspot/api-client';
import { agentFor, send } from '../../src/net/http-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes';
import { AssociationSpecAssociationCategoryEnum as TicketAssociationCategory } from '@hubspot/api-client/lib/codegen/crm/tickets';
import { PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/companies';
import { PublicOwnerTypeEnum } from '@hubspot/api-client/lib/codegen/crm/owners';
import { AssociationSpecAssociationCategoryEnum as ContactAssociationCategory } from '@hubspot/api-client/lib/codegen/crm/contacts';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { datedPaths, type ApiVersion } from './api-version';
import { batchCallsOf } from './batch-calls';
import { createLimiter, type Limiter, type Slot } from './limiter';
import {
  asHttpError,
  fromHubspotError,
  HubspotRateLimited,
  HubspotTimeout,
  uniqueConflictOf,
  type Properties,
  type ReadProperties,
} from './mappers';

export type CrmObjectType = 'contacts' | 'tickets';

/** https://developers.hubspot.com/docs/api/crm/associations (SDK `AssociationTypes`): HUBSPOT_DEFINED, unlabelled. */
export const ASSOCIATION = {
  noteToContact: 202,
  noteToTicket: 228,
  ticketToContact: 16,
  contactToCompany: 279,
  ticketToCompany: 339,
} as const;

export interface AssociationTarget {
  readonly id: string;
  readonly associationTypeId: number;
}

/** A new record, or the refusal of a duplicate unique value with the existing record's id when HubSpot named it. */
export type Created =
  | { readonly created: true; readonly id: string }
  | { readonly created: false; readonly existingId: string | undefined; readonly refusal: Error };

export interface ReadObject {
  readonly id: string;
  readonly properties: ReadProperties;
  /** Ids of associated notes (only when asked for). */
  readonly noteIds: readonly string[];
  /** Ids of associated contacts (only when asked for). */
  readonly contactIds: readonly string[];
  /** Ids of associated companies (only when asked for). */
  readonly companyIds: readonly string[];
}

/** What `npm run setup` needs to know of a property (https://developers.hubspot.com/docs/api/crm/properties). */
export interface PropertyInfo {
  readonly name: string;
  readonly hasUniqueValue: boolean;
  /** `modificationMetadata.readOnlyValue`: HubSpot computes it, an API write is refused. */
  readonly readOnlyValue: boolean;
}

export interface Pipeline {
  readonly id: string;
  readonly displayOrder: number;
  readonly stages: readonly { readonly id: string; readonly displayOrder: number }[];
}

export interface Account {
  readonly portalId: number;
  /** `https://{uiDomain}` (`app.hubspot.com`, `app-eu1.hubspot.com`), or a configured origin. */
  readonly uiOrigin: string;
}

/** Either a HubSpot object id, or the value of a unique property (`email`, `chat_conversation_id`). */
export type ObjectKey = { readonly id: string } | { readonly idProperty: string; readonly value: string };

/** `uiDomain` is a bare host (https://developers.hubspot.com/docs/api/settings/account-information-api). */
const AccountDetails = t.type({ portalId: t.number, uiDomain: t.string });
const UI_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
const PropertyValues = t.record(t.string, t.union([t.string, t.null]));

/** A non-success answer of `apiRequest`, shaped like the SDK's ApiException so one classifier fits both. */
class RawApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    super(`HTTP-Code: ${code}`);
  }
}

/** Rate-limit headers as every HubSpot answer carries them (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines). */
const Answer = t.type({ httpStatusCode: t.number, headers: t.record(t.string, t.string) });

const headerNumber = (headers: Readonly<Record<string, string>>, name: string): number | undefined => {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key]?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
};

const observeAnswer = (limiter: Limiter, status: number, headers: Readonly<Record<string, string>>): void =>
  limiter.observe(
    {
      max: headerNumber(headers, 'x-hubspot-ratelimit-max'),
      remaining: headerNumber(headers, 'x-hubspot-ratelimit-remaining'),
      intervalMs: headerNumber(headers, 'x-hubspot-ratelimit-interval-milliseconds'),
    },
    status === 429,
  );

/** Calls that would wait longer than this for room in the window are not sent (the job is rescheduled). */
export const MAX_WAIT_MS = 250;

/**
 * The SDK's retry and limiter decorators are process-global: each `new Client()` replaces them
 * for every client (`ApiDecoratorService` in the SDK's lib/src/services). So every client is built with the same options,
 * and one per base URL and token is kept for the life of the process, with the one limiter that
 * paces that app. SDK retries stay off (`numberOfApiCallRetries: 0`) because they ignore
 * `Retry-After` and sleep up to 10 s × n on a 429 inside our webhook deadline; the SDK's
 * Bottleneck limiter stays off because it only spaces calls and cannot tell the pipeline when to
 * come back. A middleware hands every answer's rate-limit headers, errors included, to our limiter.
 */
interface SharedClient {
  readonly hs: Client;
  readonly limiter: Limiter;
  readonly accessToken: string;
  readonly basePath: string;
  readonly apiVersion: ApiVersion;
}

const clients = new Map<string, SharedClient>();
/** HubSpot limits an app (its token), whatever the API version: one limiter per base URL and token. */
const limiters = new Map<string, Limiter>();
const sharedClient = (accessToken: string, basePath: string, apiVersion: ApiVersion): SharedClient => {
  const app = `${basePath}\n${accessToken}`;
  const key = `${app}\n${apiVersion}`;
  const existing = clients.get(key);
  if (existing !== undefined) return existing;
  const limiter = limiters.get(app) ?? createLimiter({ now: Date.now, maxWaitMs: MAX_WAIT_MS });
  limiters.set(app, limiter);
  const post = (ctx: unknown): unknown => {
    const answer = Answer.decode(ctx);
    if (!isLeft(answer)) observeAnswer(limiter, answer.right.httpStatusCode, answer.right.headers);
    return ctx;
  };
  // Given an `httpAgent`, the SDK sends through node:http(s) instead of the global fetch
  // (`sendBufferedRequest` in the SDK's lib/src/services/http/Transport.js; `httpAgent` in its
  // IConfiguration), which spent about a third of a new lead's CPU in fetch's streams. Our own
  // client's keep-alive agent keeps connections alive between calls, as fetch's pool did.
  const hs = new Client({
    accessToken,
    basePath,
    httpAgent: agentFor(basePath),
    numberOfApiCallRetries: 0,
    middleware: [datedPaths(basePath, apiVersion), { pre: (ctx: unknown) => ctx, post }],
  });
  const shared = { hs, limiter, accessToken, basePath, apiVersion };
  clients.set(key, shared);
  return shared;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const notFoundToUndefined = <A>(e: unknown): A | undefined => {
  if (asHttpError(e)?.status === 404) return undefined;
  throw e;
};

const associatedIds = (
  associations: Readonly<Record<string, { readonly results: readonly { readonly id: string }[] }>> | undefined,
  type: string,
): string[] => associations?.[type]?.results.map((r) => r.id) ?? [];

const keyArgs = (key: ObjectKey): [string, string | undefined] => ('id' in key ? [key.id, undefined] : [key.value, key.idProperty]);

const decodeProperties = (value: unknown): ReadProperties => {
  const decoded = PropertyValues.decode(value);
  if (isLeft(decoded)) throw new TypeError('HubSpot returned object properties that are not strings');
  return decoded.right;
};

/** Room for `n` calls, waiting at most MAX_WAIT_MS in all; else not sent, with when to come back. */
const admitted = async (limiter: Limiter, n: number, operation: string): Promise<readonly Slot[]> => {
  let waited = 0;
  for (;;) {
    const admission = limiter.admit(n);
    if (admission.ok) {
      if (admission.waitMs > 0) await sleep(admission.waitMs);
      return admission.slots;
    }
    if (waited + admission.retryAfterMs > MAX_WAIT_MS) throw new HubspotRateLimited(operation, admission.retryAfterMs);
    await sleep(admission.retryAfterMs);
    waited += admission.retryAfterMs;
  }
};

const callsOf = ({ hs, limiter, accessToken, basePath, apiVersion }: SharedClient, timeoutMs: number, prepaid: Slot[]) => {
  const api = (type: CrmObjectType) => (type === 'contacts' ? hs.crm.contacts : hs.crm.tickets);
  const associationSpec = (associationTypeId: number) => ({
    associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
    associationTypeId,
  });

  /**
   * One paced call with a timeout. The SDK has no cancellation, so a late answer is ignored
   * rather than aborted; its place in the window is kept until one interval after it settles.
   */
  const timed = async <A>(operation: string, run: () => Promise<A>): Promise<A> => {
    const slot = prepaid.shift() ?? (await admitted(limiter, 1, operation))[0];
    return new Promise<A>((resolve, reject) => {
      const timer = setTimeout(() => {
        slot?.done();
        reject(new HubspotTimeout(operation, timeoutMs));
      }, timeoutMs);
      run().then(
        (value) => {
          slot?.done();
          clearTimeout(timer);
          resolve(value);
        },
        (e: unknown) => {
          slot?.done();
          clearTimeout(timer);
          if (asHttpError(e)?.status === 429) {
            const failure = fromHubspotError(e, operation);
            if (failure?.kind === 'transient' && failure.retryAfterMs !== undefined) limiter.backOff(failure.retryAfterMs);
          }
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  };

  return {
    /** HubSpot's batch endpoints, paced like every call (batch-calls.ts). */
    ...batchCallsOf(hs, timed),

    /**
     * Portal id and UI domain (EU portals: `app-eu1.hubspot.com`). No SDK wrapper exists for this
     * endpoint, and the SDK's generic `apiRequest` goes through the global fetch, which would be
     * loaded for this one call; so it is sent with our own client.
     */
    account: () =>
      timed('read account details', async (): Promise<Account> => {
        const url = `${basePath.replace(/\/+$/, '')}/account-info/${apiVersion}/details`;
        const res = await send(
          { method: 'GET', url, headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } },
          timeoutMs,
        );
        observeAnswer(limiter, res.status, res.headers);
        let body: unknown = res.text;
        try {
          body = JSON.parse(res.text);
        } catch {
          // A non-JSON error page keeps its text for the error message.
        }
        if (res.status !== 200) throw new RawApiError(res.status, body, { ...res.headers });
        const decoded = AccountDetails.decode(body);
        if (isLeft(decoded)) throw new TypeError('HubSpot account details lack portalId or uiDomain');
        if (!UI_HOST.test(decoded.right.uiDomain))
          throw new TypeError('HubSpot account details name a uiDomain that is not a host name: set HUBSPOT_UI_DOMAIN');
        return { portalId: decoded.right.portalId, uiOrigin: `https://${decoded.right.uiDomain.toLowerCase()}` };
      }),

    /** A contact or ticket with the given properties, and its associated note/contact ids when asked. */
    read: (
      type: CrmObjectType,
      key: ObjectKey,
      properties: readonly string[],
      associations: readonly ('notes' | 'contacts' | 'companies')[] = [],
    ) =>
      timed(`read ${type}`, async (): Promise<ReadObject | undefined> => {
        const [id, idProperty] = keyArgs(key);
        const found = await api(type)
          .basicApi.getById(id, [...properties], undefined, associations.length > 0 ? [...associations] : undefined, false, idProperty)
          .catch(notFoundToUndefined<never>);
        if (found === undefined) return undefined;
        return {
          id: found.id,
          properties: decodeProperties(found.properties),
          noteIds: associatedIds(found.associations, 'notes'),
          contactIds: associatedIds(found.associations, 'contacts'),
          companyIds: associatedIds(found.associations, 'companies'),
        };
      }),

    /**
     * Creates a contact or ticket, with its associations inline. When `uniqueProperty` (email or
     * chat_conversation_id) already holds the value, HubSpot refuses the create atomically, so two
     * writers never make two records; that refusal is answered with the id HubSpot named, if any.
     */
    create: (type: CrmObjectType, properties: Properties, uniqueProperty: string, to: readonly AssociationTarget[] = []) =>
      timed(`create ${type}`, async (): Promise<Created> => {
        try {
          const made =
            type === 'contacts'
              ? await hs.crm.contacts.basicApi.create({
                  properties: { ...properties },
                  associations: to.map((a) => ({
                    to: { id: a.id },
                    types: [{ associationCategory: ContactAssociationCategory.HubspotDefined, associationTypeId: a.associationTypeId }],
                  })),
                })
              : await hs.crm.tickets.basicApi.create({
                  properties: { ...properties },
                  associations: to.map((a) => ({
                    to: { id: a.id },
                    types: [{ associationCategory: TicketAssociationCategory.HubspotDefined, associationTypeId: a.associationTypeId }],
                  })),
                });
          return { created: true, id: made.id };
        } catch (e) {
          const conflict = uniqueConflictOf(e, uniqueProperty);
          if (conflict === undefined) throw e;
          return { created: false, existingId: conflict.existingId, refusal: e instanceof Error ? e : new Error(String(e)) };
        }
      }),

    /** `false` when the object no longer exists. */
    update: (type: CrmObjectType | 'notes', id: string, properties: Properties) =>
      timed(`update ${type}`, async () => {
        const target = type === 'notes' ? hs.crm.objects.notes : api(type);
        const done = await target.basicApi.update(id, { properties: { ...properties } }).catch(notFoundToUndefined<never>);
        return done !== undefined;
      }),

    /** A note created already attached (a note without associations is invisible in HubSpot's UI). */
    createNote: (properties: Properties, to: readonly AssociationTarget[]) =>
      timed('create note', async () => {
        const note = await hs.crm.objects.notes.basicApi.create({
          properties: { ...properties },
          associations: to.map((a) => ({ to: { id: a.id }, types: [associationSpec(a.associationTypeId)] })),
        });
        return note.id;
      }),

    /** Note bodies by id; ids HubSpot no longer has are left out (207 partial answers). */
    readNotes: (ids: readonly string[]) =>
      timed('read notes', async () => {
        const res = await hs.crm.objects.notes.batchApi.read({
          inputs: ids.slice(0, 100).map((id) => ({ id })),
          properties: ['hs_note_body'],
          propertiesWithHistory: [],
        });
        return res.results.map((n) => ({ id: n.id, body: decodeProperties(n.properties).hs_note_body ?? '' }));
      }),

    /** Idempotent: associating twice leaves one association. */
    associateTicketWithContact: (ticketId: string, contactId: string) =>
      timed('associate ticket with contact', async () => {
        await hs.crm.associations.v4.basicApi.createDefault('tickets', ticketId, 'contacts', contactId);
      }),

    /** Idempotent: the default (unlabelled) association of a contact or ticket with a company. */
    associateWithCompany: (type: CrmObjectType, id: string, companyId: string) =>
      timed(`associate ${type} with company`, async () => {
        await hs.crm.associations.v4.basicApi.createDefault(type, id, 'companies', companyId);
      }),

    /**
     * The active owner (a HubSpot user) with this email, if any
     * (https://developers.hubspot.com/docs/api/crm/owners: `GET /crm/owners/{version}?email=`).
     * A person-owner is preferred over a queue; archived owners are not asked for.
     */
    ownerByEmail: (email: string) =>
      timed('find owner by email', async (): Promise<string | undefined> => {
        const page = await hs.crm.owners.ownersApi.getPage(email, undefined, 100, false);
        const wanted = email.trim().toLowerCase();
        const matches = page.results.filter((o) => o.email?.trim().toLowerCase() === wanted && !o.archived);
        return (matches.find((o) => o.type === PublicOwnerTypeEnum.Person) ?? matches[0])?.id;
      }),

    /** Companies whose `domain` is exactly this (HubSpot search sees writes only after a few seconds). */
    companiesByDomain: (domain: string) =>
      timed('search companies by domain', async (): Promise<string[]> => {
        const res = await hs.crm.companies.searchApi.doSearch({
          filterGroups: [{ filters: [{ propertyName: 'domain', operator: FilterOperatorEnum.Eq, value: domain }] }],
          properties: ['domain', 'name'],
          limit: 10,
        });
        // The oldest (lowest id) first: when a portal already holds duplicates, every delivery picks the same one.
        return res.results.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
      }),

    createCompany: (properties: Properties) =>
      timed('create company', async () => {
        const made = await hs.crm.companies.basicApi.create({ properties: { ...properties }, associations: [] });
        return made.id;
      }),

    ticketPipelines: () =>
      timed('read ticket pipelines', async (): Promise<Pipeline[]> => {
        const res = await hs.crm.pipelines.pipelinesApi.getAll('tickets');
        return res.results
          .filter((p) => !p.archived)
          .map((p) => ({
            id: p.id,
            displayOrder: p.displayOrder,
            stages: p.stages.filter((s) => !s.archived).map((s) => ({ id: s.id, displayOrder: s.displayOrder })),
          }));
      }),

    property: (type: CrmObjectType, name: string) =>
      timed(`read ${type} property ${name}`, async (): Promise<PropertyInfo | undefined> => {
        const p = await hs.crm.properties.coreApi.getByName(type, name).catch(notFoundToUndefined<never>);
        // Absent metadata is unknown, not read-only: the write itself will say.
        return p === undefined
          ? undefined
          : { name: p.name, hasUniqueValue: p.hasUniqueValue === true, readOnlyValue: p.modificationMetadata?.readOnlyValue === true };
      }),

    /** `'exists'` when HubSpot already has a property of that name (409). */
    createUniqueTextProperty: (
      type: CrmObjectType,
      def: { readonly name: string; readonly label: string; readonly description: string; readonly groupName: string },
    ) =>
      timed(`create ${type} property ${def.name}`, async (): Promise<'created' | 'exists'> => {
        try {
          await hs.crm.properties.coreApi.create(type, {
            ...def,
            type: PropertyCreateTypeEnum.String,
            fieldType: PropertyCreateFieldTypeEnum.Text,
            hasUniqueValue: true,
          });
          return 'created';
        } catch (e) {
          if (asHttpError(e)?.status === 409) return 'exists';
          throw e;
        }
      }),

    /** Cheapest call that needs contact read access. */
    probeContacts: () =>
      timed('list contacts', async () => {
        await hs.crm.contacts.basicApi.getPage(1);
      }),
  };
};

/** The calls, each paced by the app's limiter; the first ones use `prepaid` slots. */
export type HubspotCalls = ReturnType<typeof callsOf>;

export const createHubspotClient = (options: {
  readonly accessToken: string;
  readonly baseUrl: string;
  readonly apiVersion: ApiVersion;
  readonly timeoutMs: number;
}) => {
  const shared = sharedClient(options.accessToken, options.baseUrl, options.apiVersion);

  /**
   * Runs `f` with `n` calls admitted up front, so an operation that needs them all does not stop
   * half way and waste its first calls; calls beyond `n` are admitted one by one, and those `f`
   * did not make are given back.
   */
  const reserving = async <A>(n: number, operation: string, f: (client: HubspotCalls) => Promise<A>): Promise<A> => {
    const prepaid = [...(await admitted(shared.limiter, n, operation))];
    try {
      return await f(callsOf(shared, options.timeoutMs, prepaid));
    } finally {
      for (const slot of prepaid.splice(0)) slot.release();
    }
  };

  return { ...callsOf(shared, options.timeoutMs, []), reserving };
};

export type HubspotClient = ReturnType<typeof createHubspotClient>;
