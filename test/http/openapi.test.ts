/**
 * GET /openapi.json against the app that serves it: every route of every router and every
 * registered platform's webhook routes are described (none left `x-undocumented`), and every
 * described path and method answers something other than "no such endpoint" or "method not
 * allowed" when called with valid credentials.
 */
import assert from 'node:assert/strict';
import Router from '@koa/router';
import { loadConfig } from '../../src/config';
import { silentLog } from '../../src/domain/log';
import { errorCatalogue } from '../../src/domain/errors';
import { openApiDocument } from '../../src/http/openapi';
import { createSources } from '../../src/sources/runtime';
import { removeDir, serviceEnv, startService, tempDir, type TestService } from '../support/service';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const ADMIN_PASSWORD = 'admin-password-0123456789';
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'];

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

describe('GET /openapi.json', () => {
  let service: TestService;
  let dir: string;
  let document: Record<string, unknown>;
  const env = { METRICS_TOKEN, ADMIN_PASSWORD };

  before(async () => {
    dir = tempDir();
    service = await startService(env, dir);
    const res = await fetch(`${service.url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body: unknown = await res.json();
    assert.ok(isRecord(body));
    document = body;
  });
  after(async () => {
    await service.stop();
    removeDir(dir);
  });

  const operations = (): { path: string; method: string; operation: Record<string, unknown> }[] => {
    assert.ok(isRecord(document.paths));
    return Object.entries(document.paths).flatMap(([path, item]) => {
      assert.ok(isRecord(item), path);
      return Object.entries(item).flatMap(([method, operation]) => {
        if (!METHODS.includes(method)) return [];
        assert.ok(isRecord(operation), `${method} ${path}`);
        return [{ path, method, operation }];
      });
    });
  };

  it('is OpenAPI 3.1 with the one error shape and every code of the catalogue', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.ok(isRecord(document.info) && typeof document.info.title === 'string' && typeof document.info.version === 'string');
    const schemas = isRecord(document.components) && isRecord(document.components.schemas) ? document.components.schemas : {};
    const error = schemas.Error;
    assert.ok(
      isRecord(error) && isRecord(error.properties) && isRecord(error.properties.error) && isRecord(error.properties.error.properties),
    );
    const code = error.properties.error.properties.code;
    assert.ok(isRecord(code));
    assert.deepEqual(code.enum, Object.keys(errorCatalogue));
    assert.deepEqual(error.properties.error.required, ['code', 'message']);
    for (const { path, method, operation } of operations()) {
      assert.ok(typeof operation.summary === 'string' && operation.summary.length > 0, `${method} ${path} has a summary`);
      assert.equal(
        operation['x-undocumented'],
        undefined,
        `${method.toUpperCase()} ${path} is served but not described in src/http/openapi.ts`,
      );
      assert.ok(isRecord(operation.responses) && Object.keys(operation.responses).length > 1, `${method} ${path} has responses`);
      const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = Array.isArray(operation.parameters)
        ? operation.parameters.map((p: unknown) => (isRecord(p) ? p.name : undefined))
        : [];
      assert.deepEqual(declared, params, `${method} ${path} declares its path parameters`);
    }
  });

  it("describes the public endpoints and each registered platform's webhook with its own routes", async () => {
    const paths = new Set(operations().map((o) => `${o.method.toUpperCase()} ${o.path}`));
    for (const expected of [
      'GET /r/{source}/{id}',
      'GET /records/{id}',
      'GET /status',
      'GET /healthz',
      'GET /metrics',
      'GET /openapi.json',
    ])
      assert.ok(paths.has(expected), expected);
    const loaded = loadConfig(await serviceEnv(env, dir));
    assert.ok(loaded.ok);
    for (const source of createSources(loaded.config, silentLog).values()) {
      assert.ok(paths.has(`POST /webhooks/${source.name}/{token}`), source.name);
      for (const route of source.routes ?? [])
        assert.ok(
          paths.has(`${route.method} /webhooks/${source.name}/{token}${route.path}`),
          `${source.name} ${route.method} ${route.path}`,
        );
    }
    assert.ok(
      paths.has('GET /webhooks/iadvize/{token}/customer-info') && paths.has('OPTIONS /webhooks/livesupporti/{token}'),
      'the extra routes of the real registry are there',
    );
  });

  it('answers every described path and method (with valid credentials) with something else than 404 NOT_FOUND or 405', async () => {
    const fill = (path: string) => {
      const source = /^\/webhooks\/([^/]+)\//.exec(path)?.[1];
      return path.replace(/\{(\w+)\}/g, (_, name: string) =>
        name === 'token' ? (service.running.tokens.get(source ?? '') ?? '') : name === 'source' ? 'olark' : 'no-such-id',
      );
    };
    for (const { path, method, operation } of operations()) {
      const security = JSON.stringify(operation.security ?? []);
      const headers: Record<string, string> = {};
      if (security.includes('metricsToken')) headers.authorization = `Bearer ${METRICS_TOKEN}`;
      if (security.includes('adminPassword')) headers.authorization = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
      if (method === 'post') headers['content-type'] = 'application/json';
      const res = await fetch(`${service.url}${fill(path)}`, {
        method: method.toUpperCase(),
        headers,
        redirect: 'manual',
        ...(method === 'post' ? { body: '{}' } : {}),
      });
      const text = await res.text();
      const what = `${method.toUpperCase()} ${path} → ${res.status} ${text.slice(0, 200)}`;
      assert.notEqual(res.status, 405, what);
      if (res.status === 404) assert.ok(!/"code":"(NOT_FOUND|UNKNOWN_WEBHOOK_TOKEN)"/.test(text), what);
      if (res.status === 401 && headers.authorization !== undefined) assert.fail(`refused with valid credentials: ${what}`);
    }
  });

  it('marks a route nobody described, so the test above would fail on it', () => {
    const router = new Router();
    router.get('/status', () => undefined);
    router.delete('/something-new/:id', () => undefined);
    router.get('/admin/anything', () => undefined);
    const paths = openApiDocument({ routers: [router], sources: [] }).paths;
    assert.ok(isRecord(paths) && isRecord(paths['/something-new/{id}']) && isRecord(paths['/something-new/{id}'].delete));
    assert.equal(paths['/something-new/{id}'].delete['x-undocumented'], true);
    assert.ok(isRecord(paths['/status']) && isRecord(paths['/status'].get) && paths['/status'].get['x-undocumented'] === undefined);
    assert.ok(
      isRecord(paths['/admin/anything']) &&
        isRecord(paths['/admin/anything'].get) &&
        paths['/admin/anything'].get['x-undocumented'] === undefined,
    );
  });
});
