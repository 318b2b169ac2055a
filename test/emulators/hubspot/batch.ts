/**
 * HubSpot's batch endpoints, under the dated paths
 * (https://developers.hubspot.com/docs/api-reference/2026-03/crm/objects/contacts/batch/upsert-contacts and the
 * create, read and update pages beside it; v4 associations
 * https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/get-associations):
 *
 * - at most 100 inputs a call, else 400 for the whole batch and nothing is written;
 * - the same id (or idProperty value) twice in one batch: 400 for the whole batch;
 * - per-input failures answer 207 Multi-Status with `results` and `errors` only when every input
 *   carries an `objectWriteTraceId` ("Multi-status errors",
 *   https://developers.hubspot.com/docs/api-reference/error-handling); each error names its input
 *   in `context.objectWriteTraceId` (or, for unknown ids, `context.ids`). Without trace ids the
 *   first refused input fails the whole batch and nothing of it is kept (a taken email: 409
 *   "Contact already exists. Existing ID: N", HubSpot/hubspot-api-python#51). A taken unique
 *   value under trace ids is answered here as an error of its input; HubSpot does not document
 *   which it does then, and the connector's tests inject the whole-batch 409 as well;
 * - results come in no promised order (HubSpot does not document one): they are sent reversed
 *   here, so a client that pairs them by position fails its tests.
 *
 * Whole-batch 5xx/429 come from the emulator's injected faults (index.ts), like every other call.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { HubspotError, notFound, validation, type Reply } from './errors';
import type { RecordedRequest } from './index';
import type { Route } from './routes';
import { associationTypeId, isObjectType, type AssociationInput, type ObjectType, type PortalState, type StoredObject } from './state';

/** The documented limit of every batch endpoint we emulate. */
export const BATCH_LIMIT = 100;

export const decode = <A>(codec: t.Decoder<unknown, A>, value: unknown): A => {
  const result = codec.decode(value);
  if (isLeft(result)) throw validation('Invalid input JSON: the batch body does not have the documented shape');
  return result.right;
};

const Properties = t.record(t.string, t.string);
const Associations = t.array(
  t.type({ to: t.type({ id: t.string }), types: t.array(t.type({ associationCategory: t.string, associationTypeId: t.number })) }),
);
const Traced = t.partial({ objectWriteTraceId: t.string });
const CreateBody = t.type({
  inputs: t.array(t.intersection([t.type({ properties: Properties }), t.partial({ associations: Associations }), Traced])),
});
const UpdateBody = t.type({
  inputs: t.array(t.intersection([t.type({ id: t.string, properties: Properties }), t.partial({ idProperty: t.string }), Traced])),
});
const ReadBody = t.intersection([
  t.type({ inputs: t.array(t.type({ id: t.string })) }),
  t.partial({ properties: t.array(t.string), idProperty: t.string }),
]);

export const WRITE: Readonly<Record<ObjectType, string>> = {
  contacts: 'crm.objects.contacts.write',
  tickets: 'tickets',
  notes: 'crm.objects.contacts.write',
  companies: 'crm.objects.companies.write',
};
export const READ: Readonly<Record<ObjectType, string>> = {
  contacts: 'crm.objects.contacts.read',
  tickets: 'tickets',
  notes: 'crm.objects.contacts.read',
  companies: 'crm.objects.companies.read',
};
export const scope =
  (table: Readonly<Record<ObjectType, string>>, ...keys: string[]) =>
  (params: Readonly<Record<string, string>>) =>
    keys.flatMap((k) => {
      const type = params[k] ?? '';
      return isObjectType(type) ? [table[type]] : [];
    });

export const typeOf = (params: Readonly<Record<string, string>>, key = 'type'): ObjectType => {
  const type = params[key] ?? '';
  if (!isObjectType(type)) throw notFound(`Unable to infer object type from: ${type}`);
  return type;
};

/** HubSpot's answer to a batch over its limit (the whole batch is refused). */
export const checkSize = (n: number): void => {
  if (n > BATCH_LIMIT) throw validation(`Batch input cannot exceed ${BATCH_LIMIT} inputs (got ${n}).`);
};

/**
 * The same id (or unique value) twice in one batch is refused whole, and retrying does not help
 * (segmentio/action-destinations#3969 met it on batch upsert); the wording here is unverified.
 */
export const checkDuplicates = (ids: readonly string[]): void => {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  if (twice.size > 0) throw validation(`Duplicate IDs found in batch input: [${[...twice].join(', ')}]. IDs must be unique`);
};

const objectJson = (object: StoredObject, properties?: readonly string[], traceId?: string) => ({
  id: object.id,
  properties:
    properties === undefined
      ? { ...object.properties }
      : Object.fromEntries(['hs_object_id', ...properties].map((n) => [n, object.properties[n] ?? null])),
  createdAt: object.createdAt.toISOString(),
  updatedAt: object.updatedAt.toISOString(),
  archived: false,
  ...(traceId === undefined ? {} : { objectWriteTraceId: traceId }),
});

export const envelope = (results: unknown[], errors: unknown[], started: Date, okStatus: number): Reply => ({
  status: errors.length > 0 ? 207 : okStatus,
  body: {
    status: 'COMPLETE',
    results: [...results].reverse(),
    ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    startedAt: started.toISOString(),
    completedAt: new Date().toISOString(),
  },
});

/** One input's failure in a 207, as the "Multi-status errors" example lays it out. */
const inputError = (e: HubspotError, context: Record<string, string[]>) => ({
  status: 'error',
  category: typeof e.body.category === 'string' ? e.body.category : 'VALIDATION_ERROR',
  message: e.message,
  context,
  errors: Array.isArray(e.body.errors) ? e.body.errors : [],
  links: {},
});

const allTraced = (inputs: readonly { readonly objectWriteTraceId?: string }[]) =>
  inputs.length > 0 && inputs.every((i) => i.objectWriteTraceId !== undefined);

export const batchRoutes = (state: PortalState): Route[] => {
  const enforceCreateRules = (version: string, type: ObjectType, properties: Readonly<Record<string, string>>) => {
    if (version < '2026-09') return;
    const missing = [...state.requiredOnCreate[type]].filter((name) => (properties[name] ?? '').trim() === '');
    if (missing.length > 0)
      throw new HubspotError(400, {
        status: 'error',
        message: 'The property values provided are invalid',
        category: 'VALIDATION_ERROR',
        errors: missing.map((name) => ({
          code: 'MISSING_REQUIRED_PROPERTY',
          message: `A value for ${name} must be provided`,
          context: { propertyName: [name] },
        })),
      });
  };

  const associationsOf = (from: ObjectType, input: t.TypeOf<typeof Associations> | undefined): AssociationInput[] =>
    (input ?? []).flatMap((a) =>
      a.types.map((spec) => {
        const to = (['contacts', 'tickets', 'notes', 'companies'] as const).find(
          (candidate) => associationTypeId(from, candidate) === spec.associationTypeId,
        );
        if (to === undefined) throw validation(`association type id ${spec.associationTypeId} doesn't exist for ${from}`);
        return { toType: to, toId: a.to.id, typeId: spec.associationTypeId };
      }),
    );

  /**
   * Runs `write` for each input: with trace ids, a refused input becomes an error of the 207;
   * without, the first refusal undoes what this batch made and fails it whole.
   */
  const each = <I extends { readonly objectWriteTraceId?: string }>(
    inputs: readonly I[],
    write: (input: I) => { object: StoredObject; made: boolean; extra?: Record<string, unknown> },
    missingContext: (input: I) => Record<string, string[]>,
  ) => {
    const traced = allTraced(inputs);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const made: StoredObject[] = [];
    for (const input of inputs) {
      try {
        const { object, made: isNew, extra } = write(input);
        if (isNew) made.push(object);
        results.push({ ...objectJson(object, undefined, input.objectWriteTraceId), ...extra });
      } catch (e) {
        if (!(e instanceof HubspotError)) throw e;
        if (e.status === 404) {
          errors.push(inputError(e, missingContext(input)));
          continue;
        }
        if (!traced) {
          for (const object of made) state.archive(object.type, object.id);
          throw e;
        }
        errors.push(inputError(e, { objectWriteTraceId: [input.objectWriteTraceId ?? ''] }));
      }
    }
    return { results, errors };
  };

  return [
    {
      method: 'POST',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/batch\/create$/,
      scopes: scope(WRITE, 'type'),
      handle: (req) => {
        const started = new Date();
        const type = typeOf(req.params);
        const { inputs } = decode(CreateBody, req.body);
        checkSize(inputs.length);
        const { results, errors } = each(
          inputs,
          (input) => {
            enforceCreateRules(req.version, type, input.properties);
            return { object: state.create(type, input.properties, associationsOf(type, input.associations)), made: true };
          },
          () => ({}),
        );
        return envelope(results, errors, started, 201);
      },
    },
    {
      method: 'POST',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/batch\/update$/,
      scopes: scope(WRITE, 'type'),
      handle: (req) => {
        const started = new Date();
        const type = typeOf(req.params);
        const { inputs } = decode(UpdateBody, req.body);
        checkSize(inputs.length);
        checkDuplicates(inputs.map((i) => i.id));
        const { results, errors } = each(
          inputs,
          (input) => {
            const object = state.find(type, input.id, input.idProperty);
            if (object === undefined) throw notFound(`Object not found: ${input.id}`);
            return { object: state.update(type, object, input.properties), made: false };
          },
          (input) => ({ ids: [input.id] }),
        );
        return envelope(results, errors, started, 200);
      },
    },
    {
      method: 'POST',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/batch\/upsert$/,
      scopes: scope(WRITE, 'type'),
      handle: (req) => {
        const started = new Date();
        const type = typeOf(req.params);
        const { inputs } = decode(UpdateBody, req.body);
        checkSize(inputs.length);
        checkDuplicates(inputs.map((i) => `${i.idProperty ?? 'hs_object_id'}=${i.id}`));
        const { results, errors } = each(
          inputs,
          (input) => {
            const idProperty = input.idProperty ?? 'hs_object_id';
            const existing = state.find(type, input.id, idProperty);
            if (existing !== undefined)
              return { object: state.update(type, existing, input.properties), made: false, extra: { new: false } };
            if (idProperty === 'hs_object_id') throw notFound(`No ${type} with ID ${input.id} exists`);
            enforceCreateRules(req.version, type, input.properties);
            return { object: state.create(type, { ...input.properties, [idProperty]: input.id }), made: true, extra: { new: true } };
          },
          (input) => ({ ids: [input.id] }),
        );
        return envelope(results, errors, started, 200);
      },
    },
    {
      method: 'POST',
      pattern: /^\/crm\/objects\/(?<version>\d{4}-\d{2})\/(?<type>[^/]+)\/batch\/read$/,
      scopes: scope(READ, 'type'),
      handle: (req) => {
        const started = new Date();
        const type = typeOf(req.params);
        const body = decode(ReadBody, req.body);
        checkSize(body.inputs.length);
        checkDuplicates(body.inputs.map((i) => i.id));
        const results: unknown[] = [];
        const missing: string[] = [];
        for (const { id } of body.inputs) {
          const object = state.find(type, id, body.idProperty);
          if (object === undefined) missing.push(id);
          else results.push(objectJson(object, body.properties ?? []));
        }
        const errors =
          missing.length === 0
            ? []
            : [
                {
                  status: 'error',
                  category: 'OBJECT_NOT_FOUND',
                  message: `Could not get some ${type.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
                  context: { ids: missing },
                  errors: [],
                  links: {},
                },
              ];
        return envelope(results, errors, started, 200);
      },
    },
  ];
};

/** Calls per endpoint (ids in paths folded to `{id}`), for tests that count what a batch cost. */
export const callCounts = (requests: readonly RecordedRequest[]): Readonly<Record<string, number>> => {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    const key = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

/** All calls but the once-per-process account read. */
export const apiCalls = (requests: readonly RecordedRequest[]): number =>
  requests.filter((r) => !r.path.startsWith('/account-info/')).length;
