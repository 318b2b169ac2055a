/**
 * Every method Node's parser accepts, on every route and on unknown paths: a known path answers
 * 405 with the `Allow` it really has, an unknown path 404, always in the
 * JSON error shape, never a 500. (Before: TRACE and WebDAV verbs were 500 with a stack trace on
 * every path, and every 405 said `Allow: GET, POST`.)
 */
import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import { TEST_TOKEN } from '../../support/service';
import { assertAlive, assertCleanLog, errorCodeOf, rawStatus, send, sendRaw, startHostileService, type HostileService } from './harness';

/** Every registered platform's webhook, with a token of its own. */
const TOKENS = {
  LIVECHAT_WEBHOOK_TOKEN: 'livechat-token-0123456789abcdef',
  LIVESUPPORTI_WEBHOOK_TOKEN: 'livesupporti-token-0123456789ab',
  IADVIZE_WEBHOOK_TOKEN: 'iadvize-token-0123456789abcdef',
};

const ROUTES: readonly { path: string; allow: readonly string[] }[] = [
  { path: `/webhooks/olark/${TEST_TOKEN}`, allow: ['POST'] },
  { path: `/webhooks/livechat/${TOKENS.LIVECHAT_WEBHOOK_TOKEN}`, allow: ['POST'] },
  { path: `/webhooks/livesupporti/${TOKENS.LIVESUPPORTI_WEBHOOK_TOKEN}`, allow: ['GET', 'HEAD', 'OPTIONS', 'POST'] },
  { path: `/webhooks/iadvize/${TOKENS.IADVIZE_WEBHOOK_TOKEN}`, allow: ['POST'] },
  { path: `/webhooks/iadvize/${TOKENS.IADVIZE_WEBHOOK_TOKEN}/health`, allow: ['GET', 'HEAD'] },
  { path: `/webhooks/iadvize/${TOKENS.IADVIZE_WEBHOOK_TOKEN}/customer-info`, allow: ['GET', 'HEAD', 'POST'] },
  { path: '/r/olark/some-conversation', allow: ['GET', 'HEAD'] },
  { path: '/records/some-record', allow: ['GET', 'HEAD'] },
  { path: '/status', allow: ['GET', 'HEAD'] },
  { path: '/', allow: ['GET', 'HEAD'] },
  { path: '/healthz', allow: ['GET', 'HEAD'] },
];
/** Unknown paths, and webhook paths whose token is wrong (they say nothing more than 404). */
const UNKNOWN: Readonly<Record<string, string>> = {
  '/nope': 'NOT_FOUND',
  '/webhooks/olark': 'NOT_FOUND',
  '/r/olark': 'NOT_FOUND',
  '/records': 'NOT_FOUND',
  '/webhooks/olark/not-the-token': 'UNKNOWN_WEBHOOK_TOKEN',
  '/webhooks/olark/a/b': 'UNKNOWN_WEBHOOK_TOKEN',
  '/webhooks/nosuchplatform/x': 'UNKNOWN_WEBHOOK_TOKEN',
  [`/webhooks/livechat/${TEST_TOKEN}`]: 'UNKNOWN_WEBHOOK_TOKEN',
  [`/webhooks/olark/${TEST_TOKEN}/nope`]: 'NOT_FOUND',
};

// CONNECT asks for a tunnel, not a resource: Node hands it to a `connect` listener, tested apart below.
const methods = METHODS.filter((m) => m !== 'CONNECT');

const tokenless = (path: string): string => [TEST_TOKEN, ...Object.values(TOKENS)].reduce((p, token) => p.replace(token, ':token'), path);

const allowOf = (header: unknown): string[] =>
  typeof header === 'string'
    ? header
        .split(',')
        .map((m) => m.trim())
        .sort()
    : [];

describe('hostile input: every HTTP method on every route', function () {
  this.timeout(60_000);
  let service: HostileService;
  before(async () => {
    service = await startHostileService(TOKENS);
  });
  after(async () => {
    await service.stop();
  });

  for (const route of ROUTES)
    it(`${tokenless(route.path)}: ${route.allow.join('/')} are served, every other method is 405 with Allow`, async () => {
      const mark = service.logMark();
      const expected = [...route.allow].sort();
      for (const method of methods) {
        const answer = await send(`${service.url}${route.path}`, { method });
        const label = `${method} ${route.path}: ${answer.status} ${answer.body}`;
        assert.ok(answer.status < 500, label);
        if (route.allow.includes(method)) continue;
        assert.equal(answer.status, 405, label);
        assert.deepEqual(allowOf(answer.headers.allow), expected, label);
        if (method !== 'HEAD') assert.equal(errorCodeOf(answer), 'METHOD_NOT_ALLOWED', label);
      }
      await assertAlive(service);
      assertCleanLog(service, mark);
    });

  for (const [path, code] of Object.entries(UNKNOWN))
    it(`${tokenless(path)}: every method is 404 ${code}`, async () => {
      const mark = service.logMark();
      for (const method of methods) {
        const answer = await send(`${service.url}${path}`, { method });
        const label = `${method} ${path}: ${answer.status} ${answer.body}`;
        assert.equal(answer.status, 404, label);
        assert.equal(answer.headers.allow, undefined, label);
        if (method !== 'HEAD') assert.equal(errorCodeOf(answer), code, label);
      }
      await assertAlive(service);
      assertCleanLog(service, mark);
    });

  it('names what each route serves in Allow, not GET, POST everywhere', async () => {
    const status = await send(`${service.url}/status`, { method: 'DELETE' });
    assert.equal(status.status, 405);
    assert.equal(status.headers.allow, 'GET, HEAD');
    const webhook = await send(`${service.url}/webhooks/olark/${TEST_TOKEN}`, { method: 'PUT' });
    assert.equal(webhook.status, 405);
    assert.equal(webhook.headers.allow, 'POST');
  });

  it('answers a route of the right method that finds nothing with its own 404, not a 405', async () => {
    const answer = await send(`${service.url}/records/no-such-record`);
    assert.equal(answer.status, 404);
    assert.equal(answer.headers.allow, undefined);
  });

  it('survives CONNECT and a method Node does not know', async () => {
    const mark = service.logMark();
    await sendRaw(service.port, 'CONNECT /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 1000);
    assert.equal(rawStatus(await sendRaw(service.port, 'BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n')), 400);
    await assertAlive(service);
    assertCleanLog(service, mark);
  });
});
