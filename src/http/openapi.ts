/**
 * The OpenAPI 3.1 description of what this app serves (https://spec.openapis.org/oas/v3.1.0),
 * built from the routes themselves: every router path, and every registered platform's webhook
 * with its extra routes. A route without a description here is listed with
 * `x-undocumented: true`, which the test of this document refuses.
 */
import { errorCatalogue, errorCodes, type ErrorCode } from '../domain/errors';
import type { ChatSource } from '../domain/source';

/** What the document needs of a router: @koa/router's `stack` fits it. */
export interface RouteList {
  readonly stack: readonly { readonly path: string | RegExp; readonly methods: readonly string[] }[];
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type Operation = { readonly summary: string; readonly responses: Readonly<Record<string, Json>>; readonly [key: string]: Json };

const html = (description: string) => ({ description, content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } } });
const json = (description: string, schema: Json) => ({ description, content: { 'application/json': { schema } } });

/** One response per status, naming every catalogue code it can carry. */
const errors = (...given: readonly ErrorCode[]): Record<string, Json> => {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of given) byStatus.set(errorCatalogue[code].status, [...(byStatus.get(errorCatalogue[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      json(list.map((c) => `\`${c}\`: ${errorCatalogue[c].message}`).join('\n\n'), { $ref: '#/components/schemas/Error' }),
    ]),
  );
};

const WEBHOOK_ERRORS: readonly ErrorCode[] = [
  'MALFORMED_BODY',
  'MISSING_DATA_FIELD',
  'MALFORMED_JSON',
  'INVALID_QUERY',
  'MISSING_SIGNATURE',
  'INVALID_SIGNATURE',
  'WEBHOOK_SECRET_NOT_SET',
  'UNKNOWN_WEBHOOK_TOKEN',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_CONTENT_TYPE',
  'INVALID_PAYLOAD',
  'SERVICE_UNAVAILABLE',
];

const Health: Json = {
  type: 'object',
  required: ['status', 'attention', 'storage', 'crm', 'worker', 'queue'],
  properties: {
    status: { enum: ['ok', 'unavailable'] },
    attention: { type: ['boolean', 'null'], description: 'true while steps are failing or dead (the status page says "needs attention")' },
    storage: { type: 'object', properties: { kind: { enum: ['sqlite', 'postgres'] }, ok: { type: 'boolean' }, error: { type: 'string' } } },
    crm: { type: 'string' },
    worker: {
      type: 'object',
      properties: {
        running: { type: 'boolean' },
        inFlight: { type: 'integer' },
        lastTickAt: { type: ['string', 'null'], format: 'date-time' },
      },
    },
    queue: {
      type: ['object', 'null'],
      properties: {
        ...Object.fromEntries(
          ['pending', 'running', 'dead', 'done', 'expired', 'failing'].map((k): [string, Json] => [k, { type: 'integer' }]),
        ),
        oldestPendingAgeMs: { type: ['integer', 'null'] },
      },
    },
  },
};

/** Router routes by `METHOD path` (Koa syntax). */
const described: Readonly<Record<string, Operation>> = {
  'GET /': { summary: 'Forwards to /status', responses: { '302': { description: 'to /status' } } },
  'GET /r/:source/:id': {
    summary: 'The stable return link of one conversation',
    description:
      'Forwards to the CRM record once it exists (or the CRM person a lookup found); until then a page of its steps, without personal data.',
    responses: {
      '302': { description: 'to the CRM record' },
      '200': html("the conversation's steps while it is on its way"),
      '404': html('no such conversation'),
    },
  },
  'GET /records/:id': {
    summary: 'A record of the built-in local CRM',
    description: 'The id is a 128-bit random value: the page shows the transcript and the visitor.',
    responses: { '200': html('the record'), '404': html('no such record') },
  },
  'GET /status': {
    summary: 'The service status page',
    description: 'Says "needs attention" while steps fail or are dead, or the CRM check fails; counts only.',
    responses: { '200': html('the status') },
  },
  'GET /healthz': {
    summary: 'Liveness, storage and queue',
    responses: { '200': json('up', Health), '503': json('the storage does not answer', Health) },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    description: 'The Prometheus text format (prom-client). Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set.',
    security: [{}, { metricsToken: [] }],
    responses: {
      '200': { description: 'the metrics', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } },
      ...errors('METRICS_UNAUTHORIZED'),
    },
  },
  'GET /openapi.json': { summary: 'This document', responses: { '200': json('OpenAPI 3.1', { type: 'object' }) } },
};

/** The operator console's pages (its own helper lists them in detail); HTTP Basic, user `admin`. */
const consolePage = (method: string): Operation => ({
  summary: method === 'GET' ? 'Operator console page' : 'Operator console action (with its CSRF token)',
  security: [{ adminPassword: [] }],
  responses: {
    '200': html('the page'),
    '303': { description: 'after an action' },
    '401': { description: 'wrong or no password (WWW-Authenticate: Basic)' },
  },
});

const pathParameters = (template: string): Json[] =>
  [...template.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1] ?? '', in: 'path', required: true, schema: { type: 'string' } }));

const webhookOperation = (source: ChatSource, method: string, path: string): Operation => ({
  summary:
    path === '' && method === 'POST' ? `${source.name} webhook` : `${source.name}: ${method} ${path === '' ? 'on the webhook URL' : path}`,
  description:
    path === '' && method === 'POST'
      ? `The platform's own payload, signature verified over the raw bytes (src/sources/${source.name}/README.md). ${source.answerMode === 'sync' ? 'Answers once its steps are done or the sync deadline passes.' : 'Answered as soon as it is stored.'}`
      : `Called by ${source.name} (src/sources/${source.name}/README.md).`,
  tags: ['webhooks'],
  ...(method === 'POST' ? { requestBody: { required: true, content: { '*/*': { schema: {} } } } } : {}),
  responses: {
    '200': { description: 'the answer the platform expects', content: { '*/*': { schema: {} } } },
    ...errors(...WEBHOOK_ERRORS),
  },
});

export const openApiDocument = (input: {
  readonly routers: readonly RouteList[];
  readonly sources: readonly ChatSource[];
}): Record<string, Json> => {
  const paths: Record<string, Record<string, Json>> = {};
  const add = (template: string, method: string, operation: Operation) => {
    const entry = (paths[template] ??= {});
    const parameters = pathParameters(template);
    entry[method.toLowerCase()] = {
      ...operation,
      ...(parameters.length === 0 ? {} : { parameters }),
      responses: { ...operation.responses, ...errors('INTERNAL') },
    };
  };
  for (const source of input.sources) {
    const routes = [{ method: 'POST', path: '' }, ...(source.routes ?? [])];
    for (const route of routes)
      add(`/webhooks/${source.name}/{token}${route.path}`, route.method, webhookOperation(source, route.method, route.path));
  }
  for (const router of input.routers)
    for (const layer of router.stack) {
      if (typeof layer.path !== 'string') continue;
      const template = layer.path.replace(/:(\w+)/g, '{$1}');
      for (const method of layer.methods) {
        if (method === 'HEAD') continue;
        const known = described[`${method} ${layer.path}`];
        add(
          template,
          method,
          known ??
            (layer.path === '/admin' || layer.path.startsWith('/admin/')
              ? consolePage(method)
              : { summary: `${method} ${layer.path}`, 'x-undocumented': true, responses: {} }),
        );
      }
    }
  return {
    openapi: '3.1.0',
    info: {
      title: 'chat2crm',
      version: '1',
      description:
        'Turns live-chat transcripts into CRM leads and cases. Every error is `{"error": {"code", "message"}}` with a code of the Error schema. Webhook URLs carry a secret token as a path segment (printed at start-up), compared in constant time before the body is read.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [{ name: 'webhooks', description: 'Called by the chat platforms' }],
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { enum: errorCodes }, message: { type: 'string' } },
            },
          },
        },
      },
      securitySchemes: {
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
        adminPassword: { type: 'http', scheme: 'basic', description: 'user `admin`, password ADMIN_PASSWORD' },
      },
    },
  };
};
