/**
 * The HubSpot endpoints chat2crm calls, under their date-versioned paths
 * (https://developers.hubspot.com/docs/api-reference/2026-03/overview: `/crm/objects/2026-03/…`),
 * with the exact success codes of HubSpot's API reference: the SDK accepts only the one
 * documented code per endpoint and throws on any other. Each pattern's `version` is checked
 * against the versions served (index.ts) before a route runs.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { missingRequired, notFound, validation, type Reply } from './errors';
import {
  DEFAULT_READ_PROPERTIES,
  OBJECT_TYPE_IDS,
  associationLabel,
  associationTypeId,
  isObjectType,
  type ObjectType,
  type PortalState,
  type StoredObject,
} from './state';

export interface RouteRequest {
  /** The date version in the path (`2026-03`, `2026-09`). */
  readonly version: string;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly params: Readonly<Record<string, string>>;
}

export interface Account {
  readonly portalId: number;
  readonly uiDomain: string;
  readonly dataHostingLocation: string;
}

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** The scopes a token needs for this call (403 MISSING_SCOPES otherwise). */
  readonly scopes: (params: Readonly<Record<string, string>>) => readonly string[];
  /** Search has its own limit and is exempt from the ten-secondly one (https://developers.hubspot.com/docs/api/crm/search). */
  readonly search?: boolean;
  readonly handle: (req: RouteRequest) => Reply;
}

const decode = <A>(codec: t.Decoder<unknown, A>, value: unknown): A => {
  const result = codec.decode(value);
  if (isLeft(result))
    throw validation(
      `Invalid input JSON: ${result.left
        .map(
          (e) =>
            e.context
              .map((c) => c.key)
              .filter((k) => k !== '')
              .join('.') || '(body)',
        )
        .join(', ')}`,
    );
  return result.right;
};

const Properties = t.record(t.string, t.string);
const AssociationTypesInput = t.array(t.type({ associationCategory: t.string, associationTypeId: t.number }));
const CreateBody = t.intersection([
  t.type({ properties: Properties }),
  t.partial({ associations: t.array(t.type({ to: t.type({ id: t.string }), types: AssociationTypesInput })) }),
]);
const UpdateBody = t.type({ properties: Properties });
const Filter = t.intersection([
  t.type({ propertyName: t.string, operator: t.string }),
  t.partial({ value: t.string, values: t.array(t.string) }),
]);
const SearchBody = t.partial({
  filterGroups: t.array(t.type({ filters: t.array(Filter) })),
  properties: t.array(t.string),
  limit: t.number,
  after: t.string,
});
const PropertyCreateBody = t.intersection([
  t.type({ name: t.string, label: t.string, type: t.string, fieldType: t.string, groupName: t.string }),
  t.partial({ hasUniqueValue: t.boolean, description: t.string }),
]);

const objectType = (params: Readonly<Record<string, string>>, key = 'type'): ObjectType => {
  const type = params[key] ?? '';
  if (!isObjectType(type)) throw notFound(`Unable to infer object type from: ${type}`);
  return type;
};

/** `?properties=a&properties=b` and `?properties=a,b` are both accepted by HubSpot. */
const listParam = (query: URLSearchParams, name: string): string[] =>
  query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

const objectJson = (object: StoredObject, properties?: readonly string[]) => {
  const wanted =
    properties === undefined ? Object.keys(object.properties) : [...new Set([...DEFAULT_READ_PROPERTIES[object.type], ...properties])];
  return {
    id: object.id,
    properties: Object.fromEntries(wanted.map((name) => [name, object.properties[name] ?? null])),
    createdAt: object.createdAt.toISOString(),
    updatedAt: object.updatedAt.toISOString(),
    archived: false,
  };
};

const batchEnvelope = (results: unknown[], started: Date, errors: unknown[] = []) => ({
  status: 'COMPLETE',
  results,
  ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
  startedAt: started.toISOString(),
  completedAt: new Date().toISOString(),
});

const WRITE_SCOPES: Readonly<Record<ObjectType, string>> = {
  contacts: 'crm.objects.contacts.write',
  tickets: 'tickets',
  notes: 'crm.objects.contacts.write',
  companies: 'crm.objects.companies.write',
};
const READ_SCOPES: Readonly<Record<ObjectType, string>> = {
  contacts: 'crm.objects.contacts.read',
  tickets: 'tickets',
  notes: 'crm.objects.contacts.read',
  companies: 'crm.objects.companies.read',
};
/** Reading property definitions (https://developers.hubspot.com/docs/api/crm/properties). */
const SCHEMA_READ_SCOPES: Readonly<Record<ObjectType, string>> = {
  contacts: 'crm.schemas.contacts.read',
  tickets: 'tickets',
  notes: 'crm.schemas.contacts.read',
  companies: 'crm.schemas.companies.read',
};
const typeScope =
  (table: Readonly<Record<ObjectType, string>>, key = 'type') =>
  (params: Readonly<Record<string, string>>) => {
    const type = params[key] ?? '';
    return isObjectType(type) ? [table[type]] : [];
  };

const matches = (properties: Readonly<Record<string, string>>, filter: t.TypeOf<typeof Filter>): boolean => {
  const actual = properties[filter.propertyName];
  const norm = (v: string | undefined) => (filter.propertyName === 'email' || filter.propertyName === 'domain' ? v?.toLowerCase() : v);
  switch (filter.operator) {
    case 'EQ':
      return actual !== undefined && norm(actual) === norm(filter.value);
    case 'NEQ':
      return norm(actual) !== norm(filter.value);
    case 'IN':
      return actual !== undefined && (filter.values ?? []).map(norm).includes(norm(actual));
    case 'HAS_PROPERTY':
      return actual !== undefined && actual !== '';
    case 'NOT_HAS_PROPERTY':
      return actual === undefined || actual === '';
    case 'CONTAINS_TOKEN':
      return (
        actual !== undefined && filter.value !== undefined && actual.toLowerCase().includes(filter.value.replace(/\*/g, '').toLowerCase())
      );
    default:
      throw validation(`Unsupported filter operator ${filter.operator}`);
  }
};

export const buildRoutes = (state: PortalState, account: Account): Route[] => {
  /** Version 2026-09 applies the portal's Create Record rules to API creates; 2026-03 does not. */
  const enforceCreateRules = (version: string, type: ObjectType, properties: Readonly<Record<string, string>>) => {
    if (version < '2026-09') return;
    const missing = [...state.requiredOnCreate[type]].filter((name) => (properties[name] ?? '').trim() === '');
    if (missing.length > 0) throw missingRequired(missing);
  };

  const mustFind = (type: ObjectType, id: string, idProperty?: string): StoredObject => {
    const object = state.find(type, id, idProperty);
    if (object === undefined) throw notFound(`Object not found.  objectId are usually numeric.`);
    return object;
  };

  return [
    {
      // https://developers.hubspot.com/docs/api/settings/account-information-api
      method: 'GET',
      pattern: /^\/account-info\/(?<version>\d{4}-\d{2})\/details$/,
      scopes: () => [],
      handle: () => ({
        status: 200,
        body: {
          portalId: account.portalId,
          accountType: 'STANDARD',
          timeZone: 'US/Eastern',
          companyCurrency: 'USD',
          additionalCurrencies: [],
          utcOffset: '-05:00',
          utcOffsetMilliseconds: -18_000_000,
          uiDomain: account.uiDomain,
          dataHostingLocation: account.dataHostingLocation,
        },
      }),
    },
    {
      method: 'POST',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/search$/,
      scopes: typeScope(READ_SCOPES),
      search: true,
      handle: (req) => {
        const type = objectType(req.params);
        const body = decode(SearchBody, req.body);
        const limit = Math.min(body.limit ?? 10, 200);
        const offset = Number(body.after ?? '0');
        const groups = body.filterGroups ?? [];
        const hits: { object: StoredObject; seen: Readonly<Record<string, string>> }[] = [];
        for (const object of state.list(type)) {
          const seen = state.searchable(object);
          if (seen === undefined) continue;
          if (groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(seen, f)))) hits.push({ object, seen });
        }
        const page = hits.slice(offset, offset + limit);
        const wanted = body.properties ?? DEFAULT_READ_PROPERTIES[type];
        return {
          status: 200,
          body: {
            total: hits.length,
            results: page.map(({ object, seen }) => ({
              ...objectJson(object, []),
              properties: Object.fromEntries([...new Set([...DEFAULT_READ_PROPERTIES[type], ...wanted])].map((n) => [n, seen[n] ?? null])),
            })),
            ...(offset + limit < hits.length ? { paging: { next: { after: String(offset + limit) } } } : {}),
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)$/,
      scopes: typeScope(WRITE_SCOPES),
      handle: (req) => {
        const type = objectType(req.params);
        const body = decode(CreateBody, req.body);
        enforceCreateRules(req.version, type, body.properties);
        return { status: 201, body: objectJson(state.create(type, body.properties, toAssociations(type, body.associations))) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)$/,
      scopes: typeScope(READ_SCOPES),
      handle: (req) => {
        const type = objectType(req.params);
        const limit = Math.min(Number(req.query.get('limit') ?? '10'), 100);
        const offset = Number(req.query.get('after') ?? '0');
        const all = state.list(type);
        const wanted = listParam(req.query, 'properties');
        return {
          status: 200,
          body: {
            results: all.slice(offset, offset + limit).map((o) => objectJson(o, wanted)),
            ...(offset + limit < all.length ? { paging: { next: { after: String(offset + limit) } } } : {}),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/(?<id>[^/]+)$/,
      scopes: typeScope(READ_SCOPES),
      handle: (req) => {
        const type = objectType(req.params);
        const object = mustFind(type, req.params.id ?? '', req.query.get('idProperty') ?? undefined);
        const associations: Record<string, unknown> = {};
        // HubSpot leaves out association types with no results (SimplePublicObjectWithAssociations).
        for (const to of listParam(req.query, 'associations')) {
          if (!isObjectType(to)) continue;
          const found = state.associations(type, object.id, to);
          if (found.length > 0) associations[to] = { results: found.map((a) => ({ id: a.id, type: associationLabel(type, to) })) };
        }
        return {
          status: 200,
          body: {
            ...objectJson(object, listParam(req.query, 'properties')),
            ...(Object.keys(associations).length > 0 ? { associations } : {}),
          },
        };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/(?<id>[^/]+)$/,
      scopes: typeScope(WRITE_SCOPES),
      handle: (req) => {
        const type = objectType(req.params);
        const object = mustFind(type, req.params.id ?? '', req.query.get('idProperty') ?? undefined);
        return { status: 200, body: objectJson(state.update(type, object, decode(UpdateBody, req.body).properties)) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/(?<id>[^/]+)$/,
      scopes: typeScope(WRITE_SCOPES),
      handle: (req) => {
        state.archive(objectType(req.params), req.params.id ?? '');
        return { status: 204 };
      },
    },
    {
      // https://developers.hubspot.com/docs/api/crm/associations (v4 "default" association)
      method: 'PUT',
      pattern:
        /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<from>[^/]+)\/(?<fromId>[^/]+)\/associations\/default\/(?<to>[^/]+)\/(?<toId>[^/]+)$/,
      scopes: (p) => [...typeScope(WRITE_SCOPES, 'from')(p), ...typeScope(WRITE_SCOPES, 'to')(p)],
      handle: (req) => {
        const started = new Date();
        const from = objectType(req.params, 'from');
        const to = objectType(req.params, 'to');
        const typeId = associationTypeId(from, to);
        const reverse = associationTypeId(to, from);
        if (typeId === undefined || reverse === undefined) throw validation(`No default association exists between ${from} and ${to}`);
        state.associate(from, req.params.fromId ?? '', to, req.params.toId ?? '', typeId);
        const spec = (id: number) => ({ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: id });
        return {
          status: 200,
          body: batchEnvelope(
            [
              { from: { id: req.params.fromId }, to: { id: req.params.toId }, associationSpec: spec(typeId) },
              { from: { id: req.params.toId }, to: { id: req.params.fromId }, associationSpec: spec(reverse) },
            ],
            started,
          ),
        };
      },
    },
    {
      method: 'PUT',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<from>[^/]+)\/(?<fromId>[^/]+)\/associations\/(?<to>[^/]+)\/(?<toId>[^/]+)$/,
      scopes: (p) => [...typeScope(WRITE_SCOPES, 'from')(p), ...typeScope(WRITE_SCOPES, 'to')(p)],
      handle: (req) => {
        const from = objectType(req.params, 'from');
        const to = objectType(req.params, 'to');
        const specs = decode(AssociationTypesInput, req.body);
        for (const spec of specs) state.associate(from, req.params.fromId ?? '', to, req.params.toId ?? '', spec.associationTypeId);
        return {
          status: 201,
          body: {
            fromObjectTypeId: OBJECT_TYPE_IDS[from],
            fromObjectId: Number(req.params.fromId),
            toObjectTypeId: OBJECT_TYPE_IDS[to],
            toObjectId: Number(req.params.toId),
            labels: [],
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<from>[^/]+)\/(?<fromId>[^/]+)\/associations\/(?<to>[^/]+)$/,
      scopes: (p) => [...typeScope(READ_SCOPES, 'from')(p), ...typeScope(READ_SCOPES, 'to')(p)],
      handle: (req) => {
        const from = objectType(req.params, 'from');
        const to = objectType(req.params, 'to');
        mustFind(from, req.params.fromId ?? '');
        return {
          status: 200,
          body: {
            results: state.associations(from, req.params.fromId ?? '', to).map((a) => ({
              toObjectId: Number(a.id),
              associationTypes: a.typeIds.map((typeId) => ({ category: 'HUBSPOT_DEFINED', typeId, label: null })),
            })),
          },
        };
      },
    },
    {
      // https://developers.hubspot.com/docs/api/crm/properties
      method: 'POST',
      pattern: /^\/crm\/properties\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)$/,
      scopes: (p) => (p.type === 'tickets' ? ['tickets'] : ['crm.schemas.contacts.write']),
      handle: (req) => {
        const type = objectType(req.params);
        const body = decode(PropertyCreateBody, req.body);
        const created = state.createProperty(type, {
          ...body,
          description: body.description ?? '',
          hasUniqueValue: body.hasUniqueValue ?? false,
        });
        return { status: 201, body: propertyJson(created) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/crm\/properties\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/(?<name>[^/]+)$/,
      scopes: typeScope(SCHEMA_READ_SCOPES),
      handle: (req) => ({ status: 200, body: propertyJson(state.getProperty(objectType(req.params), req.params.name ?? '')) }),
    },
    {
      // https://developers.hubspot.com/docs/api/crm/owners: the `email` filter; archived owners are a separate list.
      method: 'GET',
      pattern: /^\/crm\/owners\/(?<version>\d{4}-\d{2})\/?$/,
      scopes: () => ['crm.objects.owners.read'],
      handle: (req) => {
        const email = req.query.get('email')?.trim().toLowerCase();
        const archived = req.query.get('archived') === 'true';
        const limit = Math.min(Number(req.query.get('limit') ?? '100'), 500);
        const matching = state.owners.filter(
          (o) => o.archived === archived && (email === undefined || email === '' || o.email.toLowerCase() === email),
        );
        return {
          status: 200,
          body: {
            results: matching.slice(0, limit).map((o) => ({
              id: o.id,
              email: o.email,
              firstName: o.firstName,
              lastName: o.lastName,
              userId: o.userId,
              userIdIncludingInactive: o.userId,
              type: o.type,
              archived: o.archived,
              createdAt: EPOCH,
              updatedAt: EPOCH,
            })),
          },
        };
      },
    },
    {
      // https://developers.hubspot.com/docs/api/crm/pipelines
      method: 'GET',
      pattern: /^\/crm\/pipelines\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)$/,
      scopes: () => ['tickets'],
      handle: (req) => {
        if (objectType(req.params) !== 'tickets') throw notFound('Only ticket pipelines are emulated');
        return { status: 200, body: { results: state.pipelines.map(pipelineJson) } };
      },
    },
  ];

  function toAssociations(from: ObjectType, input: t.TypeOf<typeof CreateBody>['associations']) {
    return (input ?? []).flatMap((a) =>
      a.types.map((spec) => {
        const to = (['contacts', 'tickets', 'notes', 'companies'] as const).find(
          (candidate) => associationTypeId(from, candidate) === spec.associationTypeId,
        );
        if (to === undefined) throw validation(`association type id ${spec.associationTypeId} doesn't exist for ${from}`);
        return { toType: to, toId: a.to.id, typeId: spec.associationTypeId };
      }),
    );
  }
};

const EPOCH = new Date(0).toISOString();

const propertyJson = (p: ReturnType<PortalState['getProperty']>) => ({
  name: p.name,
  label: p.label,
  type: p.type,
  fieldType: p.fieldType,
  groupName: p.groupName,
  description: p.description,
  options: p.options.map((o, i) => ({ label: o.label, value: o.value, displayOrder: i, hidden: false })),
  hasUniqueValue: p.hasUniqueValue,
  hubspotDefined: p.hubspotDefined,
  modificationMetadata: { archivable: !p.hubspotDefined, readOnlyDefinition: p.hubspotDefined, readOnlyValue: p.readOnlyValue },
  formField: false,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
  archived: false,
});

const pipelineJson = (p: PortalState['pipelines'][number]) => ({
  id: p.id,
  label: p.label,
  displayOrder: p.displayOrder,
  archived: false,
  createdAt: EPOCH,
  updatedAt: EPOCH,
  stages: p.stages.map((s) => ({
    id: s.id,
    label: s.label,
    displayOrder: s.displayOrder,
    archived: false,
    createdAt: EPOCH,
    updatedAt: EPOCH,
    metadata: { ticketState: s.id === '4' ? 'CLOSED' : 'OPEN' },
    writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
  })),
});
