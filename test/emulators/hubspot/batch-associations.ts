/**
 * HubSpot's v4 association batches under the dated path `/crm/associations/{version}/…`
 * (https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/get-associations):
 * a record with no associations of that type is left out of `results` and named in a 207's
 * errors; at most 100 inputs, the same id twice refused whole (batch.ts).
 */
import * as t from 'io-ts';
import { validation } from './errors';
import { READ, WRITE, checkDuplicates, checkSize, decode, envelope, scope, typeOf } from './batch';
import type { Route } from './routes';
import { associationTypeId, type PortalState } from './state';

const IdsBody = t.type({ inputs: t.array(t.type({ id: t.string })) });
const PairsBody = t.type({ inputs: t.array(t.type({ from: t.type({ id: t.string }), to: t.type({ id: t.string }) })) });

export const associationBatchRoutes = (state: PortalState): Route[] => [
  {
    method: 'POST',
    pattern: /^\/crm\/associations\/(?<version>\d{4}-\d{2})\/(?<from>[^/]+)\/(?<to>[^/]+)\/batch\/read$/,
    scopes: scope(READ, 'from', 'to'),
    handle: (req) => {
      const started = new Date();
      const from = typeOf(req.params, 'from');
      const to = typeOf(req.params, 'to');
      const { inputs } = decode(IdsBody, req.body);
      checkSize(inputs.length);
      checkDuplicates(inputs.map((i) => i.id));
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const { id } of inputs) {
        const found = state.objects[from].has(id) ? state.associations(from, id, to) : undefined;
        if (found === undefined || found.length === 0) {
          missing.push(id);
          continue;
        }
        results.push({
          from: { id },
          to: found.map((a) => ({
            toObjectId: Number(a.id),
            associationTypes: a.typeIds.map((typeId) => ({ category: 'HUBSPOT_DEFINED', typeId, label: null })),
          })),
        });
      }
      const errors =
        missing.length === 0
          ? []
          : [
              {
                status: 'error',
                category: 'OBJECT_NOT_FOUND',
                message: `No ${to} are associated with these ${from}`,
                context: { fromIds: missing },
                errors: [],
                links: {},
              },
            ];
      return envelope(results, errors, started, 200);
    },
  },
  {
    method: 'POST',
    pattern: /^\/crm\/associations\/(?<version>\d{4}-\d{2})\/(?<from>[^/]+)\/(?<to>[^/]+)\/batch\/associate\/default$/,
    scopes: scope(WRITE, 'from', 'to'),
    handle: (req) => {
      const started = new Date();
      const from = typeOf(req.params, 'from');
      const to = typeOf(req.params, 'to');
      const typeId = associationTypeId(from, to);
      const reverse = associationTypeId(to, from);
      if (typeId === undefined || reverse === undefined) throw validation(`No default association exists between ${from} and ${to}`);
      const { inputs } = decode(PairsBody, req.body);
      checkSize(inputs.length);
      for (const pair of inputs) state.associate(from, pair.from.id, to, pair.to.id, typeId);
      const spec = (id: number) => ({ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: id });
      return envelope(
        inputs.flatMap((pair) => [
          { from: { id: pair.from.id }, to: { id: pair.to.id }, associationSpec: spec(typeId) },
          { from: { id: pair.to.id }, to: { id: pair.from.id }, associationSpec: spec(reverse) },
        ]),
        [],
        started,
        200,
      );
    },
  },
];
